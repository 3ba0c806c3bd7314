"""The id index in two parts (node/store/schema.py IDS_SCHEMA): the newest ids in `ids_new`, moved
into `ids` in key order once there are enough of them. Whichever part holds an id, a look-up finds
it; whatever way events enter or leave the log (ingest, a publish, a revocation, a fork, a rolled
back write), the two parts together hold exactly the stored events; a version-4 database (one
index of ids) migrates with every answer unchanged."""
from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

import pytest

from bench.common import found_network, signed_chain
from node.log import EventLog, now_ms
from node.store import SCHEMA_VERSION, Store
from node.store import events as store_events
from node.store.events import new_ids_limit
from node_fixtures import Net, action, as_schema, statuses, wires
from test_migration_3_to_4 import answers, plan


def parts(store: Store) -> tuple[Counter, Counter]:
    """(what the two parts hold, what they should hold: each stored event's id prefix and n)."""
    with closing(sqlite3.connect(store.path)) as db:
        held = Counter(db.execute("SELECT p, n FROM ids UNION ALL SELECT p, n FROM ids_new").fetchall())
        truth = Counter(db.execute("SELECT substr(id, 1, 8), n FROM events").fetchall())
    return held, truth


def count(store: Store, table: str) -> int:
    with closing(sqlite3.connect(store.path)) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def assert_found(store: Store, present: list[bytes], absent: list[bytes]) -> None:
    held, truth = parts(store)
    assert held == truth
    for event_id in present:
        assert store.event_row(event_id).id == event_id
        assert event_id in store.find_prefix(event_id[:3])
    assert set(store.known(present + absent)) == set(present)
    assert sorted(store.wires_by_id(present)) == sorted(store.wires_by_id(present[::-1]))
    assert len(store.wires_by_id(present + absent)) == len(present)
    for event_id in absent:
        assert store.event_row(event_id) is None and event_id not in store.find_prefix(event_id[:3])


def test_the_limit_grows_with_the_square_root_of_the_log() -> None:
    assert new_ids_limit(0) == new_ids_limit(100_000) == store_events.NEW_IDS_MIN == 20_000
    assert new_ids_limit(1_000_000) == 44_721 and new_ids_limit(4_000_000) == 89_442


def test_every_id_is_found_whichever_part_holds_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_events, "new_ids_limit", lambda events: 100)
    net, log = found_network(tmp_path / "a.db")
    evs = list(signed_chain(net, 700))
    held_new = []
    for i in range(0, len(evs), 45):
        assert set(statuses(log.ingest(wires(evs[i: i + 45])))) == {"accepted"}
        held_new.append(count(log.store, "ids_new"))
        assert held_new[-1] < 100  # moved in the commit that reached the limit
    assert 0 in held_new and max(held_new) >= 45 and count(log.store, "ids") >= 600  # both parts used
    assert 0 < count(log.store, "ids_new")
    forged = bytes(32), evs[0].id[:8] + bytes(24)  # an id nobody holds, and one sharing a held prefix
    assert_found(log.store, [e.id for e in evs], list(forged))


def test_both_parts_follow_events_that_leave_and_come_back(net: Net, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_events, "new_ids_limit", lambda events: 4)  # moved every few events: ids leave from either part
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    evs = [net.device.sign("action", action(i)) for i in range(9)]
    for ev in evs:
        assert statuses(log.ingest(wires([ev]))) == ["accepted"]
    assert count(log.store, "ids") > 0 and count(log.store, "ids_new") > 0
    assert_found(log.store, [e.id for e in evs], [])

    device = bytes(net.founder.device.public)
    later = net.group.sign("member.revoke", {"subject": device, "from_seq": 6})  # the tail leaves the log
    assert statuses(log.ingest(wires([later]))) == ["accepted"]
    assert_found(log.store, [e.id for e in evs[:5]], [e.id for e in evs[5:]])

    twin = net.device.sign("action", action(99), seq=4, prev=evs[2].id)  # a fork at seq 4: 4 and 5 leave for good
    assert log.ingest(wires([twin]))[0].reason == "fork"
    assert_found(log.store, [e.id for e in evs[:3]], [e.id for e in evs[3:]] + [twin.id])


