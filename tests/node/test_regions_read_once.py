"""A page's listings without a region walk each region of the table (the regions found by a loose
index scan): in one read transaction (`Store.reading`) the scan runs once per table, not once per
listing (an overview ran it 93 times for 14 answers), and never serves a later transaction: a region
another connection placed a row in since is listed. Two connections to one real SQLite file."""
from __future__ import annotations

from pathlib import Path

from events.projections import ALERT
from node.log import EventLog, now_ms
from node.store import Store
from node_fixtures import Net, wires

HOUR = 3_600_000


def _scans(log: EventLog, read) -> tuple[list[str], int]:
    """What `read()` gives, and how many loose index scans of regions it ran."""
    ran: list[str] = []
    log.store._db.set_trace_callback(ran.append)
    try:
        got = read()
    finally:
        log.store._db.set_trace_callback(None)
    return got, sum("WITH RECURSIVE r(region)" in sql for sql in ran)


def _alert(net: Net, region: str, ts: int):
    return net.device.sign("alert", {"region": region, "type": "raid", "text": "CRS"}, ts=ts, expires=ts + HOUR)


def test_a_read_transaction_scans_a_tables_regions_once(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    log = net.new_log(tmp_path / "calais.db")
    try:
        log.ingest(wires([*net.group.made, _alert(net, "calais", now - 2_000), _alert(net, "dover", now - 1_000)]),
                   now=now)
        alone, scans_alone = _scans(log, lambda: [r.key for r in log.store.rows(ALERT, order="newest", limit=5)])

        def three() -> list[list[bytes]]:
            with log.store.reading():
                return [[r.key for r in log.store.rows(ALERT, order=order, limit=5)]
                        for order in ("newest", "t", "newest")]
        lists, scans = _scans(log, three)
        assert len(alone) == 2 and lists == [alone, alone[::-1], alone]
        assert scans == scans_alone > 0, "each side of the table scanned once a transaction, not once a listing"
    finally:
        log.store.close()


def test_a_region_another_connection_filled_since_is_listed(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    path = tmp_path / "calais.db"
    reader = net.new_log(path)
    writer = None
    try:
        reader.ingest(wires([*net.group.made, _alert(net, "calais", now - 3_000)]), now=now)
        writer = EventLog(Store(path))
        with reader.store.reading():
            assert [r.data["region"] for r in reader.store.rows(ALERT, order="newest", limit=5)] == ["calais"]
        writer.ingest(wires([_alert(net, "dover", now - 1_000)]), now=now)
        with reader.store.reading():
            assert [r.data["region"] for r in reader.store.rows(ALERT, order="newest", limit=5)] == ["dover", "calais"]
    finally:
        reader.store.close()
        if writer is not None:
            writer.store.close()
