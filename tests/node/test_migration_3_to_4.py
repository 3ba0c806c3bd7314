"""Schema 3 to 4: the read model's time index keeps actions only. A version-3 database holding
events of every common kind opens with this version, loses the other rows' entries in that index,
and answers every listing and look-up as before; actions are still listed by walking the index."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from bench.common import found_network, signed_chain
from events.projections import ACTION, ALERT, NEED, OFFER, SUPPORT, TABLES
from node.log import EventLog, now_ms
from node.store import SCHEMA_VERSION, Store
from node.store.schema import ACTION_TBL

DAY = 86_400_000
# The index as schema 3 wrote it (every read-model row), and the schema version it recorded.
V3_INDEX = "CREATE INDEX proj_by_time ON proj(tbl, region, t, vid)"


def answers(store: Store, now: int) -> dict[str, object]:
    """What the listings and look-ups that the read model's indexes serve return."""
    out: dict[str, object] = {"regions": store.regions(TABLES), "count": store.count(), "heads": sorted(store.heads())}
    for table in TABLES:  # without an order, rows come as the index SQLite picks walks them: as a set
        out[f"all {table}"] = sorted(store.rows(table), key=lambda r: r.key)
    for region in [None, *store.regions([ACTION])]:
        for order in ("t", "latest", "newest"):
            out[f"action {region} {order}"] = store.rows(ACTION, region=region, t_from=now, order=order, limit=7)
        out[f"action {region} window"] = store.rows(ACTION, region=region, t_from=now + 3 * DAY,
                                                    t_before=now + 9 * DAY, order="t", limit=50)
        for table in (NEED, OFFER, SUPPORT, ALERT):
            out[f"{table} {region} live"] = store.rows(table, region=region, t_from=now, order="newest", limit=7)
    ids = [e.id for e in store.all_events()]
    out["by id"] = [store.event_row(i) for i in ids[::97]]
    out["known"] = store.known(ids[::13] + [bytes(32)])
    return out


def plan(path: Path, sql: str, args: tuple) -> str:
    with closing(sqlite3.connect(path)) as db:
        return " ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN " + sql, args))


def test_the_time_index_names_the_table_number_of_actions() -> None:
    assert TABLES[ACTION_TBL] == ACTION


def test_a_version_3_database_keeps_every_answer_and_its_time_index_holds_actions_only(tmp_path: Path) -> None:
    path = tmp_path / "solnet.db"
    net, log = found_network(path)
    wires = [ev.encode() for ev in signed_chain(net, 1500)]
    assert {o.status for o in log.ingest(wires)} == {"accepted"}
    now = now_ms()
    before = answers(log.store, now)
    log.store.close()
    # The file as schema 3 left it: the same tables, the time index over every row.
    with closing(sqlite3.connect(path)) as db:
        db.execute("DROP INDEX proj_by_time")
        db.execute(V3_INDEX)
        db.execute("PRAGMA user_version=3")
        db.execute("UPDATE meta SET value='3' WHERE key='schema_version'")
        db.commit()
        assert db.execute("SELECT count(DISTINCT tbl) FROM proj").fetchone()[0] >= 5  # more than actions
        entries_v3 = db.execute("SELECT count(*) FROM proj INDEXED BY proj_by_time WHERE tbl >= 0").fetchone()[0]
        assert entries_v3 == db.execute("SELECT count(*) FROM proj").fetchone()[0] > 1000

    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    assert store.integrity() == "ok"
    after = answers(store, now)
    assert after.keys() == before.keys()
    for key, value in before.items():
        assert after[key] == value, key
    assert sum(len(v) for k, v in after.items() if k.startswith("action ")) > 50  # the listings found rows
    store.close()

    with closing(sqlite3.connect(path)) as db:
        [index_sql] = db.execute("SELECT sql FROM sqlite_master WHERE name='proj_by_time'").fetchone()
        actions = db.execute("SELECT count(*) FROM proj WHERE tbl=?", (ACTION_TBL,)).fetchone()[0]
        entries = db.execute(f"SELECT count(*) FROM proj INDEXED BY proj_by_time WHERE tbl={ACTION_TBL}").fetchone()[0]
    assert index_sql.endswith(f"WHERE tbl = {ACTION_TBL}") and entries == actions < entries_v3
    # Actions soonest first walk the index (the store names the table in the SQL, as here); other
    # tables' newest-first listings walk proj_newest, as they did in schema 3 (since schema 11, its
    # part of the rows still open: schema.LAPSE_SCHEMA).
    walk = "SELECT n, t, vid FROM proj WHERE tbl={} AND region IS ? AND (t IS NULL OR t>=?) ORDER BY t, vid, n LIMIT 7"
    assert "INDEX proj_by_time" in plan(path, walk.format(ACTION_TBL), ("calais", now))
    newest = ("SELECT n FROM proj WHERE tbl={} AND lapsed IS NULL AND region IS ? AND (t IS NULL OR t>=?) "
              "ORDER BY vts DESC, vid DESC LIMIT 7")
    assert "INDEX proj_newest" in plan(path, newest.format(TABLES.index(NEED)), ("calais", now))
    # Opening again is a no-op.
    again = Store(path)
    assert again.schema_version() == SCHEMA_VERSION and answers(again, now) == before
    again.close()
