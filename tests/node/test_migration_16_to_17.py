"""Schema 17: a read-model row names its region by number (`regions`); a schema-16 home, whose rows
held the names, is upgraded in place (proj made again, its region column a number) and answers its
listings, the coordinator's desk, the API's pages and its events by region as before."""
from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from pathlib import Path

from events.projections import TABLES
from node.log import EventLog, now_ms
from node.store import Store
from node.store.schema import SCHEMA, SCHEMA_VERSION
from node.views import _VIEWS, view
from node_fixtures import Author, Net, as_schema, wires
from test_desk_marks_any_age import _desk, _history, _marked
from test_migration_3_to_4 import answers

HOUR = 3_600_000
# proj as schema 16 made it (node/store/schema.py of 0.16): the region's name in each row.
_PROJ_16 = ("CREATE TABLE proj16(n INTEGER PRIMARY KEY, tbl INTEGER NOT NULL, g INTEGER NOT NULL, region TEXT, "
            "t INTEGER, ref BLOB, vts INTEGER NOT NULL, vid INTEGER NOT NULL, lww INTEGER, pub INTEGER, "
            "lapsed INTEGER, urg INTEGER)")
_PROJ_INDEXES = [s for s in SCHEMA.split(";\n") if "ON proj(" in s]
AS_SCHEMA_16 = (_PROJ_16,
                "INSERT INTO proj16 SELECT n, tbl, g, (SELECT name FROM regions WHERE r=proj.region), t, ref, vts, "
                "vid, lww, pub, lapsed, urg FROM proj",
                "DROP TABLE proj", "ALTER TABLE proj16 RENAME TO proj", "DROP TABLE regions", *_PROJ_INDEXES)


def _more_regions(device: Author, now: int) -> list:
    """Rows in regions that arrive out of their names' order (alerts and needs in each)."""
    made = []
    for i, region in enumerate(("lille", "dunkerque", "bristol", "calais", "zeebrugge", "brighton") * 3):
        ts = now - 3 * HOUR + i * 60_000
        made.append(device.sign("alert", {"region": region, "type": "raid", "text": f"CRS {i}"}, ts=ts,
                                    expires=now + HOUR))
        made.append(device.sign("need", {"category": "water", "quantity": i + 1, "region": region,
                                             "urgency": "high" if i % 2 else "low"}, ts=ts + 1))
    return made


def _pages(log: EventLog, now: int) -> dict:
    """What the read model answers: the store's listings, each view the API and the dashboard serve
    (all regions and each one: the desk is the regions view of one), events by region."""
    store = log.store
    out: dict = {"answers": answers(store, now), "dump": store.projection_dump(), "marked": _marked(log)}
    regions = store.regions(TABLES)
    for name in _VIEWS:
        for region in [None, *regions, "nowhere"]:
            out[f"{name} {region}"] = view(log, name, region=region, now=now, limit=100, peers=[])
    for region in [*regions, "nowhere"]:
        if region in regions:
            out[f"desk {region}"] = _desk(log, now, region)
        out[f"events {region}"] = store.events_page(regions=(region, list(TABLES)), limit=500)
        out[f"holds {region}"] = store.holds_region(TABLES, region)
    return out


def _regions_column(path: Path) -> tuple[str, set[str], list[str]]:
    with closing(sqlite3.connect(path)) as db:
        declared = next(r[2] for r in db.execute("PRAGMA table_info(proj)") if r[1] == "region")
        kinds = {r[0] for r in db.execute("SELECT DISTINCT typeof(region) FROM proj")}
        held = db.execute("SELECT 1 FROM sqlite_master WHERE name='regions'").fetchone()
        names = [r[0] for r in db.execute("SELECT name FROM regions ORDER BY r")] if held else []
    return declared, kinds, names


def _proj_indexes(path: Path) -> dict[str, str]:
    with closing(sqlite3.connect(path)) as db:
        return dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='proj'"))


def test_a_schema_16_home_opens_with_region_numbers_and_the_same_pages(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    path = tmp_path / "calais.db"
    device = net.device_of(net.group)  # (before the history, which sends the group's vouches)
    log = net.new_log(path)
    try:
        log.ingest(wires(_history(net, random.Random(7), now) + _more_regions(device, now)), now=now)
        before = _pages(log, now)
    finally:
        log.store.close()
    indexes = _proj_indexes(path)
    assert "bristol" in before["answers"]["regions"] and before["desk calais"] and before["events lille"]
    as_schema(path, 16, *AS_SCHEMA_16)
    declared, kinds, _ = _regions_column(path)
    assert declared == "TEXT" and "text" in kinds
    log = EventLog(Store(path))
    try:
        assert log.store.schema_version() == SCHEMA_VERSION >= 17
        assert log.store.integrity() == "ok"
        assert _pages(log, now) == before
    finally:
        log.store.close()
    declared, kinds, names = _regions_column(path)
    assert declared == "INTEGER" and kinds <= {"integer", "null"}
    assert names == sorted(before["answers"]["regions"])  # numbered in name order
    assert _proj_indexes(path) == indexes  # (made as a new home makes them)
    # Opening again changes nothing.
    log = EventLog(Store(path))
    try:
        assert _pages(log, now) == before
    finally:
        log.store.close()
