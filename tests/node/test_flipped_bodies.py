"""A changed byte in a stored body that is read without the rest of its event (a failing SD card):
another node's announced address, an event for chosen groups only, a redaction; and in an event
kept aside, which goes into the log without its signature checked again. Every other read
of an event checks its body against the hash its author signed; these did not, so the node dialled
(and listed) an address its author never announced, dropped a sealed action from its readers'
listings without a word, and could bring back a body its author had redacted. Each is said as a
damaged database now, on a real SQLite file."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from node import publishing
from node.audience import Opener, opened_rows
from node.store import DatabaseDamaged
from node.store.errors import REBUILD_ADVICE
from node_fixtures import Net, action, statuses, wires


def change_a_byte(db_path: Path, event_id: bytes, old: bytes, new: bytes) -> None:
    """Replace `old` by `new` (as long) in the stored body of `event_id`, by another connection."""
    with closing(sqlite3.connect(db_path)) as db, db:
        (body,) = db.execute("SELECT body FROM events WHERE id=?", (event_id,)).fetchone()
        assert old in body and len(old) == len(new)
        db.execute("UPDATE events SET body=? WHERE id=?", (body.replace(old, new), event_id))


def said_damaged(damaged: pytest.ExceptionInfo, event_id: bytes) -> bool:
    return event_id.hex()[:16] in str(damaged.value) and REBUILD_ADVICE in str(damaged.value)


def test_an_announced_address_with_a_changed_byte_is_not_dialled(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "calais.db")
    other = net.device_of(net.group)
    log.ingest(wires(net.group.made + net.device.made))
    announce = other.sign("node.announce", {"addresses": ["127.0.0.1:7001"]})
    log.ingest(wires([announce]))
    assert [body for _, _, body in log.store.announcements()]  # read as signed
    change_a_byte(tmp_path / "calais.db", announce.id, b"7001", b"7003")
    with pytest.raises(DatabaseDamaged) as damaged:
        log.store.newest_announcements(not_by=bytes(net.device.key.public))
    assert said_damaged(damaged, announce.id)


def test_a_sealed_action_with_a_changed_byte_is_said_not_dropped(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    texts = {"title": "Convoy to the border", "region": "calais", "type": "protest", "starts_at": "2031-06-01T05:00"}
    ev = publishing.publish(log, net.founder, "action", texts, to=["calais"])
    opener = Opener(net.founder.device_encryption)
    assert [r.data["title"] for r in opened_rows(log, opener).select("action")] == [texts["title"]]
    change_a_byte(tmp_path / "calais.db", ev.id, ev.body[40:44], bytes(b ^ 1 for b in ev.body[40:44]))
    with pytest.raises(DatabaseDamaged) as damaged:
        opened_rows(log, Opener(net.founder.device_encryption))
    assert said_damaged(damaged, ev.id)


def test_a_redaction_with_a_changed_byte_brings_nothing_back(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    first = net.device.sign("action", action(1))
    redaction = net.device.sign("redact", {"ids": [first.id]})
    assert statuses(log.ingest(wires([first, redaction]))) == ["accepted"] * 2
    assert log.store.redaction_bodies(bytes(net.founder.device.public))
    change_a_byte(tmp_path / "calais.db", redaction.id, first.id[:4], bytes(b ^ 1 for b in first.id[:4]))
    with pytest.raises(DatabaseDamaged) as damaged:
        log.store.redaction_bodies(bytes(net.founder.device.public))
    assert said_damaged(damaged, redaction.id)


def test_the_panic_wipe_still_reads_a_changed_body(net: Net, tmp_path: Path) -> None:
    """bodies_of_kinds is left unchecked on purpose: a damaged card must not stop a wipe."""
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    ev = publishing.publish(log, net.founder, "action", {"title": "Convoy", "region": "calais", "type": "protest",
                                                         "starts_at": "2031-06-01T05:00"}, to=["calais"])
    change_a_byte(tmp_path / "calais.db", ev.id, ev.body[40:44], bytes(b ^ 1 for b in ev.body[40:44]))
    assert [i for i, _ in log.store.bodies_of_kinds(["sealed"])] == [ev.id]


def flip_in_pending(db_path: Path, event_id: bytes, part: bytes) -> None:
    """Change one bit of `part` (the signature, say) in the kept-aside wire of `event_id`."""
    with closing(sqlite3.connect(db_path)) as db, db:
        (wire,) = db.execute("SELECT wire FROM pending WHERE id=?", (event_id,)).fetchone()
        at = wire.index(part) + len(part) // 2
        db.execute("UPDATE pending SET wire=? WHERE id=?", (wire[:at] + bytes([wire[at] ^ 1]) + wire[at + 1:], event_id))


def test_an_event_kept_aside_with_a_changed_byte_does_not_go_into_the_log(net: Net, tmp_path: Path) -> None:
    """An event kept aside (waiting for the vouch of its author) goes into the log when the vouch
    comes, without its signature checked again: with a changed byte it went in under the id of the
    changed bytes (so every later read found it whole), and every peer refused it as badly signed."""
    log = net.new_log(tmp_path / "calais.db")
    other = net.device_of(net.group)
    *before, vouch = net.group.made
    log.ingest(wires(before))
    early = other.sign("action", action(1))
    assert statuses(log.ingest(wires([early]))) == ["pending"]
    flip_in_pending(tmp_path / "calais.db", early.id, early.signature)
    with pytest.raises(DatabaseDamaged) as damaged:
        log.ingest(wires([vouch]))
    assert said_damaged(damaged, early.id)
