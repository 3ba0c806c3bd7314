"""Restore without forking (node/chain_gate.py): a home that talks to peers signs its own events
only once it has caught up with them, so a home restored from an old backup continues its chain
after the network's newest events instead of forking it."""
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
from node.chain_gate import CLOSED, CONFIRM_FRESH_MS, OPEN, WAIT, ChainState, decide
from node.home import Home
from node.log import EventLog, now_ms
from node.store import Store
from node_fixtures import Net, action, statuses, wires

NOW = 1_800_000_000_000


@pytest.mark.parametrize("state, has_peers, alive, this, verdict", [
    (None, False, False, False, OPEN),  # a lone home that never synced: nothing to catch up from
    (None, True, False, False, CLOSED),  # peers, never synced
    (ChainState(None, None, NOW - 60_000), True, False, False, OPEN),  # `solnet sync` a minute ago
    (ChainState(None, None, NOW - CONFIRM_FRESH_MS - 1), True, False, False, CLOSED),  # an old backup
    (ChainState(None, None, NOW - 60_000), False, False, False, OPEN),
    (ChainState(None, None, NOW - CONFIRM_FRESH_MS - 1), False, False, False, CLOSED),  # synced once, long ago
    (ChainState(7, NOW - 5000, NOW - 9000), True, True, False, WAIT),  # running, not synced since its start
    (ChainState(7, NOW - 5000, None), True, False, True, WAIT),  # the node itself, before its first round
    (ChainState(7, NOW - 5000, NOW - 1000), True, True, False, OPEN),  # running and caught up
    (ChainState(None, None, NOW - 1000), True, False, False, OPEN),  # its node stopped cleanly a second ago
    # Its node gone without a clean stop (killed, a power cut): it may have lost its newest writes.
    (ChainState(7, NOW - 5000, NOW - 1000), True, False, False, CLOSED),
    (ChainState(7, NOW - 5000, NOW - 1000, True), True, False, False, CLOSED),
    (ChainState(7, NOW - 10**9, NOW - 10**9 + 5), True, False, False, CLOSED),  # restored copy of a running home
    (ChainState(None, None, 0), False, False, False, CLOSED),  # joined again after losing its database
    # Said by the node (caught_up), whatever the times: its clock may have been set back since it started.
    (ChainState(7, NOW, NOW - 7_200_000, True), True, True, False, OPEN),
    (ChainState(7, NOW - 7_200_000, NOW, False), True, True, False, WAIT),  # an earlier run's round
])
def test_decide(state, has_peers, alive, this, verdict) -> None:
    assert decide(state, has_peers=has_peers, node_alive=alive, this_process=this, now=NOW, same_copy=True) == verdict


@pytest.mark.parametrize("state, has_peers, verdict", [
    (None, False, CLOSED),  # a lone home whose keys last signed in another file: its bundles may hold more
    (ChainState(7, NOW - 5000, None, False), False, CLOSED),  # (its node running changes nothing: no round comes)
    (None, True, CLOSED),  # with peers: held as any home that never synced
    (ChainState(None, None, NOW - 60_000), True, OPEN),  # with peers: its round opens it, as before
])
def test_a_lone_home_that_signed_in_another_file_is_held(state, has_peers, verdict) -> None:
    assert decide(state, has_peers=has_peers, node_alive=False, this_process=False, now=NOW, same_copy=True,
                  moved=True) == verdict


@pytest.mark.parametrize("state, has_peers, verdict", [
    (None, False, OPEN),  # nothing on record: as above
    (ChainState(None, None, None), False, OPEN),  # a lone home that never synced, copied: nothing to catch up from
    (ChainState(7, NOW - 5000, None, False), True, CLOSED),
    (ChainState(None, None, NOW - 60_000), True, CLOSED),  # the original's `solnet sync` a minute ago
    (ChainState(None, None, NOW - 60_000), False, CLOSED),  # (its peers removed: it synced, so it may be behind)
    (ChainState(7, NOW - 5000, NOW - 1000, True), True, CLOSED),  # the original's node, caught up
])
def test_another_copys_round_says_only_that_the_home_synced_before(state, has_peers, verdict) -> None:
    for alive, this in ((False, False), (True, False), (False, True)):  # whatever its pid names here
        assert decide(state, has_peers=has_peers, node_alive=alive, this_process=this, now=NOW,
                      same_copy=False) == verdict


