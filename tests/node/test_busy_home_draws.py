"""The busy home the API's benchmark builds (bench/common.py `busy_steps`) draws its offers down as a
real group could: each fulfilment that names an offer names one of the same goods, and no offer gives
more than it holds. (Drawn from any of its 20 stock offers, two thirds of the draws were of other
goods, which a node refuses to publish, and the page cost of each offer's draw-downs was that of
~48 draws an offer.)"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.common import busy_steps, found_network, signed_chain
from crypto.keys import SigningKey
from events.canonical import unpack


def test_the_busy_homes_draws_are_of_the_offers_goods_and_within_what_each_holds(tmp_path: Path) -> None:
    net, log = found_network(tmp_path / "solnet.db")
    try:
        chain = list(signed_chain(net, 6000))
    finally:
        log.store.close()
    steps = busy_steps(net, chain, SigningKey.generate())
    by_id = {ev.id: ev for ev in [*chain, *steps]}
    drawn: Counter[bytes] = Counter()
    for ev in steps:
        if ev.header.kind == "need.fulfil" and "offer" in (fields := unpack(ev.body)):
            offer, need = unpack(by_id[fields["offer"]].body), unpack(by_id[fields["need"]].body)
            assert offer["category"] == need["category"], (offer, need)
            drawn[fields["offer"]] += fields["quantity"]
    assert len(drawn) > 1
    assert all(n <= unpack(by_id[offer].body)["quantity"] for offer, n in drawn.items()), drawn
