"""Schema 16: one index of the marked needs and support requests (proj_urgent) serves the region's
and the group's walks; a schema 15 home, with its two, is upgraded in place and its desk answers as
before, and a home from before 15 gets the one index directly."""
from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from pathlib import Path

from node.log import EventLog, now_ms
from node.store import Store
from node.store.schema import SCHEMA_VERSION, URGENT_SCHEMA
from node_fixtures import Net, as_schema, wires
from test_desk_marks_any_age import _desk, _history, _marked

# What schema 15 made (node/store/schema.py of 0.15)
_SCHEMA_15_URGENT = ("CREATE INDEX proj_urgent ON proj(urg, tbl, region, lapsed, vts, vid) WHERE urg = 1",
                     "CREATE INDEX proj_urgent_by_group ON proj(urg, tbl, g, region, lapsed, vts, vid) WHERE urg = 1")


def _urgent_indexes(path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(path)) as db:
        return dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND name LIKE 'proj_urgent%'"))


def _home(net: Net, path: Path, now: int) -> tuple[dict, set[bytes]]:
    log = net.new_log(path)
    try:
        log.ingest(wires(_history(net, random.Random(5), now)), now=now)
        return _desk(log, now), _marked(log)
    finally:
        log.store.close()


def test_a_schema_15_home_gets_the_one_urgent_index_and_the_same_desk(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    path = tmp_path / "calais.db"
    desk, marked = _home(net, path, now)
    assert marked
    as_schema(path, 15, "DROP INDEX proj_urgent", *_SCHEMA_15_URGENT)
    assert set(_urgent_indexes(path)) == {"proj_urgent", "proj_urgent_by_group"}
    log = EventLog(Store(path))
    try:
        assert log.store.schema_version() == SCHEMA_VERSION >= 17
        assert log.store.integrity() == "ok"
        assert _desk(log, now) == desk and _marked(log) == marked
    finally:
        log.store.close()
    assert _urgent_indexes(path) == {"proj_urgent": URGENT_SCHEMA.replace(" IF NOT EXISTS", "")}


def test_a_schema_14_home_gets_the_one_urgent_index(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    path = tmp_path / "calais.db"
    desk, marked = _home(net, path, now)
    as_schema(path, 14, "DROP INDEX proj_urgent", "ALTER TABLE proj DROP COLUMN urg", "DROP TABLE desk_item",
              "DROP TABLE desk_part", "DROP TABLE desk_fulfil", "DROP TABLE desk_pending", "DROP TABLE desk_named")
    log = EventLog(Store(path))
    try:
        assert log.store.schema_version() == SCHEMA_VERSION
        assert _desk(log, now) == desk and _marked(log) == marked
    finally:
        log.store.close()
    assert _urgent_indexes(path) == {"proj_urgent": URGENT_SCHEMA.replace(" IF NOT EXISTS", "")}
