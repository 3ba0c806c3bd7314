"""A round counts only on the copy of the home that made it (node/chain_gate.py). A backup or a copy
(`cp -r`, a cloned card) carries the record of the original's last round: taken minutes after it,
the copy signed on its strength, at seqs the original used since, and forked its device key."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from events.errors import InvalidEvent
from node import chain_gate
from node.chain_gate import CLOSED, OPEN, WAIT
from node.home import Home
from node.log import EventLog, now_ms
from node.store import Store
from node_fixtures import Net, action, statuses, wires

ROOT = Path(__file__).resolve().parents[2]


def _founded(net: Net, path: Path) -> EventLog:
    path.parent.mkdir(parents=True, exist_ok=True)
    log = net.new_log(path)
    log.ingest(wires(net.group.made))
    with log.store.write():
        log.store.save_peer("http://127.0.0.1:7700", "config")
    return log


def _refusal(log: EventLog, net: Net) -> str:
    with pytest.raises(InvalidEvent) as refused:
        log.append(net.founder.device, "action", action(99))
    assert refused.value.reason == chain_gate.NOT_CAUGHT_UP
    return str(refused.value)


def test_a_backup_taken_just_after_a_sync_signs_nothing_before_a_round_of_its_own(net: Net, tmp_path: Path) -> None:
    original = _founded(net, tmp_path / "home" / "solnet.db")
    chain_gate.round_completed(original.store, now_ms(), None)  # `solnet sync`, then the backup at once
    device = net.founder.device
    first = original.append(device, "action", action(1))
    original.store.checkpoint()
    shutil.copytree(tmp_path / "home", tmp_path / "backup")
    newer = [original.append(device, "action", action(i)) for i in (2, 3)]  # the original goes on: not held
    peer = _founded(net, tmp_path / "peer.db")
    assert statuses(peer.ingest(wires([first, *newer]))) == ["accepted"] * 3

    restored = EventLog(Store(tmp_path / "backup" / "solnet.db"))  # restored minutes later, elsewhere
    assert chain_gate.state_now(restored.store, now_ms()) == CLOSED
    said = _refusal(restored, net)
    assert "restored from a backup or copied" in said and "sequence number" in said, said
    assert "solnet sync PEER" in said and "--offline" in said and "freezes this device" in said, said
    assert restored.store.head(bytes(device.public))[0] == 1, "a refused publish stored something"

    ours = [wire for _, wire in peer.store.range_wire(bytes(device.public), 1, 99, 99)]
    assert statuses(restored.ingest(ours)) == ["duplicate", "accepted", "accepted"]
    chain_gate.round_completed(restored.store, now_ms(), None)  # its own round: it continues after them
    after = restored.append(device, "action", action(4))
    assert after.seq == 4 and statuses(peer.ingest(wires([after]))) == ["accepted"]
    assert peer.store.fork_count() == 0


def test_a_copy_of_a_running_caught_up_home_does_not_sign_on_its_nodes_round(net: Net, tmp_path: Path) -> None:
    """A thief's (or a user's moving to a new Pi) `cp -r` of a home whose node runs and has synced.
    The record names that node's pid, here this test's: a process of the copy with that pid (pids
    repeat from one machine's boot to another's) took itself for the node and signed."""
    home = tmp_path / "home"
    original = _founded(net, home / "solnet.db")
    lock = Home(home).lock_node()  # this process plays the node running on the original
    try:
        started = now_ms()
        chain_gate.node_started(original.store, started)
        chain_gate.round_completed(original.store, now_ms(), started)
        assert chain_gate.state_now(original.store, now_ms()) == OPEN
        original.store.checkpoint()
        shutil.copytree(home, tmp_path / "copy", ignore=shutil.ignore_patterns("node.lock"))
    finally:
        os.close(lock)
    copy = EventLog(Store(tmp_path / "copy" / "solnet.db"))
    assert chain_gate.wait_for_node(copy.store, timeout_s=5) == CLOSED  # said at once: no node runs on the copy
    assert "restored from a backup or copied" in _refusal(copy, net)

    # A node started on the copy waits for its own first round, says why, and its start does not
    # make the original's round its own: stopped before that round, the copy still signs nothing.
    assert chain_gate.node_started(copy.store, now_ms()) is True
    assert chain_gate.state_now(copy.store, now_ms()) == WAIT
    assert "restored from a backup or copied" in _refusal(copy, net)
    assert chain_gate.load(copy.store).confirmed == 0
    with copy.store.write():  # that node gone (another pid), as after a stop
        state = json.loads(copy.store.get_meta(chain_gate.META_KEY))
        copy.store.set_meta(chain_gate.META_KEY, json.dumps({**state, "pid": 1}).encode())
    assert chain_gate.state_now(copy.store, now_ms()) == CLOSED
    assert "restored from a backup or copied" in _refusal(copy, net)
    chain_gate.round_completed(copy.store, now_ms(), None)
    assert chain_gate.state_now(copy.store, now_ms()) == OPEN and not chain_gate.load(copy.store).restored


def test_a_node_stopped_on_its_own_home_keeps_its_round(net: Net, tmp_path: Path) -> None:
    """Not held again for nothing: a node's round, recorded by another process that has ended (the
    node, stopped cleanly), still counts for a publish on the same home minutes later. (One that
    ended without its clean stop, killed or cut off, does not: it may have lost its newest writes.)"""
    log = _founded(net, tmp_path / "home" / "solnet.db")

    def node_ran(stop: str) -> None:
        node = subprocess.run([sys.executable, "-c", (
            "import sys; from node import chain_gate; from node.log import now_ms; from node.store import Store\n"
            "store = Store(sys.argv[1]); started = now_ms()\n"
            "assert chain_gate.node_started(store, started) is False\n"
            f"chain_gate.round_completed(store, now_ms(), started)\n{stop}\n"), str(log.store.path)],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert node.returncode == 0, node.stderr

    node_ran("")  # killed
    assert chain_gate.load(log.store).pid not in (None, os.getpid())  # that process, ended
    assert chain_gate.state_now(log.store, now_ms()) == CLOSED
    node_ran("chain_gate.node_stopped(store)")  # stopped cleanly
    assert chain_gate.load(log.store).pid is None
    assert chain_gate.state_now(log.store, now_ms()) == OPEN
    assert log.append(net.founder.device, "action", action(1)).seq == 1


def test_a_round_made_before_the_machine_restarted_does_not_count_after(
        net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cloned SD card (or disk image) keeps the database's inode: it is told by the boot it runs
    in, as a reboot is (then `solnet sync` or the node's first round)."""
    boot = tmp_path / "boot_id"
    boot.write_text("first boot\n")
    monkeypatch.setattr(chain_gate, "BOOT_ID", boot)
    chain_gate._boot_id.cache_clear()
    try:
        log = _founded(net, tmp_path / "home" / "solnet.db")
        chain_gate.round_completed(log.store, now_ms(), None)
        assert chain_gate.state_now(log.store, now_ms()) == OPEN
        boot.write_text("the clone's boot\n")
        chain_gate._boot_id.cache_clear()
        assert chain_gate.state_now(log.store, now_ms()) == CLOSED
        assert "nor since this machine started" in _refusal(log, net)
    finally:
        chain_gate._boot_id.cache_clear()



