"""An expired body leaves every file of a home, from wherever an event waits out of the log too.

A seized node's SD card is read whole. Expiry dropped the bodies of events in the log, but the
events a node keeps out of it kept theirs: the proof of a fork (kept for good, both events whole:
a raid alert's text outlived its expiry on every node that saw the fork), the events of a forked
device kept for a pin, and the events kept aside (waiting for their author's vouch or an earlier
seq, or past a revocation point), until they aged out, and then their pages stayed in the file
until a checkpoint. Now each goes at its expiry, by the node's 30 s sweep as by an ingest, and its
space is given back (incremental vacuum, WAL truncated) as a dropped body's is.
"""
from __future__ import annotations

from pathlib import Path

from node.log import now_ms
from node.pending_queue import PENDING_LIMITS
from node_fixtures import Net, action, wires
from test_pinned_revocation import Seizure

TEXT = "police at the Rue de Moscou camp"  # the phone's alert (test_pinned_revocation.Seizure)
ALERT = "raid at the Rue Mollien squat, Karim hiding at number 12"


def files_holding(folder: Path, text: str) -> list[str]:
    return sorted(f.name for f in folder.iterdir() if f.is_file() and text.encode() in f.read_bytes())


def test_an_alert_taken_out_by_a_fork_leaves_every_file_at_its_expiry(tmp_path: Path) -> None:
    world = Seizure()
    log = world.log(tmp_path / "calais.db")
    log.ingest([e.encode() for e in world.past + world.dovers + world.thief[:1]])  # the phone's alert, a fork
    assert files_holding(tmp_path, TEXT)
    log.purge_expired(world.past[0].header.expires + 1)  # the node's sweep, no ingest after it
    assert files_holding(tmp_path, TEXT) == []
    proof = log.store.fork_evidence(world.pub("phone"))
    assert proof and all(TEXT.encode() not in w for w in proof)  # the proof is headers and signatures


def test_an_alert_kept_aside_leaves_every_file_at_its_expiry(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    now = now_ms()
    net.device.sign("action", action(1), ts=now)  # seq 1: not here yet, so seq 2 waits aside
    alert = net.device.sign("alert", {"region": "calais", "type": "raid", "text": ALERT}, ts=now,
                            expires=now + 60_000)
    assert [o.status for o in log.ingest([alert.encode()], now=now)] == ["pending"]
    assert files_holding(tmp_path, ALERT)
    log.purge_expired(now + 61_000)
    assert files_holding(tmp_path, ALERT) == [] and log.store.pending_count() == 1  # it waits on, as a stub
    late = net.device.sign("alert", {"region": "calais", "type": "raid", "text": ALERT + "!"}, ts=now,
                           expires=now + 60_000, seq=3, prev=alert.id)
    log.ingest([late.encode()], now=now + 61_000)  # expired when it comes: kept as a stub at once
    assert files_holding(tmp_path, ALERT) == []


def test_an_event_kept_aside_too_long_leaves_every_file(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    now = now_ms()
    net.device.sign("action", action(1), ts=now)
    need = net.device.sign("need", {"category": "tents", "quantity": 3, "region": "calais", "notes": ALERT}, ts=now)
    log.ingest([need.encode()], now=now)
    log.store.checkpoint()  # the row's page is in the database file now, not only in the WAL
    log.purge_expired(now + PENDING_LIMITS.max_age_ms + 1)
    assert log.store.pending_count() == 0 and files_holding(tmp_path, ALERT) == []
