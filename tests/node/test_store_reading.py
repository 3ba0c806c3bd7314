"""Store.reading: a page's many reads in one read transaction. Each read in it sees the same moment,
whatever another connection commits meanwhile, and what it knew of the database before (a region's
number, or that no row is placed in a region) is asked again once another connection has committed."""
from __future__ import annotations

from events.projections import ALERT
from node.log import now_ms
from node_fixtures import Net, wires

HOUR = 3_600_000


def _alert(net: Net, region: str, ts: int) -> object:
    return net.device.sign("alert", {"type": "raid", "text": "CRS", "region": region}, ts=ts, expires=ts + HOUR)


def _reader_and_writer(net: Net, tmp_path, first: object, now: int):
    """Two connections to one home holding `first`: the one that lists, and another that commits."""
    path = tmp_path / "calais.db"
    reader = net.new_log(path)
    reader.ingest(wires([*net.group.made, first]), now=now)
    return reader, net.new_log(path)


def test_reads_in_one_reading_see_one_moment(net: Net, tmp_path) -> None:
    now = now_ms()
    first = _alert(net, "calais", now - 3_000)
    reader, writer = _reader_and_writer(net, tmp_path, first, now)
    try:
        second = _alert(net, "calais", now - 2_000)
        with reader.store.reading():
            before = [r.key for r in reader.store.rows(ALERT, region="calais", order="newest", limit=10)]
            writer.ingest(wires([second]), now=now)  # another connection commits between two listings
            during = [r.key for r in reader.store.rows(ALERT, region="calais", order="newest", limit=10)]
        after = [r.key for r in reader.store.rows(ALERT, region="calais", order="newest", limit=10)]
        assert before == during == [first.id], "the page's second listing saw another moment than its first"
        assert after == [second.id, first.id]
    finally:
        writer.store.close()
        reader.store.close()


def test_a_region_numbered_elsewhere_is_found_at_the_next_reading(net: Net, tmp_path) -> None:
    """Within a reading, region numbers are kept (asked once, not per listing); that a region held no
    row is not served at the next one after another connection placed a row there."""
    now = now_ms()
    reader, writer = _reader_and_writer(net, tmp_path, _alert(net, "calais", now - 3_000), now)
    try:
        with reader.store.reading():
            assert reader.store.rows(ALERT, region="rue-x-camp") == []
            assert reader.store.rows(ALERT, region="rue-x-camp") == []  # (kept: no statement asks again)
        camp = _alert(net, "rue-x-camp", now - 1_000)
        writer.ingest(wires([camp]), now=now)
        with reader.store.reading():
            assert [r.key for r in reader.store.rows(ALERT, region="rue-x-camp")] == [camp.id]
    finally:
        writer.store.close()
        reader.store.close()


def test_a_reading_inside_a_write_is_part_of_it(net: Net, tmp_path) -> None:
    now = now_ms()
    log = net.new_log(tmp_path / "calais.db")
    try:
        log.ingest(wires([*net.group.made, _alert(net, "calais", now - 3_000)]), now=now)
        with log.store.write():
            with log.store.reading():
                assert len(log.store.rows(ALERT, region="calais")) == 1
            assert log.store._db.in_transaction, "the reading ended the write it was part of"
    finally:
        log.store.close()


def test_a_lone_listing_serves_kept_region_numbers_only_while_they_hold(net: Net, tmp_path) -> None:
    """A listing outside a page reads in a reading of its own (Store.rows, 294fe137), and serves the
    region numbers the listings before it kept. Not once another connection let the name go and
    numbered it anew (the old number names no row), nor once this connection's own write that
    numbered a region rolled back (SQLite may give that number again)."""
    now = now_ms()
    first = _alert(net, "dover", now - 3_000)
    reader, writer = _reader_and_writer(net, tmp_path, first, now)
    try:
        assert [r.key for r in reader.store.rows(ALERT, region="dover")] == [first.id]
        writer.ingest(wires([net.device.sign("redact", {"ids": [first.id]}, ts=now - 2_500)]), now=now)
        assert reader.store.rows(ALERT, region="dover") == []  # (the name went: no number)
        again = _alert(net, "dover", now - 2_000)
        writer.ingest(wires([again]), now=now)  # numbered anew by the other connection
        assert [r.key for r in reader.store.rows(ALERT, region="dover")] == [again.id]
        # this connection numbers a region in a write that rolls back; the number is not served after
        try:
            with reader.store.write():
                reader.store._r("rue-x-camp")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        lille = _alert(net, "lille", now - 1_000)
        reader.ingest(wires([lille]), now=now)  # this connection numbers another region: the same number
        assert reader.store.rows(ALERT, region="rue-x-camp") == []
        assert [r.key for r in reader.store.rows(ALERT, region="lille")] == [lille.id]
    finally:
        writer.store.close()
        reader.store.close()