def _founded(net: Net, path: Path) -> EventLog:
    path.parent.mkdir(parents=True, exist_ok=True)
    log = net.new_log(path)
    log.ingest(wires(net.group.made))
    return log


def _add_peer(log: EventLog) -> None:
    with log.store.write():
        log.store.save_peer("http://127.0.0.1:7700", "config")


def test_a_restored_home_continues_after_its_newer_events_instead_of_forking(net: Net, tmp_path: Path) -> None:
    original = _founded(net, tmp_path / "home" / "solnet.db")
    _add_peer(original)
    chain_gate.round_completed(original.store, now_ms(), None)  # it syncs with its peer as it publishes
    device = net.founder.device
    first = original.append(device, "action", action(1))
    original.store.checkpoint()
    shutil.copytree(tmp_path / "home", tmp_path / "backup")  # the backup: events up to seq 1
    newer = [original.append(device, "action", action(i)) for i in (2, 3)]
    peer = _founded(net, tmp_path / "peer.db")
    assert statuses(peer.ingest(wires([first, *newer]))) == ["accepted"] * 3

    restored = EventLog(Store(tmp_path / "backup" / "solnet.db"))
    with restored.store.write():  # the backup's last sync is long past by the time it is restored
        restored.store.set_meta(chain_gate.META_KEY, b'{"pid": null, "started": null, "confirmed": 1}')
    with pytest.raises(InvalidEvent) as refused:
        restored.append(device, "action", action(4))
    assert refused.value.reason == chain_gate.NOT_CAUGHT_UP and "restored from a backup" in str(refused.value)
    assert restored.store.head(bytes(device.public))[0] == 1, "a refused publish stored something"

    # One anti-entropy round: the peer's events of our own key are ordinary, valid events.
    ours = [wire for _, wire in peer.store.range_wire(bytes(device.public), 1, 99, 99)]
    assert statuses(restored.ingest(ours)) == ["duplicate", "accepted", "accepted"]
    chain_gate.round_completed(restored.store, now_ms(), None)
    after = restored.append(device, "action", action(4))
    assert after.seq == 4 and after.header.prev == newer[-1].id
    assert statuses(peer.ingest(wires([after]))) == ["accepted"]
    assert peer.store.fork_count() == 0


def test_without_the_gate_the_restored_home_would_fork(net: Net, tmp_path: Path) -> None:
    """What the gate prevents: `offline` signs at once, at a seq the network already holds."""
    original = _founded(net, tmp_path / "home" / "solnet.db")
    original.store.checkpoint()
    shutil.copytree(tmp_path / "home", tmp_path / "backup")
    newer = original.append(net.founder.device, "action", action(1))
    peer = _founded(net, tmp_path / "peer.db")
    peer.ingest(wires([newer]))
    restored = EventLog(Store(tmp_path / "backup" / "solnet.db"))
    _add_peer(restored)
    forked = restored.append(net.founder.device, "action", action(2), offline=True)
    assert forked.seq == newer.seq
    [outcome] = peer.ingest(wires([forked]))
    assert outcome.reason == "fork"


def test_a_running_node_signs_only_after_its_first_round_since_start(net: Net, tmp_path: Path) -> None:
    log = _founded(net, tmp_path / "a.db")
    _add_peer(log)
    chain_gate.round_completed(log.store, now_ms() - 1000, None)  # synced before this start
    started = now_ms()
    chain_gate.node_started(log.store, started)  # this process plays the node
    with pytest.raises(InvalidEvent, match="first sync"):
        log.append(net.founder.device, "action", action(1))
    assert chain_gate.wait_for_node(log.store, timeout_s=5) == WAIT  # the node itself is never made to wait
    chain_gate.round_completed(log.store, now_ms(), started)
    assert log.append(net.founder.device, "action", action(1)).seq == 1
    state = chain_gate.load(log.store)
    assert (state.pid, state.started, state.caught_up, state.copy) == (
        os.getpid(), started, True, chain_gate.this_copy(log.store.path))


