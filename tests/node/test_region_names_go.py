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
