"""A need or support request that no step has reached keeps no desk state (node/store/desk_marks.py):
its mark is written with its row (events.desk_marks.marked_alone, worked out by the ingest workers
or by `project`), and its state is worked out from its row when the first step comes. Each such
item kept a desk_item row before, 34 bytes an event of the ingest benchmark (past the database's
1.6 x wire bytes budget), and was rebuilt from its event at every write. These tests: the items
keep no rows and are marked as before, whether ingested or appended here; the first step, before
or after its item, marks them as before and keeps a state from then on."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import msgpack

from events.desk_marks import marked_alone
from node.log import EventLog, now_ms
from node_fixtures import Net, vm_steps, wires
from test_alert_feed import other_group

HOUR = 3_600_000


def _marked(log: EventLog) -> set[bytes]:
    return {r.key for r in log.store.projection_dump() if r.urgent}


def _states(path: Path) -> int:
    """The desk_item rows committed (another connection: what the file holds)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM desk_item").fetchone()[0]
    finally:
        db.close()


def _items(net: Net, now: int) -> dict:
    return {
        "high": net.device.sign("need", {"category": "tents", "quantity": 10, "region": "calais", "urgency": "high"},
                                ts=now - 5 * HOUR),
        "low": net.device.sign("need", {"category": "books", "quantity": 3, "region": "calais", "urgency": "low"},
                               ts=now - 5 * HOUR),
        "request": net.device.sign("support.request", {"region": "calais", "type": "housing", "people": "1",
                                                       "urgency": "low"}, ts=now - 5 * HOUR),
    }


