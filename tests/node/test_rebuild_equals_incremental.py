"""`rebuild` replays the log through the projection functions: it must give exactly the
incrementally maintained read models, whatever the mix and arrival order of events."""
from __future__ import annotations

import random
from pathlib import Path

from node_fixtures import Net, action, wires
from node.log import now_ms


def _workload(net: Net, rnd: random.Random) -> list:
    other = net.device_of(net.group)
    devices = [net.device, other]
    made = []
    now = now_ms()
    for i in range(300):
        dev = rnd.choice(devices)
        pick = rnd.randrange(9)
        if pick == 0:
            made.append(dev.sign("action", action(i, rnd.choice(["calais", "dover", "bristol"]))))
        elif pick == 1:
            made.append(dev.sign("fundraiser", {"title": f"F{i}", "goal": 10_000, "currency": "EUR", "region": "calais"}))
        elif pick == 2 and any(e.kind == "fundraiser" for e in made):
            fund = rnd.choice([e for e in made if e.kind == "fundraiser"])
            amount = {"raised": rnd.randint(0, 20_000)} if rnd.random() < 0.5 else {"pledge": rnd.randint(1, 500)}
            made.append(dev.sign("fundraiser.update", {"fundraiser": fund.id, **amount}))
        elif pick == 3:
            made.append(dev.sign("need", {"category": "tents", "quantity": rnd.randint(1, 9), "region": "calais"}))
        elif pick == 4 and any(e.kind == "need" for e in made):
            need = rnd.choice([e for e in made if e.kind == "need"])
            made.append(dev.sign("need.fulfil", {"need": need.id, "quantity": 1}))
        elif pick == 5:
            made.append(dev.sign("support.request", {"region": "dover", "type": "legal", "people": "1", "urgency": "low"}))
        elif pick == 6 and any(e.kind == "support.request" for e in made):
            req = rnd.choice([e for e in made if e.kind == "support.request"])
            kind = rnd.choice(["support.claim", "support.close"])
            fields = {"request": req.id} | ({"outcome": "resolved"} if kind == "support.close" else {})
            made.append(dev.sign(kind, fields))
        elif pick == 7:
            made.append(dev.sign("alert", {"region": "calais", "type": "raid", "text": f"alert {i}"},
                                 expires=now + rnd.choice([-1, 1]) * 3_600_000 + 7_200_000))
        elif pick == 8:
            mine = [e for e in dev.made if e.kind in ("action", "need")]
            if mine:
                made.append(dev.sign("redact", {"ids": [rnd.choice(mine).id]}))
            made.append(dev.sign("group.profile", {"name": f"Calais {i}", "region": "calais"}))
    return net.group.made + made


def test_rebuild_equals_incremental_for_a_random_workload(net: Net, tmp_path: Path) -> None:
    rnd = random.Random(7)
    events = _workload(net, rnd)
    log = net.new_log(tmp_path / "a.db")
    batch = wires(events)
    rnd.shuffle(batch)  # arrival order differs from chain order: pending events get drained
    for i in range(0, len(batch), 37):
        log.ingest(batch[i : i + 37])
    assert log.store.count() == len(events)
    incremental = log.store.projection_dump()
    assert len(incremental) > 100
    log.rebuild()
    assert log.store.projection_dump() == incremental


def test_two_nodes_with_different_arrival_orders_agree(net: Net, tmp_path: Path) -> None:
    events = _workload(net, random.Random(11))
    a, b = net.new_log(tmp_path / "a.db"), net.new_log(tmp_path / "b.db")
    a.ingest(wires(events))
    shuffled = wires(events)
    random.Random(3).shuffle(shuffled)
    for wire in shuffled:
        b.ingest([wire])
    assert a.store.projection_dump() == b.store.projection_dump()



def test_a_row_made_again_for_its_event_replaces_the_one_it_had(net: Net, tmp_path: Path) -> None:
    """A batch's rows go in with a plain INSERT; a row made again for an event that has one (a
    re-projection in the same transaction) is written over it, as REPLACE did, not refused."""
    log = net.new_log(tmp_path / "a.db")
    need = net.device.sign("need", {"category": "tents", "quantity": 2, "region": "calais"})
    log.ingest(wires([*net.group.made, need]))
    n = log.store.event_n(need.id)

    def rows_of_need() -> list:
        return [r for r in log.store.projection_dump() if r.key == need.id]

    [before] = rows_of_need()
    assert before.region == "calais"
    with log.store.write():
        log.store.add_row(n, "need", bytes(net.group.key.public), "dover", None, None,
                          (need.header.timestamp, need.id))
    assert [r.region for r in rows_of_need()] == ["dover"]
    log.rebuild()
    assert rows_of_need() == [before]
