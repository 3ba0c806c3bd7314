"""A changed byte in what the store keeps beside the events, neither signed nor hashed (real SQLite
file): the trust graph's version, and the index of each author's newest event.

The trust graph's version is only ever compared for a change. It was read as a number at every trust
change, so one changed byte (a failing SD card: '3' read as 's') made every trust event after it
fail to store with a ValueError, the write rolled back: no revocation ever reached that log, and
a revoked infiltrator kept every right there."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crypto.keys import SigningKey
from node.log import EventLog
from node.store import DatabaseDamaged, Store
from node_fixtures import Net, device_vouch, statuses, wires


def test_a_damaged_trust_version_does_not_keep_a_revocation_out(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    phone = net.device_of(net.group)  # a second device of the group, its vouch in net.group.made
    assert set(statuses(log.ingest(wires(net.group.made)))) == {"accepted"}
    other = EventLog(Store(tmp_path / "a.db"))  # another process on the same home (a command beside the node)
    other.refresh_trust()
    with sqlite3.connect(tmp_path / "a.db") as db:
        (version,) = db.execute("SELECT value FROM meta WHERE key='trust_version'").fetchone()
        db.execute("UPDATE meta SET value=? WHERE key='trust_version'", (bytes([version[0] ^ 0x40]) + version[1:],))
    revocation = net.group.sign("member.revoke", {"subject": bytes(phone.key.public), "from_seq": 1,
                                                   "reason": "seized"})
    assert statuses(log.ingest(wires([revocation]))) == ["accepted"]
    assert log.trust.member(bytes(phone.key.public)).revoked_from == 1
    other.refresh_trust()  # the change is seen by every process
    assert other.trust.member(bytes(phone.key.public)).revoked_from == 1
    # and the next trust change counts again from there
    later = net.group.sign("member.vouch", device_vouch(net.group.key, SigningKey.generate(), bytes(32)))
    assert statuses(log.ingest(wires([later]))) == ["accepted"]


@pytest.mark.parametrize("damage", ["id", "seq"])
def test_a_damaged_head_of_another_author_is_said_not_taken_for_its_fork(net: Net, tmp_path: Path,
                                                                        damage: str) -> None:
    """The index of each author's newest event (`heads`) is neither signed nor hashed. With a
    changed byte in a member's head id, its next event (whose prev is its last event's id) was taken
    for a fork: the honest device frozen here and its events from there taken out of the log."""
    log = net.new_log(tmp_path / "a.db")
    first, second = net.device.sign("need", {"category": "water", "quantity": 3, "region": "calais"}), \
        net.device.sign("need", {"category": "tents", "quantity": 2, "region": "calais"})
    assert set(statuses(log.ingest(wires(net.group.made + [first, second])))) == {"accepted"}
    log.store.close()
    device = bytes(net.device.key.public)
    with sqlite3.connect(tmp_path / "a.db") as db:
        k, head_id = db.execute("SELECT k, id FROM heads JOIN keys USING (k) WHERE key=?", (device,)).fetchone()
        if damage == "id":
            db.execute("UPDATE heads SET id=? WHERE k=?", (bytes([head_id[0] ^ 0x01]) + head_id[1:], k))
        else:  # 2 read as 3
            db.execute("UPDATE heads SET seq=seq+1 WHERE k=?", (k,))
    log = EventLog(Store(tmp_path / "a.db"))
    third = net.device.sign("need", {"category": "food", "quantity": 9, "region": "calais"})
    with pytest.raises(DatabaseDamaged):
        log.ingest(wires([third]))
    assert log.trust.fork_point(device) is None and log.store.id_at(device, 2) == second.id


def _set_head_seq(path: Path, author: bytes, seq: int) -> None:
    with sqlite3.connect(path) as db:
        db.execute("UPDATE heads SET seq=? WHERE k=(SELECT k FROM keys WHERE key=?)", (seq, author))


@pytest.mark.parametrize("seq", [-5, 0])
def test_a_head_read_below_one_is_said_as_damage_not_a_stall(net: Net, tmp_path: Path, seq: int) -> None:
    """A head's row exists only for an author with a stored event: its seq is at least 1. Read as
    -5 (a flipped byte, a bad restore), the checks that follow a head passed it (no event between
    -5 and -4), and the author's next event waited aside forever "for seq -4": a silent stall. It is
    damage, said with what mends it, and `rebuild` counts the index again from the events."""
    path = tmp_path / "a.db"
    log = net.new_log(path)
    first = net.device.sign("need", {"category": "water", "quantity": 3, "region": "calais"})
    assert set(statuses(log.ingest(wires(net.group.made + [first])))) == {"accepted"}
    log.store.close()
    device = bytes(net.device.key.public)
    _set_head_seq(path, device, seq)
    log = EventLog(Store(path))
    second = net.device.sign("need", {"category": "tents", "quantity": 2, "region": "calais"})
    with pytest.raises(DatabaseDamaged, match="solnet rebuild"):
        log.ingest(wires([second]))
    with pytest.raises(DatabaseDamaged, match="solnet rebuild"):
        log.store.heads()  # what a sync round compares
    assert not log.store.is_pending(second.id)  # not kept aside to wait for an event no chain has

    log.rebuild()
    assert log.store.head(device) == (1, first.id)
    assert statuses(log.ingest(wires([second]))) == ["accepted"]


def test_own_head_read_negative_refuses_a_publish_as_damage(net: Net, tmp_path: Path) -> None:
    """This device's own head read as -5: a publish said something else than what is wrong (the
    seq it would sign, -4, is no seq); it is damage, and nothing is signed."""
    path = tmp_path / "a.db"
    log = net.new_log(path)
    assert set(statuses(log.ingest(wires(net.group.made)))) == {"accepted"}
    log.append(net.device.key, "need", {"category": "water", "quantity": 3, "region": "calais"})
    log.store.close()
    device = bytes(net.device.key.public)
    _set_head_seq(path, device, -5)
    log = EventLog(Store(path))
    with pytest.raises(DatabaseDamaged, match="solnet rebuild") as raised:
        log.append(net.device.key, "need", {"category": "tents", "quantity": 2, "region": "calais"})
    assert raised.value.exit_code == 4
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM events WHERE kind='need'").fetchone() == (1,)
    log.rebuild()
    log.append(net.device.key, "need", {"category": "tents", "quantity": 2, "region": "calais"})
    assert log.store.head(device)[0] == 2


def test_a_head_whose_id_is_cut_short_is_said_as_such(net: Net, tmp_path: Path) -> None:
    """check_heads said "holds seq 1, which no event has" of a head whose seq is right and whose
    id is what was damaged: the operator was told a wrong fact."""
    path = tmp_path / "a.db"
    log = net.new_log(path)
    assert set(statuses(log.ingest(wires(net.group.made)))) == {"accepted"}
    log.store.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE heads SET id=substr(id, 1, 31) WHERE k=(SELECT min(k) FROM heads)")
    with pytest.raises(DatabaseDamaged, match="solnet rebuild") as raised:
        EventLog(Store(path)).store.heads()
    assert "which no event has" not in str(raised.value) and "an event id of 31 bytes" in str(raised.value), raised.value
