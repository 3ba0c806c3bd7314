"""A region's name is kept (schema `regions`) while a read-model row is placed there: a redaction
of the only event that named it leaves no trace of the name in the database, and the region lists
again when an event names it later."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from events.projections import ALERT, TABLES
from node.log import now_ms
from node_fixtures import Net, wires

HOUR = 3_600_000


def _names(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as db:
        return {r[0] for r in db.execute("SELECT name FROM regions")}


def test_a_redacted_events_region_name_goes_and_comes_back(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    path = tmp_path / "calais.db"
    log = net.new_log(path)
    try:
        fields = {"type": "raid", "text": "CRS"}
        kept = net.device.sign("alert", {**fields, "region": "calais"}, ts=now - 3_000, expires=now + HOUR)
        alone = net.device.sign("alert", {**fields, "region": "rue-x-camp"}, ts=now - 2_000, expires=now + HOUR)
        log.ingest(wires([*net.group.made, kept, alone]), now=now)
        assert {"calais", "rue-x-camp"} <= _names(path) and log.store.holds_region(TABLES, "rue-x-camp")
        log.ingest(wires([net.device.sign("redact", {"ids": [alone.id]}, ts=now - 1_000)]), now=now)
        assert "rue-x-camp" not in _names(path) and "calais" in _names(path)
        assert not log.store.holds_region(TABLES, "rue-x-camp") and log.store.rows(ALERT, region="rue-x-camp") == []
        again = net.device.sign("alert", {**fields, "region": "rue-x-camp"}, ts=now - 500, expires=now + HOUR)
        log.ingest(wires([again]), now=now)
        assert [r.key for r in log.store.rows(ALERT, region="rue-x-camp")] == [again.id]
        assert log.store.regions(TABLES) == ["calais", "rue-x-camp"]
    finally:
        log.store.close()


def test_an_older_profile_taking_no_place_leaves_no_name_when_it_is_redacted(net: Net, tmp_path: Path) -> None:
    """An older group profile that arrives after a newer one makes no row (the newest wins), but its
    region was numbered all the same: the name stayed, and the profile's redaction let go of no row
    placed there, so a squat a group had named and then withdrawn stayed readable in the file."""
    now = now_ms()
    path = tmp_path / "calais.db"
    log = net.new_log(path)
    try:
        newer = net.group.sign("group.profile", {"name": "Calais", "region": "calais"}, ts=now - 1_000)
        older = net.group.sign("group.profile", {"name": "Calais", "region": "rue-x-squat"}, ts=now - 50_000)
        log.ingest(wires([*net.group.made, newer, older]), now=now)
        assert "rue-x-squat" not in _names(path), "the older profile took no place: its region has no name"
        log.ingest(wires([net.group.sign("redact", {"ids": [older.id]}, ts=now - 500)]), now=now)
        assert "rue-x-squat" not in _names(path)
        assert log.store.regions(TABLES) == ["calais"]
    finally:
        log.store.close()


def test_regions_listed_while_another_connection_lets_a_name_go(net: Net, tmp_path: Path, monkeypatch) -> None:
    """The regions are listed by number, then named: another connection (`solnet import`, a publish
    from a terminal) that redacted a region's last row between the two made the listing raise "names
    region number r but does not hold it". Both are read in one snapshot: the list is of one moment."""
    now = now_ms()
    path = tmp_path / "calais.db"
    reader, writer = net.new_log(path), None
    try:
        fields = {"type": "raid", "text": "CRS"}
        kept = net.device.sign("alert", {**fields, "region": "calais"}, ts=now - 3_000, expires=now + HOUR)
        alone = net.device.sign("alert", {**fields, "region": "rue-x-camp"}, ts=now - 2_000, expires=now + HOUR)
        reader.ingest(wires([*net.group.made, kept, alone]), now=now)
        writer = net.new_log(path)
        store = reader.store
        numbered = type(store)._regions_of

        def then_redacted(self, tbl, side):  # the other connection commits between the two reads
            found = numbered(self, tbl, side)
            if writer is not None and "rue-x-camp" in _names(path):
                writer.ingest(wires([net.device.sign("redact", {"ids": [alone.id]}, ts=now - 1_000)]), now=now)
            return found
        monkeypatch.setattr(type(store), "_regions_of", then_redacted)
        assert store.regions(TABLES) == ["calais", "rue-x-camp"], "the list of the moment it began"
        assert "rue-x-camp" not in _names(path)
        assert store.regions(TABLES) == ["calais"]
    finally:
        reader.store.close()
        if writer is not None:
            writer.store.close()
