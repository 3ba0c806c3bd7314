"""`arrived` (schema 20: when this home stored its events, which `export --since` chooses by) had a row
for every write transaction, ~15 bytes each, never thinned: a node busy for a year kept millions. The
rows of consecutive write transactions within one minute of this machine's clock now make one, and
`export --since` carries what was stored from the start of its minute: on every minute it chooses
what a row per transaction chose (a bundle since 14:03:27 carries what was stored from 14:03:00 on, and
what was stamped from 14:03:27: a little more, never less). Over random write histories, with the clock set back and two transactions in one
millisecond, the choice is that of a row per transaction. (Until 2026-12-07 two transactions in one
millisecond that were not consecutive, the clock set back between them, shared a row with the higher
number: a bundle since that millisecond left out the events of the first.)"""
from __future__ import annotations

import io
import sqlite3
import tempfile
from pathlib import Path

import msgpack
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from node.bundle import MAGIC, export_bundle
from node.clock import now_ms
from node.store import base
from node_fixtures import Net, action, founded, wires

MINUTE = 60_000
# On a minute, two hours ahead of this module's import: the events stamped up to 9 minutes before it
# follow the vouch of their device, stamped when each test runs, however late in a slow run
T0 = (now_ms() // MINUTE + 120) * MINUTE


def _carried(log, net: Net, since: int) -> list[bytes]:
    """The events a bundle since `since` carries, in the bundle's order."""
    out = io.BytesIO()
    export_bundle(log, net.founder.device, out, since_ts=since)
    return [item for item in msgpack.Unpacker(io.BytesIO(out.getvalue()[len(MAGIC):]), raw=False)
            if isinstance(item, bytes)]


def _stored_before(rows: list[tuple[int, int]], at: int) -> int:
    """EventTables.stored_before over a row per write transaction (at, highest n): the chooser as it was."""
    later = [n for a, n in rows if a >= at]
    first_later = min(later) if later else None
    return max((n for a, n in rows if a < at and (first_later is None or n < first_later)), default=0)


def _chosen(log, rows: list[tuple[int, int]], since: int, stored_from: int | None = None) -> list[bytes]:
    """What a bundle since `since` carried when each write transaction kept its own row; `stored_from`:
    with the events stored from then on (`since`)."""
    after_n = _stored_before(rows, since if stored_from is None else stored_from)
    return list(log.store.iter_wire(since_ts=since if after_n else 0, after_n=after_n))


# A write transaction: the minute (of 8) and the millisecond in it its clock reads (minutes going
# back: a clock set back; the same minute and millisecond twice: two transactions in one), and how
# far before then each of its events is stamped (minutes).
_TRANSACTIONS = st.lists(
    st.tuples(st.integers(0, 7), st.sampled_from([0, 1, 29_999, 59_999]), st.lists(st.integers(0, 9), min_size=1,
                                                                                     max_size=3)),
    min_size=1, max_size=14)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=_TRANSACTIONS, since_ms=st.lists(st.integers(0, 9 * MINUTE), min_size=3, max_size=3))
def test_a_since_bundle_chooses_on_each_minute_what_a_row_per_transaction_chose(
        history: list[tuple[int, int, list[int]]], since_ms: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    net = founded()
    with tempfile.TemporaryDirectory() as folder:
        log = net.new_log(Path(folder) / "home.db")
        rows: list[tuple[int, int]] = []  # (at, highest n) of every write transaction, as schema 20 first kept them
        try:
            with sqlite3.connect(Path(folder) / "home.db") as db:  # (the founding's, stored by the clock as it is)
                first_rows = db.execute("SELECT count(*) FROM arrived").fetchone()[0]
            count = 0
            for minute, ms, stamped in [(0, 0, [0])] + history:
                at = T0 + minute * MINUTE + ms
                monkeypatch.setattr(base, "now_ms", lambda at=at: at)
                made = net.group.made if count == 0 else []
                events = made + [net.device.sign("action", action(count + i), ts=at - back * MINUTE)
                                 for i, back in enumerate(stamped)]
                count += len(stamped)
                net.group.made.clear()
                outcomes = log.ingest(wires(events), now=T0 + 3_600_000)
                assert {o.status for o in outcomes} == {"accepted"}, [o.reason for o in outcomes]
                with sqlite3.connect(Path(folder) / "home.db") as db:
                    rows.append((at, db.execute("SELECT max(n) FROM events").fetchone()[0]))
            monkeypatch.undo()
            with sqlite3.connect(Path(folder) / "home.db") as db:
                kept = db.execute("SELECT count(*) FROM arrived").fetchone()[0]
            # thinned: consecutive transactions in one minute share a row
            runs = 1 + sum(1 for (a, _), (b, _) in zip(rows, rows[1:]) if a // MINUTE != b // MINUTE)
            assert kept <= first_rows + runs
            for since in range(T0, T0 + 9 * MINUTE, MINUTE):  # on each minute: what a row per transaction chose
                assert _carried(log, net, since) == _chosen(log, rows, since), since
            for since in (T0 + s for s in since_ms):  # between: those stored from the minute's start, never fewer
                carried = _carried(log, net, since)
                assert carried == _chosen(log, rows, since, stored_from=since - since % MINUTE)
                assert set(_chosen(log, rows, since)) <= set(carried)
        finally:
            log.store.close()


# As above, and which of two connections to one home writes it (the node and `solnet import`, each
# with the row it wrote last in mind): another's transaction between two of one connection's.
_TWO_WRITERS = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 7), st.sampled_from([0, 1, 29_999, 59_999])),
                        min_size=1, max_size=14)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=_TWO_WRITERS)
@example(history=[(0, 3, 0), (1, 1, 0), (0, 3, 1)])  # one's rows around the other's, minutes before them
def test_two_connections_writing_one_home_choose_what_a_row_per_transaction_chose(
        history: list[tuple[int, int, int]], monkeypatch: pytest.MonkeyPatch) -> None:
    net = founded()
    with tempfile.TemporaryDirectory() as folder:
        logs = [net.new_log(Path(folder) / "home.db"), net.new_log(Path(folder) / "home.db")]
        rows: list[tuple[int, int]] = []
        try:
            for count, (writer, minute, ms) in enumerate([(0, 0, 0)] + history):
                at = T0 + minute * MINUTE + ms
                monkeypatch.setattr(base, "now_ms", lambda at=at: at)
                made = net.group.made if count == 0 else []
                # (stamped before T0, as long before as its device's vouch allows: chosen by when they were stored)
                events = made + [net.device.sign("action", action(count), ts=at - 9 * MINUTE)]
                net.group.made.clear()
                outcomes = logs[writer].ingest(wires(events), now=T0 + 3_600_000)
                assert {o.status for o in outcomes} == {"accepted"}, [o.reason for o in outcomes]
                with sqlite3.connect(Path(folder) / "home.db") as db:
                    rows.append((at, db.execute("SELECT max(n) FROM events").fetchone()[0]))
            monkeypatch.undo()
            for since in range(T0, T0 + 9 * MINUTE, MINUTE):
                for log in logs:
                    assert _carried(log, net, since) == _chosen(log, rows, since), since
        finally:
            for log in logs:
                log.store.close()
