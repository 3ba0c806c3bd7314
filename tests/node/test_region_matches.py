"""A region chosen filters the needs listed, not the offers that could cover them: a need's "could
come from" (`matches`) names offers of the same goods and unit in any region, as on the whole
network's listing, with what is left of each; the other regions' offers are not listed themselves."""
from __future__ import annotations

from pathlib import Path

import pytest
from test_order_independence import NOW, certified_world, ingest_in

from node.views import reader_of, view


@pytest.mark.parametrize("limit", [None, 50])
def test_a_need_of_a_chosen_region_could_come_from_an_offer_of_another(tmp_path: Path, limit: int | None) -> None:
    world = certified_world()
    g1, g2 = world.authors["g1"], world.authors["g2"]
    need = g1.sign("need", {"category": "tents", "quantity": 40, "region": "calais"})
    offer = g2.sign("offer", {"category": "tents", "quantity": 30, "region": "lille"})
    other = g2.sign("need", {"category": "tents", "quantity": 8, "region": "lille"})
    drawn = g2.sign("need.fulfil", {"need": other.id, "quantity": 5, "offer": offer.id})  # 25 left of it
    log = ingest_in(tmp_path / "a.db", world, [*world.events, need, offer, other, drawn], [])
    try:
        everywhere = {i["id"]: i for i in view(log, "needs", now=NOW, limit=limit)}
        reader = reader_of(log)
        calais = view(log, "needs", region="calais", now=NOW, limit=limit, reader=reader)
        assert [i["id"] for i in calais] == [need.id]  # Lille's offer and need are not listed
        [item] = calais
        assert [(m["id"], m["region"], m["remaining"]) for m in item["matches"]] == [(offer.id, "lille", 25)]
        assert item["matches"] == everywhere[need.id]["matches"]
        assert reader.capped == set()  # the offers read to match are not the listing's cut
    finally:
        log.store.close()
