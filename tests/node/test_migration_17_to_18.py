"""Schema 18: proj_lapsing's condition names the lapsing tables one by one (schema.MAY_LAPSE), where
schema 17's `tbl IN (...)` made SQLite build a temporary table of the list for every open row it
stored; a schema-17 home is upgraded in place, its lapse pass walks the new index, and its rows and
listings are as before."""
from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from pathlib import Path

from node.log import EventLog, now_ms
from node.store import Store
from node.store.schema import MAY_LAPSE, SCHEMA_VERSION
from node_fixtures import Net, as_schema, wires
from test_desk_marks_any_age import _desk, _history, _marked

DAY = 86_400_000
# proj_lapsing as schema 17 made it (node/store/schema.py of 0.17)
_LAPSING_17 = "CREATE INDEX proj_lapsing ON proj(t) WHERE lapsed IS NULL AND tbl IN (2, 4, 5, 12) AND t IS NOT NULL"


def _lapsing(path: Path) -> str:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT sql FROM sqlite_master WHERE name='proj_lapsing'").fetchone()[0]


def _opens_per_row(path: Path) -> int:
    """How many temporary tables SQLite's program for storing one read-model row opens."""
    with closing(sqlite3.connect(path)) as db:
        program = db.execute("EXPLAIN INSERT INTO proj(n, tbl, g, region, t, ref, vts, vid, lww, pub, lapsed, urg) "
                             "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", (1,) * 12).fetchall()
    return sum(1 for op in program if op[1] == "OpenEphemeral")


def test_a_schema_17_home_gets_the_new_lapsing_index_and_answers_as_before(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    path = tmp_path / "calais.db"
    log = net.new_log(path)
    try:
        timed = [net.device.sign("need", {"category": "tents", "quantity": i + 1, "region": "calais", "urgency": "low",
                                          "until": now + (i + 1) * DAY}, ts=now - 1000 + i) for i in range(5)]
        log.ingest(wires(_history(net, random.Random(7), now) + timed), now=now)
        desk, marked, rows = _desk(log, now), _marked(log), log.store.projection_dump()
    finally:
        log.store.close()
    assert _opens_per_row(path) == 0
    as_schema(path, 17, "DROP INDEX proj_lapsing", _LAPSING_17)
    assert _opens_per_row(path) == 1  # (what schema 17 cost every stored row)
    log = EventLog(Store(path))
    try:
        # (at least 18: a later schema's migrations run after this step, and this test still holds)
        assert log.store.schema_version() == SCHEMA_VERSION >= 18
        # the step's effect: the index names the lapsing tables one by one, no list to build a table of
        assert "IN (" not in _lapsing(path) and _opens_per_row(path) == 0
        assert log.store.integrity() == "ok"
        assert _desk(log, now) == desk and _marked(log) == marked and log.store.projection_dump() == rows
        with closing(sqlite3.connect(path)) as db:
            timed = db.execute(f"SELECT count(*) FROM proj WHERE {MAY_LAPSE}").fetchone()[0]
            indexed = db.execute(f"SELECT count(*) FROM proj INDEXED BY proj_lapsing WHERE {MAY_LAPSE}").fetchone()[0]
        assert indexed == timed > 0
        # the lapse pass walks it: rows whose time passed are marked, the listings filter them as before
        with log.store.write():
            lapsed = log.store.lapse_rows(now + 400 * DAY)
        assert lapsed == timed
        assert log.store.lapse_rows(now + 400 * DAY) == 0
    finally:
        log.store.close()
    assert _lapsing(path) == f"CREATE INDEX proj_lapsing ON proj(t) WHERE {MAY_LAPSE}"
    assert _opens_per_row(path) == 0
