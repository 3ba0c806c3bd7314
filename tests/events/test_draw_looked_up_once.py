"""Whether a fulfilment counts against the offer it names (effects.draws_on_offer) is judged by the
offer's own group, the same goods and the same unit (effects.problem's rule for a draw): the offer
and the need are each looked up once (a desk judges some 440 draws a page; it looked each up twice),
and the answer is the rule's, whatever is held."""
from __future__ import annotations

from collections import Counter
from itertools import product

from events.effects import SEALED_KIND, Target, draws_on_offer, problem

CALAIS, BRIGHTON, DOVER = b"c" * 32, b"b" * 32, b"d" * 32
NEED_ID, OFFER_ID = b"n" * 32, b"o" * 32
NEED = {"category": "tents", "quantity": 60, "unit": "items"}
OFFERS = [Target("offer", by, {"category": goods, "quantity": 40, **({"unit": unit} if unit else {})}, 0)
          for by, goods, unit in product((CALAIS, BRIGHTON), ("tents", "food"), ("items", "kg", None))]
HELD_NEEDS = [None, Target("need", CALAIS, NEED, 0), Target(SEALED_KIND, CALAIS, {}, 0)]


def test_a_draw_is_judged_by_the_rule_each_event_looked_up_once() -> None:
    fields = {"need": NEED_ID, "quantity": 3, "offer": OFFER_ID}
    cases = 0
    for offer, need, by in product([None, Target(SEALED_KIND, BRIGHTON, {}, 0), *OFFERS], HELD_NEEDS,
                                   (CALAIS, BRIGHTON, DOVER)):
        held = {NEED_ID: need, OFFER_ID: offer}
        asked: Counter = Counter()

        def target(event_id: bytes) -> Target | None:
            asked[event_id] += 1
            return held[event_id]
        counts = draws_on_offer(fields, by, target)
        assert asked == {NEED_ID: 1, OFFER_ID: 1}, (offer, need, by, asked)
        rule = (offer is not None and need is not None and SEALED_KIND not in (offer.kind, need.kind)
                and offer.group == by and problem("need.fulfil", fields, by, 1, held.get) is None)
        assert counts == rule, (offer, need, by)
        cases += counts
    assert cases == 4, "by the offer's own group (of the need or not), tents in items (the unit said or not)"


def test_a_fulfilment_naming_no_offer_draws_on_none() -> None:
    asked: list[bytes] = []
    assert not draws_on_offer({"need": NEED_ID, "quantity": 3}, CALAIS, lambda i: asked.append(i))
    assert asked == []