def test_a_file_made_again_in_place_is_another_copy_even_with_the_freed_inode(tmp_path: Path) -> None:
    """A home deleted and its backup copied back to the same path: the new database file often gets
    the freed inode number again (ext4 takes the lowest free one), so the inode did not tell it from
    the original, and a CI run's restored home signed on the original's round. The file's birth
    time (statx) is new with every file."""
    path = tmp_path / "solnet.db"
    path.write_bytes(b"the original")
    original = chain_gate.this_copy(path), os.stat(path).st_ino
    for _ in range(20):  # bounded: most file systems here give the inode back at once
        path.unlink()
        path.write_bytes(b"the backup")
        if os.stat(path).st_ino == original[1]:
            break
    else:
        pytest.skip("this file system did not give the freed inode back")
    assert chain_gate.this_copy(path) != original[0]


STARTING = """
import sys
from pathlib import Path
from node.home import Home
Home(Path(sys.argv[1])).mark_starting()
print("marked", flush=True)
sys.stdin.read()
"""


def test_a_restored_home_with_a_node_starting_on_it_is_not_told_to_start_one(net: Net, tmp_path: Path) -> None:
    """A `solnet run` starting on a restored home (at its passphrase prompt, opening its database)
    holds the starting mark: a command signing meanwhile waits for it (vouch, revoke: bounded), and
    if still refused is told that the node starting syncs first, not to start the node (a second
    `solnet run` is refused: one is starting)."""
    home = tmp_path / "home"
    original = _founded(net, home / "solnet.db")
    chain_gate.round_completed(original.store, now_ms(), None)
    original.store.close()
    shutil.copytree(home, tmp_path / "backup")
    restored = EventLog(Store(tmp_path / "backup" / "solnet.db"))
    assert "Start the node" in _refusal(restored, net)
    node = subprocess.Popen([sys.executable, "-c", STARTING, str(tmp_path / "backup")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert node.stdout.readline() == "marked\n"
        assert chain_gate.node_coming(restored.store)
        said = _refusal(restored, net)
        assert "The node starting on this home syncs with a peer" in said and "Start the node" not in said, said
        assert chain_gate.wait_for_node(restored.store, 60, coming=False) == CLOSED  # (hands it to the node)
        waited = []

        def node_stops() -> None:  # (it had not put its start on record: the wait ends with it)
            waited.append(True)
            node.stdin.close()

        assert chain_gate.wait_for_node(restored.store, 60, on_wait=node_stops) == CLOSED and waited
        assert not chain_gate.node_coming(restored.store)
    finally:
        node.kill()
        node.wait(10)
        node.stdout.close()
    assert "Start the node" in _refusal(restored, net)


def _peer_at(log: EventLog, address: str, device: bytes) -> None:
    with log.store.write():
        log.store.save_peer(address, "config", json.dumps({"device": device.hex()}))


def test_a_restored_home_with_two_peers_waits_for_the_word_of_both(net: Net, tmp_path: Path) -> None:
    """The peer reachable first may lack the device's newest event (published to another peer only):
    signing on its word alone forked the device on every node. With two configured peers, a restored
    home signs once both (two distinct devices) have completed a round; the refusal names the other."""
    calais, bristol = b"\x01" * 32, b"\x02" * 32
    original = _founded(net, tmp_path / "home" / "solnet.db")  # its peer http://127.0.0.1:7700
    _peer_at(original, "http://127.0.0.1:7700", calais)
    _peer_at(original, "http://127.0.0.1:7701", bristol)
    chain_gate.round_completed(original.store, now_ms(), None, calais)
    assert chain_gate.state_now(original.store, now_ms()) == OPEN  # not restored: one round is enough
    original.store.checkpoint()
    shutil.copytree(tmp_path / "home", tmp_path / "backup")
    restored = EventLog(Store(tmp_path / "backup" / "solnet.db"))

    chain_gate.round_completed(restored.store, now_ms(), None, bristol)  # `solnet sync` with Bristol
    chain_gate.round_completed(restored.store, now_ms(), None, bristol)  # (again: still one peer's word)
    assert chain_gate.state_now(restored.store, now_ms()) == CLOSED
    said = _refusal(restored, net)
    assert "2 distinct peers" in said and "http://127.0.0.1:7700" in said, said
    assert "http://127.0.0.1:7701" not in said and "solnet sync http://127.0.0.1:7700" in said, said
    assert "--offline" in said, said

    started = now_ms()  # a node started on it still waits, and Bristol's word is kept
    chain_gate.node_started(restored.store, started)
    chain_gate.round_completed(restored.store, now_ms(), started, bristol)
    assert chain_gate.state_now(restored.store, now_ms()) == WAIT
    assert "http://127.0.0.1:7700" in _refusal(restored, net)
    chain_gate.round_completed(restored.store, now_ms(), started, calais)
    assert chain_gate.state_now(restored.store, now_ms()) == OPEN
    assert chain_gate.awaited(restored.store) is None and not chain_gate.load(restored.store).restored

    # An ordinary restart of that home: one round with any peer opens signing, as before.
    again = now_ms()
    chain_gate.node_started(restored.store, again)
    assert chain_gate.state_now(restored.store, now_ms()) == WAIT
    chain_gate.round_completed(restored.store, now_ms(), again, bristol)
    assert chain_gate.state_now(restored.store, now_ms()) == OPEN


def test_a_restored_home_with_one_peer_signs_after_its_round(net: Net, tmp_path: Path) -> None:
    """A two-node network: its one peer's round is all the word there is."""
    original = _founded(net, tmp_path / "home" / "solnet.db")
    _peer_at(original, "http://127.0.0.1:7700", b"\x01" * 32)
    chain_gate.round_completed(original.store, now_ms(), None, b"\x01" * 32)
    original.store.checkpoint()
    shutil.copytree(tmp_path / "home", tmp_path / "backup")
    restored = EventLog(Store(tmp_path / "backup" / "solnet.db"))
    assert chain_gate.state_now(restored.store, now_ms()) == CLOSED
    assert "distinct peers" not in _refusal(restored, net)
    started = now_ms()
    chain_gate.node_started(restored.store, started)
    chain_gate.round_completed(restored.store, now_ms(), started, b"\x01" * 32)
    assert chain_gate.state_now(restored.store, now_ms()) == OPEN