def test_items_without_steps_keep_no_state_and_are_marked_as_before(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    dover, dover_device = other_group(net, "Dover")
    e = _items(net, now)
    covered = dover_device.sign("need.fulfil", {"need": e["high"].id, "quantity": 10}, ts=now - 4 * HOUR)
    taken = net.device.sign("support.claim", {"request": e["request"].id}, ts=now - 4 * HOUR)
    log = net.new_log(tmp_path / "db.sqlite")
    try:
        log.ingest(wires([*net.group.made, *dover.made, *e.values()]), now=now)
        assert _marked(log) == {e["high"].id, e["request"].id}
        assert _states(tmp_path / "db.sqlite") == 0
        log.ingest(wires([covered, taken]), now=now)
        assert _marked(log) == set()  # covered by Dover; taken by its own group
        assert _states(tmp_path / "db.sqlite") == 2  # (the items reached by a step)
    finally:
        log.store.close()


def test_a_step_before_its_item_marks_it_as_before(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    dover, dover_device = other_group(net, "Dover")
    e = _items(net, now)
    covered = dover_device.sign("need.fulfil", {"need": e["high"].id, "quantity": 10}, ts=now - 4 * HOUR)
    log = net.new_log(tmp_path / "db.sqlite")
    try:
        log.ingest(wires([*net.group.made, *dover.made, covered]), now=now)
        log.ingest(wires(list(e.values())), now=now)
        assert _marked(log) == {e["request"].id}
        assert _states(tmp_path / "db.sqlite") == 1
    finally:
        log.store.close()


def test_items_appended_here_are_marked_without_state(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    log = net.new_log(tmp_path / "db.sqlite")
    try:
        log.ingest(wires(net.group.made), now=now)
        high = log.append(net.founder.device, "need", {"category": "water", "quantity": 5, "region": "calais",
                                                    "urgency": "high"})
        log.append(net.founder.device, "need", {"category": "hygiene", "quantity": 5, "region": "calais",
                                              "urgency": "low"})
        assert _marked(log) == {high.id}
        assert _states(tmp_path / "db.sqlite") == 0
    finally:
        log.store.close()


def test_the_mark_alone_is_the_first_states_mark() -> None:
    assert marked_alone("need", {"quantity": 1, "urgency": "high"})
    assert not marked_alone("need", {"quantity": 1, "urgency": "low"})
    assert not marked_alone("need", {"quantity": 1})
    assert marked_alone("support", {"urgency": "low", "sealed": b"x"})


def _revoke_claims_work(net: Net, tmp_path: Path, count: int) -> int:
    """The SQLite work (VM steps) of revoking a Dover device that claimed `count` of Calais's requests."""
    now = now_ms()
    dover, dover_device = other_group(net, f"Dover{count}")
    requests = [net.device.sign("support.request", {"region": "calais", "type": "housing", "people": "1",
                                                    "urgency": "low"}, ts=now - 5 * HOUR + i) for i in range(count)]
    claims = [dover_device.sign("support.claim", {"request": r.id}, ts=now - 4 * HOUR + i)
              for i, r in enumerate(requests)]
    revoked = dover.sign("member.revoke", {"subject": bytes(dover_device.key.public), "from_seq": 1,
                                           "reason": "stolen"})
    log = net.new_log(tmp_path / f"revoke{count}.db")
    try:
        log.ingest(wires([*net.group.made, *dover.made[:-1], *net.device.made[:-count]]), now=now)
        log.ingest(wires([*requests, *claims]), now=now)
        assert not _marked(log) & {r.id for r in requests}
        work, _ = vm_steps(log.store._db, lambda: log.ingest(wires([revoked]), now=now), step=1_000)
        assert _marked(log) >= {r.id for r in requests}  # (waiting for a group again)
        return work
    finally:
        log.store.close()


def test_revoking_a_device_costs_each_of_its_claims_the_same(net: Net, tmp_path: Path) -> None:
    """Each claim taken out found its device's step before it on the request by walking the
    device's whole history: revoking a device with 2,000 claims cost 49M VM steps, 7.7 s."""
    small, large = _revoke_claims_work(net, tmp_path, 150), _revoke_claims_work(net, tmp_path, 600)
    assert large < 1.5 * 4 * small, (small, large)


def test_a_step_taken_out_finds_the_one_before_far_back_and_among_many_others(net: Net, tmp_path: Path) -> None:
    """Calais's device set its need high, signed 150 other events, then set it low; Dover's device
    sent 100 updates of the need (counting for nothing). The low one redacted, the high one counts
    again, found far down the device's history and behind Dover's steps: as on a node that got
    them all at once."""
    now = now_ms()
    dover, dover_device = other_group(net, "Dover")
    need = net.device.sign("need", {"category": "tents", "quantity": 10, "region": "calais", "urgency": "low"},
                           ts=now - 5 * HOUR)
    others = [dover_device.sign("need.update", {"need": need.id, "urgency": "high"}, ts=now - 4 * HOUR + i)
              for i in range(100)]
    high = net.device.sign("need.update", {"need": need.id, "urgency": "high"}, ts=now - 3 * HOUR)
    filler = [net.device.sign("need", {"category": "books", "quantity": 1, "region": "calais", "urgency": "low"},
                              ts=now - 3 * HOUR + i) for i in range(1, 151)]
    low = net.device.sign("need.update", {"need": need.id, "urgency": "low"}, ts=now - 2 * HOUR)
    redaction = net.device.sign("redact", {"ids": [low.id]})
    base = [*net.group.made, *dover.made, need, *others, high, *filler, low]
    log, whole = net.new_log(tmp_path / "db.sqlite"), net.new_log(tmp_path / "whole.sqlite")
    try:
        log.ingest(wires(base), now=now)
        assert need.id not in _marked(log)
        log.ingest(wires([redaction]), now=now)
        whole.ingest(wires([*base, redaction]), now=now)
        assert need.id in _marked(log) and _marked(log) == _marked(whole)
    finally:
        log.store.close()
        whole.store.close()


def test_a_state_kept_with_its_names_before_is_read_as_it_was(net: Net, tmp_path: Path) -> None:
    """An item's state is packed as a list of values now; a home keeps those it packed as a dict
    of names before (schema 15 as it was first): the next step reads them as they were."""
    now = now_ms()
    dover, dover_device = other_group(net, "Dover")
    e = _items(net, now)
    first = [dover_device.sign("need.fulfil", {"need": e["high"].id, "quantity": 4}, ts=now - 4 * HOUR),
             dover_device.sign("support.claim", {"request": e["request"].id}, ts=now - 4 * HOUR)]
    then = [dover_device.sign("need.fulfil", {"need": e["high"].id, "quantity": 6}, ts=now - 3 * HOUR),
            dover.sign("member.revoke", {"subject": bytes(dover_device.key.public), "from_seq": 2, "reason": "lost"})]
    base = [*net.group.made, *dover.made[:-1], *e.values(), *first]
    log, whole = net.new_log(tmp_path / "db.sqlite"), net.new_log(tmp_path / "whole.sqlite")
    try:
        log.ingest(wires(base), now=now)
        assert _marked(log) == {e["high"].id}
        db = sqlite3.connect(tmp_path / "db.sqlite")
        with db:
            states = db.execute("SELECT n, state FROM desk_item").fetchall()
            assert len(states) == 2
            for n, state in states:
                kind, *values = msgpack.unpackb(state)
                names = ("owner", "high", "qty", "withdrawn", "covered", "unresolved", "u_authors", "high_authors",
                         "q_max", "urg") if kind == 0 else ("owner", "high", "private", "closed", "holders", "urg")
                db.execute("UPDATE desk_item SET state=? WHERE n=?",
                           (msgpack.packb({"kind": ("need", "support")[kind], **dict(zip(names, values))}), n))
        db.close()
        log.ingest(wires(then), now=now)
        whole.ingest(wires([*base, *then]), now=now)
        # (its need covered by 4 left, 6 revoked: marked; its taker's claim revoked: waiting)
        assert _marked(log) == _marked(whole) == {e["high"].id, e["request"].id}
    finally:
        log.store.close()
        whole.store.close()
