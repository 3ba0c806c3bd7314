"""Schema 21: proj_by_ref holds each row's number and vid (schema.BY_REF_SCHEMA), so a desk's lookups
of its items' steps by their ids read the index alone, not each row found from the table (on a busy
home the regions page read 770 pages of the file for them, its other reads having pushed the
table's pages out of SQLite's small cache). A schema-20 home is upgraded in place; its rows, marks
and desk are as before, and a walk of one item's steps by row number is still a range of the index."""
from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from pathlib import Path

from node.log import EventLog, now_ms
from node.store import Store
from node.store.schema import SCHEMA_VERSION
from node_fixtures import Net, as_schema, wires
from test_desk_marks_any_age import _desk, _history, _marked

# proj_by_ref as schema 20 made it (node/store/schema.py of 0.20)
_BY_REF_20 = "CREATE INDEX proj_by_ref ON proj(tbl, ref) WHERE ref IS NOT NULL"
# what a desk asks for each batch of its items (ProjectionTables._rows_in), and a walk of one item's
# steps by row number (DeskMarks._author_steps)
_STEPS = "SELECT p.n, p.vid FROM proj p WHERE p.tbl=5 AND p.ref IN (?, ?)"
_WALK = ("SELECT p.n, p.vid, e.a, e.seq FROM proj p JOIN events e ON e.n = p.n WHERE p.tbl=5 AND p.ref=? AND p.n>? "
         "ORDER BY p.n LIMIT ?")


def _plan(path: Path, statement: str, args: tuple) -> str:
    with closing(sqlite3.connect(path)) as db:
        return " | ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {statement}", args))


def test_a_schema_20_home_gets_the_covering_by_ref_index_and_answers_as_before(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    path = tmp_path / "calais.db"
    log = net.new_log(path)
    try:
        log.ingest(wires(_history(net, random.Random(21), now)), now=now)
        desk, marked, rows = _desk(log, now), _marked(log), log.store.projection_dump()
    finally:
        log.store.close()
    assert "COVERING INDEX proj_by_ref" in _plan(path, _STEPS, (b"a", b"b"))
    as_schema(path, 20, "DROP INDEX proj_by_ref", _BY_REF_20)
    assert "COVERING INDEX" not in _plan(path, _STEPS, (b"a", b"b"))  # (what schema 20 cost: a table read a step)
    log = EventLog(Store(path))
    try:
        # (at least 21: a later schema's migrations run after this step, and this test still holds)
        assert log.store.schema_version() == SCHEMA_VERSION >= 21
        assert log.store.integrity() == "ok"
        assert _desk(log, now) == desk and _marked(log) == marked and log.store.projection_dump() == rows
    finally:
        log.store.close()
    assert "COVERING INDEX proj_by_ref (tbl=? AND ref=?)" in _plan(path, _STEPS, (b"a", b"b"))
    walk = _plan(path, _WALK, (b"a", 0, 64))
    assert "proj_by_ref (tbl=? AND ref=? AND n>?)" in walk and "TEMP B-TREE" not in walk
