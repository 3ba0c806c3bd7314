"""The need's page and the overview's list of covered needs say what a need covers beyond what it
asks now as `solnet view needs` does (events.readmodels: `over`, `over_lowered`): the groups'
over-claim, warned and named, apart from what its own group's lowering made. The covered list said
every surplus as a warning ("13 items more than asked"), and the page called a claim made after
the lowering the lowering's. Pure rendering, in English and French."""
from __future__ import annotations

import pytest

from node.dashboard.app import render_page
from node.dashboard.i18n import Translator
from test_templates import ID, context, overview

BRISTOL = bytes(reversed(range(32)))


def _need(over: int, over_lowered: int) -> dict:
    return {"id": ID, "group": ID, "group_name": "Calais", "region": "calais", "side": "need", "category": "tents",
            "unit": "items", "quantity": 5, "fulfilled": 5 + over, "remaining": 0, "status": "open", "over": over,
            "over_lowered": over_lowered, "lowered": 0 < over_lowered == over, "declined": [], "matches": [],
            "fulfilled_by": [{"group": BRISTOL, "group_name": "Bristol", "quantity": 5 + over, "id": ID}]}


# (str.split() takes the French narrow no-break space for a space: the page is read flattened)
SAID = {"en": ("over-claimed: {n} items more than asked, claimed by <bdi>Bristol</bdi>",
               "{n} items more covered than it asks now (its group lowered it)"),
        "fr": ("surdéclaré : {n} pièces de plus que demandé, déclaré par <bdi>Bristol</bdi>",
               "{n} pièces de plus que ce qu’il demande maintenant (son groupe l’a réduit)")}


@pytest.mark.parametrize("over, lowered", [(13, 0), (13, 13), (18, 10)])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_page_and_the_covered_list_tell_an_over_claim_from_a_lowering(lang, over, lowered) -> None:
    need = _need(over, lowered)
    page = {**overview(lang), "fulfilled": {"items": [need], "more": 0}}
    event = {"id": ID, "kind": "need", "author": ID, "seq": 1, "ts": 1_800_000_000_000, "expires": None,
             "body": "present", "group": ID, "group_name": "Calais", "raw": {}, "sealed": None, "fields": [],
             "title": "tents", "status": need}
    claimed, by_lowering = SAID[lang]
    for html in (render_page("overview.html", page),
                 render_page("event.html", context(lang, event=event, private_text=None, private_status=None,
                                                   fragment="/f"))):
        flat = " ".join(html.split())
        said = flat[flat.index("tentes : 5" if lang == "fr" else "tents: 5"):][:400]
        assert (f'<span class="tag warn">{claimed.format(n=over - lowered)}' in said) == (over > lowered), said
        assert (by_lowering.format(n=lowered) in said) == (lowered > 0), said
