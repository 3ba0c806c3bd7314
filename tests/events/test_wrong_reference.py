"""wrong_reference names the first id field (in the kind's order) that names an event of another kind."""
from __future__ import annotations

from events.kinds import KINDS, wrong_reference

FUND, PLEDGE = bytes(32 * [1]), bytes(32 * [2])


def test_the_first_field_in_the_kinds_order_is_named() -> None:
    kind = KINDS["fundraiser.decline"]
    kinds = {FUND: "action", PLEDGE: "need"}
    field, why = wrong_reference(kind, {"decline": PLEDGE, "fundraiser": FUND}, kinds.get)
    assert field == "fundraiser" and "must name a fundraiser event" in why and "is an action event" in why
    kinds[FUND] = "fundraiser"
    assert wrong_reference(kind, {"decline": PLEDGE, "fundraiser": FUND}, kinds.get)[0] == "decline"
    kinds[PLEDGE] = "fundraiser.update"
    assert wrong_reference(kind, {"decline": PLEDGE, "fundraiser": FUND}, kinds.get) is None


def test_an_event_not_held_and_a_kind_without_references_are_not_judged() -> None:
    assert wrong_reference(KINDS["fundraiser.decline"], {"decline": PLEDGE, "fundraiser": FUND}, {}.get) is None
    assert wrong_reference(KINDS["need"], {"region": "calais"}, lambda _: "action") is None
