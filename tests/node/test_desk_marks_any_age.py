"""The coordinator's desk looked for urgent needs and waiting support requests among a region's
newest 100 rows only: in a busy region an older one was missing from it. The store now marks them
(proj.urg) from a state kept per item as its steps come (node/store/desk_marks.py), O(1) statements
a step, the same in every arrival order; the desk walks the marks. These tests: an urgent need and
a waiting request behind 150 newer rows are on the desk; a covered need and a taken request leave
it, and come back when declined or handed back; the marks are the same in every arrival order,
after a rebuild and a migration, and never narrower than the read model; a flood of 2,000 steps
on one need costs each step the same."""
from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from events import readmodels
from events.projections import FULFIL, NEED, NEED_UPDATE, SUPPORT, SUPPORT_STATUS
from node import publishing, references
from node.audience import Opener
from node.log import EventLog, now_ms
from node.store import Store
from node.store.schema import SCHEMA_VERSION
from node.views import reader_of, view
from node_fixtures import Author, Net, as_schema, vm_steps, wires
from test_alert_feed import other_group
from test_audiences import _three

HOUR = 3_600_000
URGENCY = ("high", "medium", "low")


def _desk(log: EventLog, now: int, region: str = "calais") -> dict:
    [desk] = view(log, "regions", region=region, now=now, limit=100, peers=[])
    return desk


def _marked(log: EventLog) -> set[bytes]:
    return {r.key for r in log.store.projection_dump() if r.urgent}


def _busy(device: Author, now: int, count: int = 150) -> list:
    """`count` newer needs and requests, none urgent and none waiting long (each taken at once is
    not needed: low urgency needs are never marked; the requests are taken by their own group)."""
    made = []
    for i in range(count):
        made.append(device.sign("need", {"category": "books", "quantity": i + 1, "region": "calais",
                                         "urgency": "low"}, ts=now - HOUR + i))
        request = device.sign("support.request", {"region": "calais", "type": "housing", "people": "1",
                                                  "urgency": "low"}, ts=now - HOUR + i)
        made += [request, device.sign("support.claim", {"request": request.id}, ts=now - HOUR + i)]
    return made


