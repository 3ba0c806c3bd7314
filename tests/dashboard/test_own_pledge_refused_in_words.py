"""A pledge typed on the dashboard's form for the group's own fundraiser is refused (publishing says
to report money raised instead); in French the form said only "Vérifiez ce champ." beside the
pledge, and the coordinator could not tell what was wrong. The refusal is said in the form's language."""
from __future__ import annotations

import pytest

from page_text import csrf_of, visible_text

SAID = {"en": "That fundraiser is your own group's", "fr": "Cette collecte est celle de votre groupe"}


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_a_pledge_to_the_groups_own_fundraiser_is_refused_in_the_forms_language(sample, start_node, lang) -> None:
    fund = sample.ids["fundraiser"]
    node = await start_node(sample.nodes[0])
    await node.log_in()
    async with node.client.get(f"/publish/fundraiser.update?fundraiser={fund}&lang={lang}") as r:
        token = csrf_of(await r.text())
    async with node.client.post(f"/publish/fundraiser.update?lang={lang}", data={
            "csrf": token, "fundraiser": fund, "pledge": "500"}) as r:
        text = " ".join(visible_text(await r.text()).split())
    assert "published=1" not in str(r.url) and SAID[lang] in text, text
