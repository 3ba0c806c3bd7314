"""Schema 22: when each stub got its body (`filled`), which `export --since` also selects by, kept
apart from `arrived` (there a filling's low row number dated every event stored after the stub to
the filling's minute). A schema-21 home is upgraded in place: it gets the table, what it held stays,
and a stub it fills after the upgrade is carried by a bundle since before the filling, alone."""
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

MINUTE = 60_000


def test_a_schema_21_home_notes_its_fillings_apart(net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "calais.db"
    t0 = (now_ms() // MINUTE + 11) * MINUTE
    stub, other = (net.device.sign("action", action(i), ts=t0 - 9 * MINUTE) for i in range(2))
    log = net.new_log(path)
    try:
        monkeypatch.setattr(base, "now_ms", lambda: t0)
        log.ingest(wires(net.group.made) + [stub.encode(with_body=False), other.encode()], now=t0)
        held = log.store.count()
    finally:
        log.store.close()
    as_schema(path, 21, "DROP TABLE filled")
    log = EventLog(Store(path))
    try:
        assert log.store.schema_version() == SCHEMA_VERSION >= 22 and log.store.integrity() == "ok"
        assert log.store.count() == held
        monkeypatch.setattr(base, "now_ms", lambda: t0 + 5 * MINUTE)
        assert [o.message for o in log.ingest([stub.encode()], now=t0)] == ["body restored"]
        monkeypatch.undo()
        out = io.BytesIO()
        export_bundle(log, net.founder.device, out, since_ts=t0 + 2 * MINUTE)
        carried = [item for item in msgpack.Unpacker(io.BytesIO(out.getvalue()[len(MAGIC):]), raw=False)
                   if isinstance(item, bytes)]
        assert carried == [stub.encode()]
    finally:
        log.store.close()
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT count(*) FROM arrived").fetchone() == (1,), "the filling wrote no `arrived` row"
        assert db.execute("SELECT n FROM filled").fetchall() == [(held - 1,)]
