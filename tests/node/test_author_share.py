"""Each key's share of the log (node/author_share.py): a member device (or a stolen copy of its key)
pushing valid events of a kind this version does not know, 60 KiB each, filled every node's disk
at ~10 MiB/s. Past its share a key's events are not stored (over_share), whatever order they come
in, and the log says so once."""
from __future__ import annotations

import itertools
import logging
import os
import random
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest

from events.canonical import pack
from events.format import Event, sign_event
from node import author_share
from node.author_share import DAY_MS, NOTHING_YET, charge, cost
from node.log import now_ms
from node_fixtures import Net, as_schema, net, statuses, wires  # noqa: F401 (fixture)

SHARE = 256 * 1024  # lowered for these tests: four 60 KiB events and a bit
BODY = 60 * 1024


@pytest.fixture(autouse=True)
def small_share(monkeypatch) -> None:
    monkeypatch.setattr(author_share, "SHARE_LIMITS", replace(author_share.SHARE_LIMITS, bytes_per_day=SHARE))


def flood(net: Net, count: int, times: list[int] | None = None) -> list[Event]:
    """`count` events of the device, of a kind no version knows yet, each with a 60 KiB body."""
    author = net.device
    out = []
    for i in range(count):
        ts = times[i] if times else now_ms()
        ev = sign_event(author.key, network=net.genesis.network_id, seq=author.seq + 1, prev=author.prev,
                        timestamp=ts, kind="future.blob", body=pack({"blob": os.urandom(BODY)}))
        author.seq, author.prev = ev.header.seq, ev.id
        out.append(ev)
    return out


def expected(events: list[Event]) -> set[bytes]:
    """The ids the share lets in: the chain's events while they fit, counted in seq order."""
    share, kept = NOTHING_YET, set()
    for ev in events:
        share = charge(share, ev.header.seq, ev.header.timestamp, cost(len(ev.header_bytes), ev.header.body_len))
        if share is None:
            break
        kept.add(ev.id)
    return kept


def stored_ids(log, author: bytes) -> set[bytes]:
    return {event_id for _, event_id in log.store.ids_of(author)}


def bytes_held(path: Path) -> tuple[int, int]:
    """(rows, bytes) of every event held in the database: in the log, and kept aside."""
    with closing(sqlite3.connect(path)) as db:
        log = db.execute("SELECT count(*), coalesce(sum(length(header) + length(coalesce(body, ''))), 0) "
                         "FROM events").fetchone()
        aside = db.execute("SELECT count(*), coalesce(sum(length(wire)), 0) FROM pending").fetchone()
    return log[0] + aside[0], log[1] + aside[1]


def test_a_flood_past_the_share_leaves_the_database_bounded(net, tmp_path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    rows_before, bytes_before = bytes_held(tmp_path / "a.db")
    events = flood(net, 40)
    outcomes = log.ingest(wires(events))
    fits = len(expected(events))
    assert 1 <= fits < 10
    assert statuses(outcomes)[:fits] == ["accepted"] * fits
    assert outcomes[fits].status == "rejected" and outcomes[fits].reason == "over_share", outcomes[fits]
    assert "more than its share" in outcomes[fits].message
    assert stored_ids(log, net.device.key.public.__bytes__()) == expected(events)
    # Its later events cannot be stored (their chain stops at the refused one): they wait aside
    # within the author's share of that queue, and the same flood sent again adds nothing.
    log.ingest(wires(events))
    rows, size = bytes_held(tmp_path / "a.db")
    assert size - bytes_before <= SHARE + 4 * 1024 * 1024  # the share, and the queue's share per author
    assert rows - rows_before <= fits + 1000
    log.store.close()


def test_the_share_is_a_function_of_the_chain_in_any_order_and_batches(net, tmp_path) -> None:
    """Three days of event time, one back-dated event in them (a day of its own for each back-dated
    event would be no bound: its chain's day stays the highest reached): every order and every split
    into batches stores the same events."""
    day = now_ms() // DAY_MS * DAY_MS - 3 * DAY_MS
    times = [day + 1, day + 2, day + 3, day + DAY_MS + 5, day + 4, day + DAY_MS + 6, day + DAY_MS + 7,
             day + DAY_MS + 8, day + DAY_MS + 9, day + 2 * DAY_MS, day + 2 * DAY_MS + 1]
    events = flood(net, len(times), times)
    want = expected(events)
    assert 4 <= len(want) < len(events)  # some fit and some do not
    device = bytes(net.device.key.public)
    rnd = random.Random(7)
    orders = [events, events[::-1]] + [rnd.sample(events, len(events)) for _ in range(4)]
    for n, order in enumerate(orders):
        log = net.new_log(tmp_path / f"{n}.db")
        log.ingest(wires(net.group.made))
        cuts = sorted(rnd.sample(range(1, len(order)), rnd.randint(0, 4)))
        for a, b in itertools.pairwise([0, *cuts, len(order)]):
            log.ingest(wires(order[a:b]))
        assert stored_ids(log, device) == want, (n, cuts)
        log.store.close()


def test_a_log_stored_before_shares_were_counted_counts_them_from_its_chain(net, tmp_path) -> None:
    events = flood(net, 12)
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made) + wires(events[:2]))
    log.store.close()
    as_schema(tmp_path / "a.db", 12, "ALTER TABLE heads DROP COLUMN day", "ALTER TABLE heads DROP COLUMN used")
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(events[2:]))
    assert stored_ids(log, bytes(net.device.key.public)) == expected(events)
    log.store.close()


