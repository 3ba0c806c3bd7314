"""A need.decline on need A that names a fulfilment of another need B bars no group on A (the
read model: a named row read here counts only if it fulfils A). When B's fulfilments were not read
(B left out of the desk's urgent pass as listed already, B off the needs page, A's own page), the
read model fell back to the fulfilment's signed header and barred its group on A: A, covered,
showed as still needing everything. The views now read the rows the declines name, so A's item is
the same whichever needs are read beside it."""
from __future__ import annotations

from pathlib import Path

from test_alert_feed import other_group

from events import readmodels
from events.projections import Row
from node.log import now_ms
from node.references import listing_state
from node.views import URGENT_ROWS, Held, _needs_alone, urgent_too, view
from node_fixtures import Net, wires

HOUR = 3_600_000


def test_a_decline_naming_another_needs_fulfilment_bars_nobody_whatever_is_read(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    dover_group, dover = other_group(net, "Dover")
    b = net.device.sign("need", {"category": "tents", "quantity": 10, "region": "calais", "urgency": "high"},
                        ts=now - 2 * HOUR)
    a = net.device.sign("need", {"category": "blankets", "quantity": 5, "region": "calais", "urgency": "high"},
                        ts=now - HOUR)
    of_a = dover.sign("need.fulfil", {"need": a.id, "quantity": 5}, ts=now - HOUR + 1)
    of_b = dover.sign("need.fulfil", {"need": b.id, "quantity": 1}, ts=now - HOUR + 2)
    decline = net.device.sign("need.decline", {"need": a.id, "decline": of_b.id}, ts=now - HOUR + 3)
    log = net.new_log(tmp_path / "db.sqlite")
    try:
        log.ingest(wires([*net.group.made, *dover_group.made, a, b, of_a, of_b, decline]), now=now)
        whole = {n["id"]: n["remaining"] for n in view(log, "needs", region="calais", now=now, limit=None)
                 if n["side"] == "need"}
        assert whole == {a.id: 0, b.id: 9}, whole
        # the desk's urgent pass, B listed already (left out of what it works out)
        held = Held(log.store, log.trust)
        listed = {"needs": [i for i in _needs_alone(held, "calais", now, URGENT_ROWS, urgent=True) if i["id"] == b.id],
                  "support": []}
        urgent_too(Held(log.store, log.trust), "calais", now, listed, ["needs"])
        assert [(i["id"], i["remaining"]) for i in listed["needs"]] == [(b.id, 9)], listed["needs"]
        # the needs page with A alone on it (B is older: past the cut)
        [first] = [n for n in view(log, "needs", region="calais", now=now, limit=1) if n["side"] == "need"]
        assert (first["id"], first["remaining"], first["declined"]) == (a.id, 0, []), first
        # A's own state (its page, `show`, what a fulfilment is checked against)
        state = listing_state(log.store, log.trust, a.id, now)
        assert state is not None and state["remaining"] == 0 and state["declined"] == [], state
    finally:
        log.store.close()


def test_a_named_fulfilment_that_counts_nowhere_bars_nobody_whether_its_need_is_given_or_not() -> None:
    """The read model alone: a decline of need A naming B's fulfilment sealed to its own group only
    (it counts nowhere: B's group never sees it). Given B, the read model dropped that fulfilment
    before looking up what the decline names, and barred its group on A from its header; not given
    B, it found it a fulfilment of another need and barred nobody."""
    calais, dover = b"c" * 32, b"d" * 32
    a_id, b_id, of_a_id, of_b_id, decline_id = (bytes([i]) * 32 for i in range(1, 6))

    def need(key: bytes, quantity: int, ts: int) -> Row:
        return Row("need", key, {"group": calais, "quantity": quantity, "category": "tents", "ts": ts,
                                 "region": "calais"}, "calais", None, None, (ts, key))

    a, b = need(a_id, 5, 2), need(b_id, 10, 1)
    of_a = Row("need.fulfil", of_a_id, {"group": dover, "need": a_id, "quantity": 5, "ts": 3}, None, None, a_id,
               (3, of_a_id))
    of_b = Row("need.fulfil", of_b_id, {"group": dover, "need": b_id, "quantity": 1, "ts": 4, "shared_with": [dover]},
               None, None, b_id, (4, of_b_id))
    decline = Row("need.fulfil", decline_id, {"group": calais, "need": a_id, "decline": of_b_id, "ts": 5}, None, None,
                  a_id, (5, decline_id))
    for given in ([a, b], [a]):
        found = readmodels.needs_and_offers(given, [of_a, of_b, decline], 10, replied_by=lambda _: dover,
                                            suggest=False)
        [item] = [i for i in found if i["id"] == a_id]
        assert (item["remaining"], item["declined"]) == (0, []), (len(given), item)