def test_events_that_waited_for_their_vouch_are_found_once_stored(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    other = net.device_of(net.group)  # vouched by an event not sent yet
    theirs = [other.sign("action", action(i)) for i in range(3)]
    assert set(statuses(log.ingest(wires(theirs)))) == {"pending"}
    assert_found(log.store, [], [e.id for e in theirs])
    assert statuses(log.ingest(wires(net.group.made[-1:]))) == ["accepted"]  # the vouch: they go in
    assert_found(log.store, [e.id for e in theirs], [])


def test_a_rolled_back_write_leaves_both_parts_as_they_were(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_events, "new_ids_limit", lambda events: 50)
    net, log = found_network(tmp_path / "a.db")
    evs = list(signed_chain(net, 120))
    log.ingest(wires(evs[:40]))
    before = parts(log.store)
    with pytest.raises(RuntimeError), log.store.group():
        assert set(statuses(log.ingest(wires(evs[40:100])))) == {"accepted"}  # past the limit: would move
        raise RuntimeError("the disk went away")
    assert parts(log.store) == before and count(log.store, "ids_new") == 40 + len(net.trust_wires)
    assert set(statuses(log.ingest(wires(evs[40:])))) == {"accepted"}  # what it learnt was forgotten
    assert count(log.store, "ids_new") < 50
    assert_found(log.store, [e.id for e in evs], [])


def test_a_version_4_database_migrates_with_every_answer_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "solnet.db"
    net, log = found_network(path)
    evs = list(signed_chain(net, 1510))
    assert {o.status for o in log.ingest(wires(evs[:1500]))} == {"accepted"}
    now = now_ms()
    before = answers(log.store, now)
    log.store.close()
    # The file as schema 4 left it: one index of the ids' first 8 bytes, no parts.
    as_schema(path, 4, "DROP TABLE ids", "DROP TABLE ids_new", "CREATE INDEX events_by_id ON events(substr(id, 1, 8))")

    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION and store.integrity() == "ok"
    assert store.frozen_revocations() == []  # schema 6: the table of revocations past a fork point
    assert store.frozen_claims() == []  # schema 7: the table of vouches past a fork point
    assert answers(store, now) == before
    held, truth = parts(store)
    assert held == truth and sum(truth.values()) == 1500 + len(net.trust_wires)
    assert count(store, "ids_new") == 0  # every id in key order in `ids`
    assert raw_names(path) >= {"ids", "ids_new"}
    assert "events_by_id" not in raw_names(path)
    # A look-up by id searches both parts by their keys (no scan).
    lookup = "SELECT n FROM events WHERE n IN (SELECT n FROM ids WHERE p=? UNION ALL SELECT n FROM ids_new WHERE p=?)"
    walked = plan(path, lookup, (bytes(8), bytes(8)))
    assert "SEARCH ids USING PRIMARY KEY (p=?)" in walked and "SEARCH ids_new USING PRIMARY KEY (p=?)" in walked
    assert "SCAN" not in walked.replace("SCAN CONSTANT ROW", "")
    # The store goes on from there: new ids go to the new part and are found.
    more = EventLog(store)
    extra = evs[1500:]
    assert set(statuses(more.ingest(wires(extra)))) == {"accepted"}
    assert count(store, "ids_new") == 10
    assert_found(store, [e.id for e in extra], [])
    store.close()


def raw_names(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as db:
        return {r[0] for r in db.execute("SELECT name FROM sqlite_master")}


def test_only_events_at_or_below_their_authors_newest_seq_are_looked_up(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """New events (most of a sync) cannot be stored already: their batch looks up no id. A batch sent
    again is looked up whole and comes back duplicate; a stub's body fills it."""
    net, log = found_network(tmp_path / "a.db")
    evs = list(signed_chain(net, 60))
    looked_up: list[list[bytes]] = []
    known = log.store.known
    monkeypatch.setattr(log.store, "known", lambda ids: looked_up.append(list(ids)) or known(ids))
    assert set(statuses(log.ingest(wires(evs[:30])))) == {"accepted"}
    assert looked_up == []
    again = log.ingest(wires(evs[20:40]))  # ten stored, ten new
    assert statuses(again) == ["duplicate"] * 10 + ["accepted"] * 10
    assert looked_up == [[e.id for e in evs[20:30]]]
    assert statuses(log.ingest([evs[40].encode(with_body=False)])) == ["accepted"]  # a stub: header, no body
    looked_up.clear()
    assert statuses(log.ingest(wires(evs[40:42]))) == ["accepted"] * 2  # its body, and the next event
    assert looked_up == [[evs[40].id]] and log.store.event_row(evs[40].id).body == evs[40].body


def test_on_a_nearly_full_disk_events_are_stored_without_the_move(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The move into `ids` needs room of its own (~1 page per 200 ids): when a batch fits and the
    move does not, the batch is stored and the move waits for a commit with room."""
    net, log = found_network(tmp_path / "a.db")
    evs = list(signed_chain(net, 5002))
    monkeypatch.setattr(store_events, "new_ids_limit", lambda events: 10**9)
    assert set(statuses(log.ingest(wires(evs[:5000])))) == {"accepted"}
    waiting = count(log.store, "ids_new")
    assert waiting >= 5000  # ~25 pages of ids to move
    monkeypatch.setattr(store_events, "new_ids_limit", lambda events: 1000)
    log.store.limit_pages(log.store.size_pages() + 12)  # room for one event, not for the move
    assert statuses(log.ingest(wires(evs[5000:5001]))) == ["accepted"]
    assert count(log.store, "ids_new") == waiting + 1 and log.store.count() == waiting + 1
    assert_found(log.store, [evs[5000].id, evs[0].id], [])
    log.store.limit_pages(None)  # space freed: the next commit moves them
    assert statuses(log.ingest(wires(evs[5001:]))) == ["accepted"]
    assert count(log.store, "ids_new") == 0 and count(log.store, "ids") == waiting + 2
    assert_found(log.store, [e.id for e in evs[::50]], [])


def test_the_integrity_check_reads_both_parts_against_the_events(tmp_path: Path) -> None:
    net, log = found_network(tmp_path / "a.db")
    log.ingest(wires(list(signed_chain(net, 30))))
    assert log.store.integrity() == "ok"
    log.store.close()
    with closing(sqlite3.connect(tmp_path / "a.db")) as db:
        db.execute("DELETE FROM ids_new WHERE n IN (SELECT n FROM ids_new ORDER BY n LIMIT 2)")
        db.execute("INSERT INTO ids(p, n) VALUES (?, 999)", (bytes(8),))
        db.commit()
    assert Store(tmp_path / "a.db").integrity() == "the index of ids misses 2 stored events and holds 1 ids of none"
