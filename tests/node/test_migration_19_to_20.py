"""Schema 20: when each event was stored (`arrived`, one row per write transaction), which `export
--since` selects by. A schema-19 home is upgraded in place: of its events only that they came by the
upgrade is known, so a bundle since an earlier time holds them all and says it is whole, one since
a later time none of them (bar one stamped after its start), and those stored after the upgrade go
by when they came, whatever their stamps."""
from __future__ import annotations

import io
import sqlite3
from contextlib import closing
from pathlib import Path

import msgpack
import pytest

from node.bundle import MAGIC, export_bundle
from node.clock import now_ms
from node.log import EventLog
from node.store import Store, base
from node.store.schema import SCHEMA_VERSION
from node_fixtures import Net, action, as_schema, wires


def _bundle(log: EventLog, net: Net, since: int) -> tuple[int, int]:
    """(events, the header's `since`) of a bundle since `since`."""
    out = io.BytesIO()
    count = export_bundle(log, net.founder.device, out, since_ts=since)
    header = next(iter(msgpack.Unpacker(io.BytesIO(out.getvalue()[len(MAGIC):]), raw=False)))
    return count, header["since"]


def test_a_schema_19_home_learns_its_events_came_by_the_upgrade(net: Net, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "calais.db"
    log = net.new_log(path)
    try:
        two_hours_ago = now_ms() - 7_200_000
        log.ingest(wires(net.group.made + [net.device.sign("action", action(i), ts=two_hours_ago + i) for i in range(3)]))
        held = log.store.count()
    finally:
        log.store.close()
    as_schema(path, 19, "DROP TABLE arrived")
    before = now_ms()
    log = EventLog(Store(path))
    try:
        assert log.store.schema_version() == SCHEMA_VERSION >= 20 and log.store.integrity() == "ok"
        with closing(sqlite3.connect(path)) as db:
            (at, n), = db.execute("SELECT at, n FROM arrived").fetchall()
            assert at >= before and n == db.execute("SELECT max(n) FROM events").fetchone()[0]
        assert _bundle(log, net, before - 1) == (held, 0), "since before the upgrade: whole, and says so"
        after = now_ms() + 60_000  # (in a later minute than the upgrade: `arrived` tells no finer)
        assert _bundle(log, net, after)[0] == 0
        # stamped an hour before `after`, stored after it (an offline phone's action): in the bundle
        late = net.device.sign("action", action(9), ts=after - 3_600_000)
        # (stored at `after + 5` by the store's clock too: the wall clock may not have moved past `after` yet)
        monkeypatch.setattr(base, "now_ms", lambda: after + 5)
        log.ingest(wires([late]), now=after + 5)
        assert _bundle(log, net, after) == (1, after)
    finally:
        log.store.close()
