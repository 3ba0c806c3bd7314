"""Counts in the dashboard's words take their plural in both languages: "1 event behind",
"2 events behind"; in French 0 and 1 are singular ("0 événement de retard"), and numbers arrive as
format_number wrote them ("1 234")."""
from __future__ import annotations

import pytest

from node.dashboard import i18n
from node.dashboard.i18n import Translator


@pytest.mark.parametrize("lang, count, expected", [
    ("en", 1, "1 event behind"),
    ("en", 0, "0 events behind"),
    ("en", 2, "2 events behind"),
    ("en", "1,234", "1,234 events behind"),
    ("fr", 0, "0 événement de retard"),
    ("fr", 1, "1 événement de retard"),
    ("fr", 2, "2 événements de retard"),
    ("fr", i18n.format_number(1234, "fr"), "1\u202f234 événements de retard"),
])
def test_lag_takes_its_plural(lang: str, count: object, expected: str) -> None:
    assert Translator(lang)("health.lag_value", count=count) == expected


def test_the_first_field_counts_when_there_is_no_count() -> None:
    fr = Translator("fr")
    assert fr("health.peers_value", connected=1, known=3) == "1 connecté sur 3"
    assert fr("health.peers_value", connected=2, known=3) == "2 connectés sur 3"
    assert fr("needs.fulfilled", fulfilled="1", quantity="20") == "1 sur 20 couvert"
    assert fr("needs.fulfilled", fulfilled="15", quantity="20") == "15 sur 20 couverts"


def test_every_singular_form_has_its_plural_and_the_same_fields() -> None:
    for lang in i18n.LANGUAGES:
        messages = i18n.catalog(lang)
        singular = [key for key in messages if key.endswith(".one")]
        assert singular, "no singular forms: the test would prove nothing"
        for key in singular:
            assert key[:-4] in messages, f"{lang}: {key} has no plural form {key[:-4]}"


def test_no_loaded_word_for_a_police_raid() -> None:
    """'rafle' names the round-ups of the 1940s in French: a neutral term is used instead."""
    fr = i18n.catalog("fr")
    assert not [key for key, text in fr.items() if "rafle" in text.lower()]
    assert Translator("fr").choice("raid") == "descente de police"


@pytest.mark.parametrize("lang, rate, expected", [
    ("en", "1", "1 event/s"), ("en", "0", "0 events/s"), ("en", "12", "12 events/s"),
    ("fr", "0", "0 événement/s"), ("fr", "1,5", "1,5 événement/s"), ("fr", "12", "12 événements/s"),
])
def test_the_rate_on_the_health_panel_takes_its_plural(lang: str, rate: str, expected: str) -> None:
    """The network health of a node at rest said "0 événements/s" beside "0 événement de retard"."""
    assert Translator(lang)("health.rate_value", rate=rate) == expected
