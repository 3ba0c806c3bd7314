"""The columns the store works out from an item and its steps (schema 15: a need's and a support
request's urgent mark, an action's start as moved) are the same whatever order the events come in:
400 events of two groups and a third that leaves (needs whose urgency is raised, lowered and withdrawn,
fulfilments and declines, actions moved and cancelled, requests claimed and handed back and closed,
updates and claims from the group that does not own the item, redactions, a revocation) ingested
shuffled in batches of 1, 7, 50 and 400 and by a rebuild give the same read-model rows (marks
included) and the same desk."""
from __future__ import annotations

import random
from pathlib import Path

from node.log import now_ms
from node.views import view
from node_fixtures import Author, Net, wires
from test_alert_feed import other_group

URGENCY = ("high", "medium", "low")


def _history(net: Net, rnd: random.Random, now: int) -> list:
    """About 400 events: Calais (the owner of most items), Dover (steps on Calais's items, and its own
    needs), Lille (claims, then it leaves)."""
    dover, dover_device = other_group(net, "Dover")
    lille, lille_device = other_group(net, "Lille")
    calais: Author = net.device
    made: list = []
    needs, actions, requests, fulfils = [], [], [], []
    owner_of: dict[bytes, Author] = {}  # a need's id -> the device that posted it
    need_of: dict[bytes, bytes] = {}  # a fulfilment's id -> its need's
    clock = now - 10 * 3_600_000

    def ts() -> int:
        nonlocal clock
        clock += rnd.randint(1, 90_000)
        return clock

    while len(made) < 380:
        pick = rnd.randrange(12)
        owner = rnd.choice((calais, calais, dover_device))
        if pick == 0 or not needs:
            needs.append(owner.sign("need", {"category": rnd.choice(("tents", "water")), "quantity": rnd.randint(2, 9),
                                             "region": "calais", "urgency": rnd.choice(URGENCY)}, ts=ts()))
            made.append(needs[-1])
            owner_of[needs[-1].id] = owner
        elif pick == 1:
            fields = rnd.choice(({"urgency": rnd.choice(URGENCY)}, {"status": "withdrawn"}, {"quantity": rnd.randint(1, 9)}))
            made.append(rnd.choice((calais, dover_device)).sign("need.update", {"need": rnd.choice(needs).id, **fields},
                                                                 ts=ts()))
        elif pick == 2:
            need = rnd.choice(needs)
            fulfils.append(rnd.choice((dover_device, lille_device, calais)).sign(
                "need.fulfil", {"need": need.id, "quantity": rnd.randint(1, 6)}, ts=ts()))
            made.append(fulfils[-1])
            need_of[fulfils[-1].id] = need.id
        elif pick == 3 and fulfils:
            f = rnd.choice(fulfils)
            need = need_of[f.id]
            made.append(owner_of[need].sign("need.decline", {"need": need, "decline": f.id}, ts=ts()))
        elif pick == 4 or not actions:
            actions.append(calais.sign("action", {"title": f"a{len(actions)}", "region": "calais", "type": "protest",
                                                  "starts_at": now + rnd.randint(1, 20) * 86_400_000}, ts=ts()))
            made.append(actions[-1])
        elif pick == 5:
            fields = rnd.choice(({"starts_at": now + rnd.randint(1, 20) * 3_600_000}, {"status": "cancelled"},
                                 {"status": "on"}))
            made.append(rnd.choice((calais, dover_device)).sign("action.update", {"action": rnd.choice(actions).id,
                                                                                  **fields}, ts=ts()))
        elif pick == 6 or not requests:
            requests.append(calais.sign("support.request", {"region": "calais", "type": "housing", "people": "1",
                                                            "urgency": rnd.choice(URGENCY)}, ts=ts()))
            made.append(requests[-1])
        elif pick in (7, 8):
            made.append(rnd.choice((dover_device, lille_device, dover_device)).sign(
                "support.claim", {"request": rnd.choice(requests).id}, ts=ts()))
        elif pick == 9:
            made.append(rnd.choice((calais, dover_device, lille_device)).sign(
                "support.close", {"request": rnd.choice(requests).id, "outcome": "resolved"}, ts=ts()))
        elif pick == 10:
            device = rnd.choice((calais, dover_device))
            mine = [e for e in device.made if e.kind in ("need", "need.update", "action.update", "need.fulfil",
                                                          "support.claim", "support.close")]
            if mine:
                made.append(device.sign("redact", {"ids": [rnd.choice(mine).id]}, ts=ts()))
        else:
            made.append(dover_device.sign("need.update", {"need": rnd.choice(needs).id, "urgency": "high"}, ts=ts()))
    # Lille leaves the network: the requests it took wait for a group again
    made.append(lille.sign("member.revoke", {"subject": bytes(lille.key.public), "from_seq": lille.seq + 2}, ts=ts()))
    return [*net.group.made, *dover.made, *lille.made[:-1], *made]


def test_marks_and_moved_starts_are_the_same_in_any_arrival_order(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    events = _history(net, random.Random(51), now)
    assert len(events) >= 380
    dumps, desks = [], []
    for size in (1, 7, 50, 400):
        shuffled = wires(events)
        random.Random(size).shuffle(shuffled)
        log = net.new_log(tmp_path / f"batches-{size}.db")
        try:
            for i in range(0, len(shuffled), size):
                log.ingest(shuffled[i: i + size], now=now)
            assert log.store.count() == len(events)
            dumps.append(log.store.projection_dump())
            desks.append(view(log, "regions", region="calais", now=now, limit=20, peers=[]))
            if size == 400:
                log.rebuild()
                dumps.append(log.store.projection_dump())
                desks.append(view(log, "regions", region="calais", now=now, limit=20, peers=[]))
        finally:
            log.store.close()
    assert any(row.urgent for row in dumps[0]) and not all(row.urgent for row in dumps[0] if row.table == "need")
    for dump in dumps[1:]:
        assert dump == dumps[0]
    for desk in desks[1:]:
        assert desk == desks[0]
