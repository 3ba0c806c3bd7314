"""A fulfilment its need's group declined draws nothing from the offer it names: the offer's
remaining quantity, on the needs page (its need in another region, off the page) and in the offer's
own state (what an offer.update is checked against), is the same whatever order the events came in."""
from __future__ import annotations

import itertools
from pathlib import Path

from test_order_independence import NOW, certified_world, ingest_in

from node.references import listing_state
from node.views import view


def test_a_declined_fulfilment_draws_nothing_from_its_offer_in_any_order(tmp_path: Path) -> None:
    world = certified_world()
    g1, g2 = world.authors["g1"], world.authors["g2"]  # devices of G1 (the need) and G2 (the offer)
    need = g1.sign("need", {"category": "tents", "quantity": 60, "region": "dover"})
    offer = g2.sign("offer", {"category": "tents", "quantity": 25, "region": "calais"})
    fulfil = g2.sign("need.fulfil", {"need": need.id, "quantity": 20, "offer": offer.id})
    decline = g1.sign("need.decline", {"need": need.id, "decline": fulfil.id})
    for n, order in enumerate(itertools.permutations([need, offer, fulfil, decline])):
        log = ingest_in(tmp_path / f"{n}.db", world, [*world.events, *order], [])
        try:
            [page] = [o for o in view(log, "needs", region="calais", now=NOW, limit=50) if o["id"] == offer.id]
            state = listing_state(log.store, log.trust, offer.id, NOW)
            assert (page["drawn"], page["remaining"]) == (0, 25), page
            assert state is not None and (state["drawn"], state["remaining"]) == (0, 25), state
        finally:
            log.store.close()
