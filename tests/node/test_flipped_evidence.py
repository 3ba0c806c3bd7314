"""A flipped byte in a fork's kept evidence (a failing SD card): the proof a node sends its peers
about a forked key must not go out changed, or every peer refuses it as badly signed (25 penalty
points each) and bans the honest node after a few rounds; nor a changed vouch count at start. It is
said as a damaged database."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from node.log import EventLog
from node.store import DatabaseDamaged, Store
from node.store.errors import REBUILD_ADVICE
from node_fixtures import Net, wires
from test_pinned_revocation import Seizure


@pytest.mark.parametrize("table", ["forks", "frozen_revocations", "frozen_claims"])
def test_kept_evidence_with_a_changed_byte_is_not_sent(tmp_path: Path, table: str) -> None:
    world = Seizure()
    log = world.log(tmp_path / "calais.db")
    log.ingest([e.encode() for e in world.past + world.dovers + world.thief])
    phone = world.pub("phone")
    evidence = log.store.fork_evidence(phone)
    with closing(sqlite3.connect(tmp_path / "calais.db")) as db, db:
        row = db.execute(f"SELECT id, wire FROM {table} WHERE author=? LIMIT 1", (phone,)).fetchone()
        if row is None:
            pytest.skip(f"this fork keeps nothing in {table}")
        event_id, wire = row
        changed = bytearray(wire)
        changed[-70] ^= 0x01  # inside the signature or the body
        db.execute(f"UPDATE {table} SET wire=? WHERE id=?", (bytes(changed), event_id))
    assert bytes(changed) not in evidence
    with pytest.raises(DatabaseDamaged) as damaged:
        log.store.fork_evidence(phone)
    assert event_id.hex()[:16] in str(damaged.value) and REBUILD_ADVICE in str(damaged.value)


def test_a_vouch_with_a_changed_byte_stops_the_log_from_opening(net: Net, tmp_path: Path) -> None:
    """Who is a member is read from the stored vouches at every start: a changed byte in one could
    change who counts (a key, a role), so the log does not open on it, and says why."""
    net.new_log(tmp_path / "a.db").ingest(wires(net.group.made))
    with closing(sqlite3.connect(tmp_path / "a.db")) as db, db:
        event_id, body = db.execute("SELECT id, body FROM events WHERE kind='member.vouch' LIMIT 1").fetchone()
        changed = bytearray(body)
        changed[len(changed) // 2] ^= 0x01
        db.execute("UPDATE events SET body=? WHERE id=?", (bytes(changed), event_id))
    with pytest.raises(DatabaseDamaged) as damaged:
        EventLog(Store(tmp_path / "a.db"))
    assert event_id.hex()[:16] in str(damaged.value) and REBUILD_ADVICE in str(damaged.value)
