"""A fulfilment naming an offer counted in another unit has no effect on the offer, and `explain`
says what to do. It told the need's group to "give the offer a new quantity (offer.update), or
withdraw it" even when the offer was another group's, which only refuses that update (not_owner)."""
from __future__ import annotations

from events.effects import Target, explain, problem

CALAIS, BRIGHTON = b"c" * 32, b"b" * 32
NAMES = {CALAIS: "Calais", BRIGHTON: "Brighton"}
NEED_ID, OFFER_ID = b"n" * 32, b"o" * 32


def _words(fulfilled_by: bytes, offer_by: bytes) -> str:
    held = {NEED_ID: Target("need", CALAIS, {"category": "tents", "quantity": 60, "unit": "items"}, 0),
            OFFER_ID: Target("offer", offer_by, {"category": "tents", "quantity": 40, "unit": "kg"}, 0)}
    found = problem("need.fulfil", {"need": NEED_ID, "quantity": 3, "offer": OFFER_ID}, fulfilled_by, 1, held.get)
    assert found is not None and found.code == "draw_other_unit"
    return explain(found, NAMES.__getitem__)


def test_the_need_s_group_is_not_told_to_update_another_group_s_offer() -> None:
    said = _words(CALAIS, BRIGHTON)
    assert "offer.update" not in said and "Brighton" in said, said


def test_the_offer_s_own_group_is_told_to_update_or_withdraw_it() -> None:
    said = _words(BRIGHTON, BRIGHTON)
    assert "offer.update" in said, said
