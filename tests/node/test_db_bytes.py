"""bench/db_bytes.py says where a home's database bytes go, table by table and index by index: the
parts it counts make up the file (no table left out, none counted twice), and a packed copy is
measured apart, the file left as it was."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from bench.db_bytes import packed_size, report, usage
from node_fixtures import Net, action

EVENTS = 300


def _home(net: Net, path: Path) -> int:
    log = net.new_log(path)
    for i in range(EVENTS):
        net.device.sign("action", action(i))
    outcomes = log.ingest([e.encode() for e in net.group.made + net.device.made])
    assert [o.status for o in outcomes[-EVENTS:]] == ["accepted"] * EVENTS, outcomes[-1]
    held = log.store.count()
    log.store.close()  # (a clean close checkpoints: the whole database is in its main file)
    return held


def test_the_parts_make_up_the_file_and_the_events_table_is_the_largest(net: Net, tmp_path: Path) -> None:
    path = tmp_path / "solnet.db"
    held = _home(net, path)
    found = usage(path)
    assert found.events == held >= EVENTS
    with closing(sqlite3.connect(path)) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_schema WHERE type IN ('table', 'index') "
                                           "AND rootpage > 0")}
        free, = db.execute("PRAGMA freelist_count").fetchone()
        auto_vacuum, = db.execute("PRAGMA auto_vacuum").fetchone()
    assert {p.name for p in found.parts} == tables | {"sqlite_schema"}
    # Every page is a table's or an index's but the free ones and, with auto_vacuum, its pointer maps
    # (one page each for up to page_size / 5 pages: one here).
    maps = 1 if auto_vacuum else 0
    assert sum(p.pages for p in found.parts) + free + maps == found.pages
    assert sum(p.size for p in found.parts) == sum(p.pages for p in found.parts) * found.page_size
    assert found.parts[0].name == "events" and all(p.payload + p.unused <= p.size for p in found.parts)
    events = found.parts[0]
    assert events.payload >= sum(len(e.encode()) for e in net.device.made) * 0.9  # the signed bytes are in its rows


def test_the_report_gives_each_part_and_the_whole_per_event(net: Net, tmp_path: Path) -> None:
    path = tmp_path / "solnet.db"
    held = _home(net, path)
    before = path.read_bytes()
    found = usage(path)
    packed = packed_size(path)
    assert path.read_bytes() == before  # read-only: the copy is made elsewhere and removed
    assert 0 < packed <= len(before)
    lines = report(found, packed)
    assert lines[0].startswith("events ")
    assert lines[-2] == (f"file: {len(before) / held:.1f} B/event ({held} events, {found.pages} pages of "
                         f"{found.page_size} B)")
    assert lines[-1].startswith(f"packed copy: {packed / held:.1f} B/event: {(len(before) - packed) / held:.1f} ")