def test_a_clock_set_back_after_the_start_does_not_hold_the_nodes_publishing(net: Net, tmp_path: Path) -> None:
    """A laptop whose hardware clock keeps local time boots two hours ahead; its node starts, then
    the time server sets the clock back, and the node's first round ends "before" its start. That
    round counts: the node publishes at once (the times alone held it for two hours)."""
    log = _founded(net, tmp_path / "a.db")
    _add_peer(log)
    started = now_ms() + 7_200_000  # the clock two hours ahead at the start
    chain_gate.node_started(log.store, started)
    assert chain_gate.state_now(log.store, now_ms()) == WAIT
    chain_gate.round_completed(log.store, now_ms(), started)  # the clock is right again
    assert chain_gate.state_now(log.store, now_ms()) == OPEN
    assert log.append(net.founder.device, "action", action(1)).seq == 1
    # Set back after a round: `confirmed` is written again rather than left ahead of the clock.
    with log.store.write():
        log.store.set_meta(chain_gate.META_KEY, json.dumps(
            {"pid": os.getpid(), "started": started, "confirmed": started + 1000, "caught_up": True}).encode())
    chain_gate.round_completed(log.store, now_ms(), started)
    assert chain_gate.load(log.store).confirmed <= now_ms()


def test_a_state_written_by_an_earlier_version_says_only_that_the_home_synced(net: Net, tmp_path: Path) -> None:
    """It names no copy of the home: it may be a backup's, restored minutes after its last round."""
    log = _founded(net, tmp_path / "a.db")
    _add_peer(log)
    for state in ({"pid": None, "started": None, "confirmed": now_ms() - 1000},
                  {"pid": os.getpid(), "started": now_ms() - 5000, "confirmed": now_ms() - 1000, "caught_up": True}):
        with log.store.write():
            log.store.set_meta(chain_gate.META_KEY, json.dumps(state).encode())
        assert chain_gate.load(log.store).copy is None
        assert chain_gate.state_now(log.store, now_ms()) == CLOSED
    chain_gate.round_completed(log.store, now_ms(), None)  # the first sync after the upgrade
    assert chain_gate.state_now(log.store, now_ms()) == OPEN


def test_a_lone_node_is_never_held(net: Net, tmp_path: Path) -> None:
    log = _founded(net, tmp_path / "a.db")
    chain_gate.node_started(log.store, now_ms())
    assert log.append(net.founder.device, "action", action(1)).seq == 1


def test_a_key_cannot_revoke_itself_from_its_own_revocation_or_earlier(net: Net, tmp_path: Path) -> None:
    """It would purge the revocation with the rest, and every node would forget it was revoked."""
    log = _founded(net, tmp_path / "a.db")
    device = bytes(net.founder.device.public)
    log.append(net.founder.device, "action", action(1))
    with pytest.raises(InvalidEvent, match="revoking itself"):
        log.append(net.founder.device, "member.revoke", {"subject": device, "from_seq": 2})
    log.append(net.founder.device, "member.revoke", {"subject": device, "from_seq": 3})
    assert log.trust.member(device).revoked_from == 3
    assert log.store.head(device)[0] == 2


STRANGER = """import fcntl, os, sys
assert sys.stdin.readline() == "lock\\n"
fd = os.open(sys.argv[3], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.ftruncate(fd, 0)
os.pwrite(fd, f"{os.getpid()}\\n".encode(), 0)
print("held", flush=True)
assert sys.stdin.readline() == "unlock\\n"
os.close(fd)
print("let go", flush=True)
sys.stdin.read()
"""