def test_the_log_says_it_once(net, tmp_path, caplog) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    events = flood(net, 12)
    with caplog.at_level(logging.WARNING, logger="solnet.node.log"):
        for _ in range(3):
            log.ingest(wires(events))
        log.store.close()
        log = net.new_log(tmp_path / "a.db")  # and after a restart
        log.ingest(wires(events))
    said = [r.getMessage() for r in caplog.records if "more than its share" in r.getMessage()]
    device = bytes(net.device.key.public).hex()[:12]
    assert len(said) == 1, said
    assert said[0].startswith(f"device {device}… of group Calais (") and "nothing it signs from seq" in said[0], said
    [row] = log.store.over_share()
    assert row.author == bytes(net.device.key.public) and row.seq == len(expected(events)) + 1
    log.store.close()


@pytest.mark.parametrize("flooded", [True, False])
def test_a_revoked_floods_bodies_are_not_kept_aside_but_an_honest_keys_are(net, tmp_path, monkeypatch,
                                                                          flooded) -> None:
    """A revocation takes the device's flood out of the log: every row stays aside (ids, chain and
    proof, for the revocation may stop counting), but past a small bound without its body (it
    left 1,505 rows and 93 MB aside for 90 days). A key that never went past its share keeps its
    bodies aside: an honest group revoked by an infiltrating admitter, revoked in turn, got its
    newest posts back without their bodies on every node."""
    from node import pending_queue

    share = 20 * (BODY + 1024) if flooded else 4 << 20  # 20 fit; the flooder's 21st is past it
    monkeypatch.setattr(author_share, "SHARE_LIMITS", replace(author_share.SHARE_LIMITS, bytes_per_day=share))
    monkeypatch.setattr(pending_queue, "PENDING_LIMITS",
                        replace(pending_queue.PENDING_LIMITS, stored_bodies_per_author=200 * 1024))
    log = net.new_log(tmp_path / "a.db")
    events = flood(net, 21 if flooded else 20)
    outcomes = statuses(log.ingest(wires(net.group.made + events)))
    assert outcomes.count("accepted") == len(net.group.made) + 20
    revoke = net.group.sign("member.revoke", {"subject": bytes(net.device.key.public), "from_seq": 1})
    assert statuses(log.ingest(wires([revoke]))) == ["accepted"]
    with closing(sqlite3.connect(tmp_path / "a.db")) as db:
        rows, size = db.execute("SELECT count(*), sum(length(wire)) FROM pending WHERE stored=1").fetchone()
        whole = db.execute("SELECT count(*) FROM pending WHERE stored=1 AND length(wire) > ?", (BODY,)).fetchone()[0]
    assert rows == 20
    if flooded:
        assert whole == 3, (rows, whole)  # the lowest seqs' bodies, 3 of 60 KiB within 200 KiB
        assert size < 200 * 1024 + 20 * 1024
    else:
        assert whole == 20, (rows, whole)
    log.store.close()