def test_an_urgent_need_and_a_waiting_request_behind_150_newer_rows_are_on_the_desk(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    blankets = net.device.sign("need", {"category": "blankets", "quantity": 30, "region": "calais", "urgency": "high"},
                               ts=now - 5 * HOUR)
    waiting = net.device.sign("support.request", {"region": "calais", "type": "legal_information", "people": "1",
                                                  "urgency": "low"}, ts=now - 5 * HOUR)
    busy = _busy(net.device, now)
    log = net.new_log(tmp_path / "db.sqlite")
    try:
        log.ingest(wires([*net.group.made, blankets, waiting, *busy]), now=now)
        desk = _desk(log, now)
        assert {"needs", "support"} <= set(desk["capped"]) and "needs_urgent" not in desk["capped"], desk["capped"]
        assert [(n["category"], n["urgency"], n["missing"]) for n in desk["needs"]][0] == ("blankets", "high", 30)
        assert desk["requests"]["waiting"] == 1, desk["requests"]
        assert _marked(log) == {blankets.id, waiting.id}
    finally:
        log.store.close()


def test_a_moles_flood_of_urgent_needs_hides_no_other_groups_older_one(net: Net, tmp_path: Path) -> None:
    """The marked needs are walked fair to every group, as any listing: 300 newer urgent needs of a
    member's group leave Calais's older urgent one on the desk."""
    now = now_ms()
    mole, mole_device = other_group(net, "Mole")
    blankets = net.device.sign("need", {"category": "blankets", "quantity": 30, "region": "calais", "urgency": "high"},
                               ts=now - 5 * HOUR)
    flood = [mole_device.sign("need", {"category": "books", "quantity": 1, "region": "calais", "urgency": "high"},
                              ts=now - HOUR + i) for i in range(300)]
    log = net.new_log(tmp_path / "db.sqlite")
    try:
        log.ingest(wires([*net.group.made, *mole.made, blankets, *flood]), now=now)
        desk = _desk(log, now)
        assert "needs_urgent" in desk["capped"]
        assert [(n["category"], n["missing"]) for n in desk["needs"] if n["category"] == "blankets"] == [("blankets", 30)]
    finally:
        log.store.close()


def _covered_and_taken(net: Net, now: int) -> tuple[list, dict]:
    """Calais's urgent need and waiting request behind 150 newer rows (`base`), and the steps on them:
    Dover covers the need, Calais declines that; Dover takes the request, hands it back, takes it again."""
    dover, dover_device = other_group(net, "Dover")
    need = net.device.sign("need", {"category": "tents", "quantity": 10, "region": "calais", "urgency": "high"},
                           ts=now - 5 * HOUR)
    request = net.device.sign("support.request", {"region": "calais", "type": "housing", "people": "1",
                                                  "urgency": "low"}, ts=now - 5 * HOUR)
    base = [*net.group.made, *dover.made, need, request, *_busy(net.device, now)]
    covered = dover_device.sign("need.fulfil", {"need": need.id, "quantity": 10}, ts=now - 4 * HOUR)
    declined = net.device.sign("need.decline", {"need": need.id, "decline": covered.id}, ts=now - 3 * HOUR)
    taken = dover_device.sign("support.claim", {"request": request.id}, ts=now - 4 * HOUR)
    back = dover_device.sign("support.close", {"request": request.id, "outcome": "unresolved"}, ts=now - 3 * HOUR)
    again = dover_device.sign("support.claim", {"request": request.id}, ts=now - 2 * HOUR)
    return base, {"dover": dover_device, "need": need, "covered": covered, "declined": declined, "request": request, "taken": taken,
                  "back": back, "again": again}


def test_a_covered_need_and_a_taken_request_leave_and_come_back(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    base, e = _covered_and_taken(net, now)
    log = net.new_log(tmp_path / "db.sqlite")

    def on_desk() -> tuple[bool, int]:
        desk = _desk(log, now)
        return any(n["category"] == "tents" for n in desk["needs"]), desk["requests"]["waiting"]

    try:
        log.ingest(wires(base), now=now)
        assert on_desk() == (True, 1) and _marked(log) == {e["need"].id, e["request"].id}
        log.ingest(wires([e["covered"], e["taken"]]), now=now)
        assert on_desk() == (False, 0) and _marked(log) == set()  # covered; taken by Dover
        log.ingest(wires([e["declined"], e["back"]]), now=now)
        assert on_desk() == (True, 1) and _marked(log) == {e["need"].id, e["request"].id}  # declined; handed back
        log.ingest(wires([e["again"]]), now=now)
        assert on_desk() == (True, 0) and _marked(log) == {e["need"].id}
    finally:
        log.store.close()


def test_a_hand_back_signed_last_but_stamped_first_leaves_the_request_waiting(net: Net, tmp_path: Path) -> None:
    """Dover's device, an hour ahead, takes the request, hands it back, takes it again; set right,
    it hands it back once more, stamped before them all: in the order it signed them the request
    waits (readmodels.in_order), and the desk says so, whatever order they came in."""
    now = now_ms()
    base, e = _covered_and_taken(net, now)
    steps = [e["taken"], e["back"], e["again"]]
    device = e["dover"]
    ahead = now + HOUR
    skewed = [device.sign("support.claim", {"request": e["request"].id}, ts=ahead),
              device.sign("support.close", {"request": e["request"].id, "outcome": "unresolved"}, ts=ahead + 1),
              device.sign("support.claim", {"request": e["request"].id}, ts=ahead + 2),
              device.sign("support.close", {"request": e["request"].id, "outcome": "unresolved"}, ts=now - HOUR)]
    for i, order in enumerate((skewed, list(reversed(skewed)))):
        log = net.new_log(tmp_path / f"skew-{i}.db")
        try:
            log.ingest(wires([*base, *steps]), now=now)
            for event in order:
                log.ingest(wires([event]), now=now)
            assert _desk(log, now)["requests"]["waiting"] == 1 and e["request"].id in _marked(log)
        finally:
            log.store.close()


def test_the_same_marks_and_desk_in_every_arrival_order_of_the_steps(net: Net, tmp_path: Path) -> None:
    """The need, the request and their steps (fulfil, decline; claim, hand-back, claim) in every
    order of those seven events, the busy rows first: one outcome."""
    now = now_ms()
    base, e = _covered_and_taken(net, now)
    moving = [e[k] for k in ("need", "covered", "declined", "request", "taken", "back", "again")]
    base = [x for x in base if x not in moving]
    orders = list(itertools.permutations(moving))
    outcomes = set()
    for i, order in enumerate(random.Random(52).sample(orders, 6) + [tuple(moving), tuple(reversed(moving))]):
        log = net.new_log(tmp_path / f"order-{i}.db")
        try:
            log.ingest(wires(base), now=now)
            for event in order:
                log.ingest(wires([event]), now=now)
            desk = _desk(log, now)
            outcomes.add((frozenset(_marked(log)), repr(desk["needs"]), repr(desk["requests"])))
        finally:
            log.store.close()
    assert len(outcomes) == 1, outcomes
    [(marked, needs, _)] = outcomes
    assert marked == {e["need"].id} and "tents" in needs


def _history(net: Net, rnd: random.Random, now: int) -> list:
    """About 400 events of three groups: needs raised, lowered and withdrawn, fulfilled and declined;
    requests (some with a private part) claimed, handed back and closed; steps by a group that does not
    own the item; redactions (rows taken out); a device an hour ahead; a device revoked half-way (its
    later steps taken out); a group that leaves (its claims no longer take a request)."""
    dover, dover_device = other_group(net, "Dover")
    lille, lille_device = other_group(net, "Lille")
    calais = net.device
    second = net.device_of(net.group)  # a second device of Calais
    made: list = []
    needs, requests, fulfils = [], [], []
    owner_of: dict[bytes, Author] = {}
    need_of: dict[bytes, bytes] = {}
    clock = now - 10 * HOUR

    def ts() -> int:
        nonlocal clock
        clock += rnd.randint(1, 90_000)
        return clock + (HOUR if rnd.random() < 0.05 else 0)  # (a device ahead now and then)

    while len(made) < 380:
        pick = rnd.randrange(11)
        owner = rnd.choice((calais, second, dover_device))
        if pick == 0 or not needs:
            needs.append(owner.sign("need", {"category": rnd.choice(("tents", "water")), "quantity": rnd.randint(2, 9),
                                             "region": "calais", "urgency": rnd.choice(URGENCY)}, ts=ts()))
            made.append(needs[-1])
            owner_of[needs[-1].id] = owner
        elif pick == 1:
            fields = rnd.choice(({"urgency": rnd.choice(URGENCY)}, {"status": "withdrawn"},
                                 {"quantity": rnd.randint(1, 9)}, {"urgency": "high", "quantity": rnd.randint(1, 9)}))
            made.append(rnd.choice((calais, second, dover_device)).sign(
                "need.update", {"need": rnd.choice(needs).id, **fields}, ts=ts()))
        elif pick in (2, 3):
            need = rnd.choice(needs)
            fulfils.append(rnd.choice((dover_device, lille_device, calais)).sign(
                "need.fulfil", {"need": need.id, "quantity": rnd.randint(1, 6)}, ts=ts()))
            made.append(fulfils[-1])
            need_of[fulfils[-1].id] = need.id
        elif pick == 4 and fulfils:
            f = rnd.choice(fulfils)
            need = rnd.choice((need_of[f.id], rnd.choice(needs).id))  # (a fulfilment of another need too)
            author = owner_of[need] if owner_of[need] is not second else calais
            made.append(author.sign("need.decline", {"need": need, "decline": f.id}, ts=ts()))
        elif pick == 5 or not requests:
            sealed = {"sealed": b"case"} if rnd.random() < 0.4 else {}  # (a private part: `_never_narrower`)
            requests.append(rnd.choice((calais, second)).sign(
                "support.request", {"region": "calais", "type": "housing", "people": "1",
                                    "urgency": rnd.choice(URGENCY), **sealed}, ts=ts()))
            made.append(requests[-1])
        elif pick in (6, 7):
            made.append(rnd.choice((dover_device, lille_device, second)).sign(
                "support.claim", {"request": rnd.choice(requests).id}, ts=ts()))
        elif pick == 8:
            made.append(rnd.choice((calais, dover_device, lille_device, second)).sign(
                "support.close", {"request": rnd.choice(requests).id, "outcome": "resolved"}, ts=ts()))
        elif pick == 9:
            device = rnd.choice((calais, dover_device))
            mine = [x for x in device.made if x.kind in ("need", "need.update", "need.fulfil", "need.decline",
                                                          "support.claim", "support.close")]
            if mine:
                made.append(device.sign("redact", {"ids": [rnd.choice(mine).id]}, ts=ts()))
        else:
            made.append(dover_device.sign("need.update", {"need": rnd.choice(needs).id, "urgency": "high"}, ts=ts()))
    # Arras, which the private part was not sealed to, takes a request of Calais's (claimed_unsent)
    arras, arras_device = other_group(net, "Arras")
    sealed_request = calais.sign("support.request", {"region": "calais", "type": "housing", "people": "1",
                                                     "urgency": "low", "sealed": b"case"}, ts=ts())
    made += [sealed_request, arras_device.sign("support.claim", {"request": sealed_request.id}, ts=ts())]
    # Dover's device is revoked from a seq half-way: its later steps are taken out (a revocation's
    # redactions); Lille leaves: a request it took waits again (its steps stay)
    made.append(dover.sign("member.revoke", {"subject": bytes(dover_device.key.public),
                                              "from_seq": dover_device.seq // 2 + 1}, ts=ts()))
    made.append(lille.sign("member.revoke", {"subject": bytes(lille.key.public), "from_seq": lille.seq + 2}, ts=ts()))
    return [*net.group.made, *dover.made[:-1], *lille.made[:-1], *arras.made, *made]


def _never_narrower(log: EventLog, now: int) -> set[str]:
    """Every need and request the read model finds urgent or waiting is marked: with the groups
    gone as the trust graph says, and on a node that can tell who reads each request's private part
    (only its own group, here) as on one that cannot. Returns what was seen (taken by a group gone,
    claimed by a group it was not sealed to), for the test to know it covered them."""
    marked, seen = _marked(log), set()
    gone = references.departed(log.trust)
    needs = log.store.rows(NEED)
    refs = [n.key for n in needs]
    for n in readmodels.needs_and_offers(needs, log.store.rows(FULFIL, refs=refs), now,
                                         log.store.rows(NEED_UPDATE, refs=refs), suggest=False, gone=gone,
                                         replied_by=lambda e: references.replied_by(log.store, log.trust, e)):
        if n["remaining"] > 0 and n.get("urgency") == "high":
            assert n["id"] in marked, n
    requests = log.store.rows(SUPPORT)
    statuses = log.store.rows(SUPPORT_STATUS, refs=[r.key for r in requests])
    for readers in (lambda r: None, lambda r: frozenset([r.data["group"]])):
        for s in readmodels.support_requests(requests, statuses, now, gone, readers):
            if s["status"] != "closed" and (s["urgency"] == "high" or s["status"] != "claimed"):
                assert s["id"] in marked, s
                seen |= {"taker gone"} if s.get("taker_gone") else set()
                seen |= {"claimed unsent"} if s.get("claimed_unsent") else set()
    return seen


def test_marks_are_the_same_in_any_arrival_order_and_never_narrower_than_the_read_model(net: Net,
                                                                                         tmp_path: Path) -> None:
    now = now_ms()
    events = _history(net, random.Random(52), now)
    dumps, desks, seen = [], [], set()
    for size in (1, 7, 50, 400):
        shuffled = wires(events)
        random.Random(size).shuffle(shuffled)
        log = net.new_log(tmp_path / f"batches-{size}.db")
        try:
            for i in range(0, len(shuffled), size):
                log.ingest(shuffled[i: i + size], now=now)
            # A batch may honour a revoked device's redactions before its revocation, which then voids
            # them: the bodies they dropped are held as missing until a peer sends them again (peer_link
            # asks for missing bodies). Sent again here, as that peer would, so every order ends whole.
            log.ingest(wires(events), now=now)
            assert not any(log.store.count_of_kind(kind, body_missing=True) for kind in {e.kind for e in events})
            dumps.append(log.store.projection_dump())
            desks.append(_desk(log, now))
            seen |= _never_narrower(log, now)
            if size == 400:
                log.rebuild()
                dumps.append(log.store.projection_dump())
                desks.append(_desk(log, now))
        finally:
            log.store.close()
    marked = [r for r in dumps[0] if r.urgent]
    assert marked and len(marked) < len([r for r in dumps[0] if r.table in (NEED, SUPPORT)])
    for dump in dumps[1:]:
        assert dump == dumps[0]
    for desk in desks[1:]:
        assert desk == desks[0]
    assert seen == {"taker gone", "claimed unsent"}


def test_a_schema_14_home_is_marked_when_it_opens(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    events = _history(net, random.Random(7), now)
    db = tmp_path / "old.db"
    log = net.new_log(db)
    log.ingest(wires(events), now=now)
    expected = log.store.projection_dump()
    log.store.close()
    assert any(r.urgent for r in expected)
    as_schema(db, 14, "DROP INDEX proj_urgent", "DROP INDEX IF EXISTS proj_urgent_by_group", "ALTER TABLE proj DROP COLUMN urg",
              "DROP TABLE desk_item", "DROP TABLE desk_part", "DROP TABLE desk_fulfil", "DROP TABLE desk_pending",
              "DROP TABLE desk_named")
    log = EventLog(Store(db))
    try:
        assert log.store.schema_version() == SCHEMA_VERSION >= 17
        assert log.store.projection_dump() == expected
        log.ingest(wires([net.device.sign("need", {"category": "water", "quantity": 5, "region": "calais",
                                                   "urgency": "high"})]), now=now)
        assert len(_marked(log)) == len([r for r in expected if r.urgent]) + 1
    finally:
        log.store.close()


def _flood_work(net: Net, tmp_path: Path, name: str, step, redact: bool = False) -> list[int]:
    """The SQLite work (VM steps) of ingesting each of four batches of 500 steps on one need; with
    `redact`, of the mole then redacting 20 of the batch's steps, one redaction at a time."""
    now = now_ms()
    mole, mole_device = other_group(net, "Mole")
    victim = net.device.sign("need", {"category": "tents", "quantity": 10**6, "region": "calais", "urgency": "high"},
                             ts=now - HOUR)
    own = mole_device.sign("need", {"category": "tents", "quantity": 10**6, "region": "calais", "urgency": "high"},
                           ts=now - HOUR)
    log = net.new_log(tmp_path / f"{name}.db")
    try:
        log.ingest(wires([*net.group.made, *mole.made, victim, own]), now=now)
        work = []
        for i in range(0, 2_000, 500):
            flood = [step(mole_device, victim, own, j) for j in range(i, i + 500)]  # (signed before its redactions)
            steps, _ = vm_steps(log.store._db, lambda: log.ingest(wires(flood), now=now), step=1_000)
            if redact:
                steps = 0
                for gone in flood[:20]:
                    redaction = wires([mole_device.sign("redact", {"ids": [gone.id]})])
                    steps += vm_steps(log.store._db, lambda: log.ingest(redaction, now=now), step=100)[0]
            work.append(steps)
        assert _marked(log) == {victim.id, own.id}
        return work
    finally:
        log.store.close()


# A mole's floods: updates of its own need, updates and fulfilments of a victim's (each a step of it)
FLOODS = {
    "own-updates": lambda device, victim, own, i: device.sign(
        "need.update", {"need": own.id, "urgency": ("high", "low")[i % 2] if i < 1_999 else "high",
                        "quantity": 10**6 - i}),
    "victim-fulfils": lambda device, victim, own, i: device.sign("need.fulfil", {"need": victim.id, "quantity": 1}),
    "victim-updates": lambda device, victim, own, i: device.sign("need.update", {"need": victim.id, "urgency": "low"}),
}


@pytest.mark.parametrize("flood", sorted(FLOODS))
def test_a_moles_2000_steps_on_one_need_cost_each_the_same(net: Net, tmp_path: Path, flood: str) -> None:
    """The last 500 steps cost what the first 500 did (a settle that re-read the need's steps at
    each step cost several times more at the end: quadratic over the flood)."""
    work = _flood_work(net, tmp_path, flood, FLOODS[flood])
    assert work[-1] < 1.5 * work[0], work


@pytest.mark.parametrize("flood", sorted(FLOODS))
def test_a_moles_redactions_of_its_steps_on_one_need_cost_each_the_same(net: Net, tmp_path: Path, flood: str) -> None:
    """Each redaction of one of its steps, with 500 of them held or 2,000, costs the same: it
    worked the need out again from every step held (a flood of redactions was quadratic)."""
    work = _flood_work(net, tmp_path, flood, FLOODS[flood], redact=True)
    assert work[-1] < 1.5 * work[0], work


@pytest.mark.parametrize("revoked_first", (False, True))
def test_a_request_whose_taker_is_revoked_waits_on_the_desk_again_behind_150_newer_rows(
        net: Net, tmp_path: Path, revoked_first: bool) -> None:
    """Dover takes Calais's request, then Dover is revoked: the request waits for a group again
    (readmodels.support_requests), and behind 150 newer rows it was missing from the desk (its mark
    gone with Dover's claim, nothing counted it back). Whichever came first, claim or revocation."""
    now = now_ms()
    dover, dover_device = other_group(net, "Dover")
    request = net.device.sign("support.request", {"region": "calais", "type": "housing", "people": "1",
                                                  "urgency": "low"}, ts=now - 5 * HOUR)
    taken = dover_device.sign("support.claim", {"request": request.id}, ts=now - 4 * HOUR)
    base = [*net.group.made, *dover.made, request, *_busy(net.device, now)]
    revoked = net.group.sign("member.revoke", {"subject": bytes(dover.key.public), "from_seq": 99,
                                               "reason": "infiltrated"})
    log = net.new_log(tmp_path / "db.sqlite")
    try:
        log.ingest(wires(base), now=now)
        for event in ((revoked, taken) if revoked_first else (taken, revoked)):
            log.ingest(wires([event]), now=now)
        assert _desk(log, now)["requests"]["waiting"] == 1
        assert request.id in _marked(log)
    finally:
        log.store.close()


def test_a_claim_by_a_group_the_request_was_not_sealed_to_leaves_it_waiting_on_the_requesters_desk(
        net: Net, tmp_path: Path) -> None:
    """Calais seals a request's private part to Bristol; Cardiff, a member that cannot read it,
    claims it by hand. On Calais's node the request waits for a group (readmodels: `claimed_unsent`)
    and must stay on Calais's desk behind 150 newer rows: Cardiff's claim took its mark away, so a
    mole could hide every victim's request from the victim's own desk."""
    (calais, bristol, cardiff), (calais_keys, bristol_keys, cardiff_keys), _ = _three(net, tmp_path)
    try:
        request = publishing.publish(calais, calais_keys, "support.request",
                                     {"region": "calais", "type": "housing", "people": "1", "urgency": "low"},
                                     private="Family of 4, Rue X", to=["Bristol"])
        later = now_ms() + 2 * HOUR
        mole = Author(cardiff_keys.device, net.genesis.network_id)
        claim = mole.sign("support.claim", {"request": request.id}, ts=later - 90 * 60_000)
        second = net.device_of(net.group)  # Calais's second device: the newer rows (its group's, not fair to pass)
        calais.ingest(wires([*net.group.made, claim, *_busy(second, later)]), now=later)
        reader = reader_of(calais, opener=Opener(calais_keys.device_encryption))
        [desk] = view(calais, "regions", region="calais", now=later, limit=100, peers=[], reader=reader)
        assert desk["requests"]["waiting"] == 1, desk["requests"]
        assert request.id in _marked(calais)
    finally:
        for log in (calais, bristol, cardiff):
            log.store.close()
