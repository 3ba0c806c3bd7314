"""The /publish page's first words say who can read what is published there, truly: the same page
offers support requests with sealed private details and events for chosen groups only, so "everything
here is public to members" was not true (in English and French)."""
from __future__ import annotations

import re

import pytest
from test_templates import context

from node.dashboard.app import render_page


@pytest.mark.parametrize("lang, sealed, chosen", [("en", "private details", "chosen groups"),
                                                  ("fr", "détails privés", "groupes choisis")])
def test_the_publish_intro_says_what_is_encrypted_to_chosen_groups(lang: str, sealed: str, chosen: str) -> None:
    html = render_page("publish_index.html", context(lang, kinds=["alert", "support.request", "sealed"]))
    lead = re.search(r'<p class="lead">(.*?)</p>', html, re.S).group(1)
    assert sealed in lead and chosen in lead, lead
    assert "Everything here is public" not in lead and "Tout ici est public" not in lead, lead
