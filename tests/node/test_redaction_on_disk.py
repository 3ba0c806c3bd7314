"""Redaction and expiry delete for real: the text leaves every file of the node (database, WAL),
not only the read models, and the space is given back."""
from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from node_fixtures import Net, action, wires
from node.log import now_ms
from node.store import BODY_EXPIRED, BODY_REDACTED

TEXT = "meet behind the Lidl on Rue Mollien at 6, ask for Karim"


def _files_hold(folder: Path, needle: str) -> list[str]:
    return [f.name for f in folder.iterdir() if f.is_file() and needle.encode() in f.read_bytes()]


def test_a_redacted_body_is_gone_from_every_file(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    ev = log.append(net.founder.device, "action", action(1) | {"description": TEXT})
    for i in range(50):  # more traffic, so the text sits in pages among others
        log.append(net.founder.device, "action", action(i + 2))
    assert _files_hold(tmp_path, TEXT)  # the test can see it before
    log.append(net.founder.device, "redact", {"ids": [ev.id]})
    assert log.store.event_row(ev.id)[9] == BODY_REDACTED
    assert _files_hold(tmp_path, TEXT) == []
    assert log.store.integrity() == "ok"


def test_a_redaction_received_from_a_peer_also_wipes_the_text(net: Net, tmp_path: Path) -> None:
    author, reader = net.new_log(tmp_path / "author.db"), net.new_log(tmp_path / "reader.db")
    author.ingest(wires(net.group.made))
    ev = author.append(net.founder.device, "action", action(1) | {"description": TEXT})
    reader.ingest(list(author.store.iter_wire()))
    redact = author.append(net.founder.device, "redact", {"ids": [ev.id]})
    reader.ingest([author.store.wire(author.store.event_row(redact.id)[6:9])])
    assert reader.store.event_row(ev.id)[8] is None
    assert _files_hold(tmp_path, TEXT) == []


def test_expired_events_lose_their_body_on_disk(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    now = now_ms()
    alert = log.append(net.founder.device, "alert", {"region": "calais", "type": "raid", "text": TEXT},
                       expires=now + 60_000, now=now)
    keep = log.append(net.founder.device, "action", action(1), now=now)
    assert log.purge_expired(now + 30_000) == 0
    assert log.purge_expired(now + 61_000) == 1
    assert log.store.event_row(alert.id)[9] == BODY_EXPIRED
    assert log.store.rows("alert") == [] and len(log.store.rows("action")) == 1
    assert log.store.event_row(keep.id)[8] is not None
    assert _files_hold(tmp_path, TEXT) == []


def test_space_is_given_back_after_dropping_bodies(net: Net, tmp_path: Path) -> None:
    """Bodies larger than a page live in overflow pages, which become free pages when dropped and
    go back to the file system (incremental vacuum). Smaller bodies leave room inside their page
    that new rows reuse."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    now = now_ms()
    for i in range(300):
        log.append(net.founder.device, "action", action(i) | {"description": f"{i} " + "x" * 3990},
                   expires=now + 60_000, now=now)
    log.store.checkpoint()  # everything in the main file, to compare sizes
    before = (tmp_path / "a.db").stat().st_size
    log.purge_expired(now + 61_000)
    after = (tmp_path / "a.db").stat().st_size
    assert after < before * 0.7, (before, after)


def test_a_program_reading_the_database_holds_no_write_and_the_text_goes_once_it_is_done(
        net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another program reading the database (`solnet view`, a backup tool) keeps the WAL, and the
    dropped text in it, from being emptied. The write that dropped a body used to wait for that
    read to end, up to SQLite's busy timeout of 30 s, and a running node's publishes, alerts
    included, waited with it; then the WAL was never tried again. Now the write returns at once,
    and a later write empties the WAL once the reader is gone."""
    monkeypatch.setattr("node.log.RECLAIM_RETRY_S", 0.0, raising=False)  # the next write tries again, however soon
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    now = now_ms()
    log.append(net.founder.device, "alert", {"region": "calais", "type": "raid", "text": TEXT},
               expires=now + 60_000, now=now)
    with closing(sqlite3.connect(tmp_path / "a.db")) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM events").fetchone()  # a read transaction, held open
        written = threading.Event()
        writer = threading.Thread(target=lambda: (log.purge_expired(now + 61_000), written.set()))
        writer.start()
        try:
            assert written.wait(10), "the write that dropped a body waited for another program's read to end"
        finally:
            reader.rollback()
            writer.join(60)
        assert _files_hold(tmp_path, TEXT) == ["a.db-wal"]  # the reader kept the old page in the WAL
    log.append(net.founder.device, "action", action(1), now=now + 62_000)  # any later write
    assert _files_hold(tmp_path, TEXT) == []