def test_a_copy_naming_a_live_solnet_process_that_runs_another_home_is_not_trusted(net: Net, tmp_path: Path) -> None:
    """The state names the pid of the node that wrote it; in a copy of the home (a backup restored
    on the same machine, a home copied beside the one running) that pid may be a live solnet
    process, or a pid reused by one, running another home. Only the node holding this home's
    node lock counts as running on it."""
    home = tmp_path / "copy"
    log = _founded(net, home / "solnet.db")
    _add_peer(log)
    # A solnet-looking process that, once told, takes this home's node lock as a node does (and names
    # itself in it): who holds a lock is the kernel's word (/proc/locks), not what the file says
    stranger = subprocess.Popen([sys.executable, "-c", STRANGER, "solnet", "run", str(Home(home).lock_path)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        with log.store.write():  # the copy: its node started a month ago and never synced since
            log.store.set_meta(chain_gate.META_KEY, json.dumps(
                {"pid": stranger.pid, "started": now_ms() - 30 * 86_400_000, "confirmed": None,
                 "copy": chain_gate.this_copy(log.store.path)}).encode())
        assert chain_gate.state_now(log.store, now_ms()) == CLOSED
        with pytest.raises(InvalidEvent) as refused:
            log.append(net.founder.device, "action", action(1))
        assert refused.value.reason == chain_gate.NOT_CAUGHT_UP
        # The node that runs on this home holds its lock (here the stranger): then the state is
        # believed, and the publish waits for that node's first round.
        stranger.stdin.write("lock\n")
        stranger.stdin.flush()
        assert stranger.stdout.readline() == "held\n"
        assert chain_gate.state_now(log.store, now_ms()) == WAIT
        stranger.stdin.write("unlock\n")
        stranger.stdin.flush()
        assert stranger.stdout.readline() == "let go\n"
        assert chain_gate.state_now(log.store, now_ms()) == CLOSED
    finally:
        stranger.kill()
        stranger.wait(timeout=30)


def test_a_home_that_joined_again_signs_nothing_before_a_round(net: Net, tmp_path: Path) -> None:
    log = _founded(net, tmp_path / "home" / "solnet.db")
    chain_gate.has_history(log.store)
    assert chain_gate.state_now(log.store, now_ms()) == CLOSED and not log.store.has_peers()
    chain_gate.round_completed(log.store, now_ms(), None)
    assert chain_gate.state_now(log.store, now_ms()) == OPEN


def test_a_home_that_just_joined_is_told_to_sync_not_about_backups(net: Net, tmp_path: Path) -> None:
    """A group that joined seconds ago, with its inviter as peer, was told its home might have been
    restored from a backup."""
    log = _founded(net, tmp_path / "new.db")
    _add_peer(log)
    with pytest.raises(InvalidEvent) as refused:
        log.append(net.founder.device, "action", action(1))
    assert "since it joined" in str(refused.value) and "backup" not in str(refused.value)


def test_a_lone_home_whose_disk_got_another_device_number_at_a_reboot_is_not_held(tmp_path: Path, monkeypatch) -> None:
    """Linux numbers devices as it finds them (USB disks sda/sdb by probe order, device-mapper
    minors): after such a reboot the same database file has another st_dev, and a lone home's every
    publish, a raid alert included, was refused as restored or moved."""
    path = tmp_path / "solnet.db"
    store = Store(path)
    with store.write():
        chain_gate.signed_here(store)
    store.close()
    real_stat = os.stat

    def renumbered(target, *args, **kwargs):  # the same file, its disk found in another order
        st = real_stat(target, *args, **kwargs)
        if Path(target) != path:
            return st
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev + 1, *tuple(st)[3:]))

    monkeypatch.setattr(os, "stat", renumbered)
    after_reboot = Store(path)
    try:
        assert not chain_gate.moved(after_reboot)
    finally:
        after_reboot.close()
    monkeypatch.undo()
    written_before = Store(path)  # (a record the previous version wrote, st_dev in it: the same file)
    try:
        with written_before.write():
            written_before.set_meta(chain_gate.SIGNS_KEY, chain_gate._file_copy(path).encode())
        assert not chain_gate.moved(written_before)
    finally:
        written_before.close()
    shutil.copy(path, tmp_path / "copied.db")  # (a copy is still told apart)
    copied = Store(tmp_path / "copied.db")
    try:
        assert chain_gate.moved(copied)
    finally:
        copied.close()
