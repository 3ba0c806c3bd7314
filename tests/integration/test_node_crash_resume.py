"""A node stopped in the middle of a large sync: by kill -9 (it resumes after a restart and ends
with every event, once, in unbroken chains) and by SIGTERM (it stops cleanly within seconds).

One node holds a backlog of device events made in-process with EventLog.append before any
process starts; the other, empty, dials it and pulls the backlog.
"""
from __future__ import annotations

import re
import shutil
import signal
import time
from pathlib import Path

import pytest

from local_cluster import (PASSPHRASE, Cluster, chain_problems, descendants, event_ids, integrity, log_text, query)
from node import verify_pool
from node.demo import localnet
from node.home import Home
from node.demo.localnet import LocalNode
from node.log import now_ms
from signing_author import Author

BACKLOG = 20_000
SOME = 5_000  # stop the receiver once it holds at least this many backlog events (a quarter)


@pytest.fixture(scope="module")
def backlog_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[LocalNode]]:
    """Calais holding BACKLOG events of its device, and Bristol that has only joined; built once."""
    root = tmp_path_factory.mktemp("backlog")
    calais, bristol = localnet.create_network(root, [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
    keys = calais.home.keys(PASSPHRASE)
    log = calais.home.log()
    starts = now_ms() + 30 * 86_400_000
    try:  # signed on its device's chain, stored 1,000 to a transaction: 20,000 appends (a commit each,
        # 1.4 ms of CPU each) took most of the test's 180 s under load, before the test began
        device = Author(keys.device, log.network_id, *log.store.head(bytes(keys.device.public)))
        backlog = [device.sign("action", {"title": f"Backlog action {i}", "region": "calais", "type": "distribution",
                                          "starts_at": starts + i}).encode() for i in range(BACKLOG)]
        for start in range(0, BACKLOG, 1000):
            assert {o.status for o in log.ingest(backlog[start:start + 1000])} == {"accepted"}
    finally:
        log.store.close()
    return root, [calais, bristol]


def copy_pair(template: tuple[Path, list[LocalNode]], dest: Path, cluster: Cluster) -> tuple[LocalNode, LocalNode]:
    """A fresh copy of the template's homes on fresh ports: (full, empty), the empty one dialling the full one."""
    root, nodes = template
    shutil.copytree(root, dest)
    full, empty = (LocalNode(n.name, n.region, Home(dest / n.home.path.name), port)
                   for n, port in zip(nodes, localnet.free_ports(len(nodes))))
    empty.peers.append(full.port)
    cluster.adopt([full, empty])
    return full, empty


def backlog_author(node: LocalNode) -> bytes:
    return bytes.fromhex(node.home.config().device_id)


def count_by(node: LocalNode, author: bytes) -> int:
    return query(node, "SELECT count(*) FROM events WHERE a=(SELECT k FROM keys WHERE key=?)", (author,))[0][0]


def received_in_rounds(log: str) -> int:
    return sum(int(n) for n in re.findall(r"synced, received (\d+),", log))


def test_kill_9_mid_sync_then_restart_resumes_with_nothing_lost(
        cluster: Cluster, backlog_template: tuple[Path, list[LocalNode]], tmp_path: Path) -> None:
    full, empty = copy_pair(backlog_template, tmp_path / "pair", cluster)
    author = backlog_author(full)
    assert count_by(full, author) == BACKLOG and count_by(empty, author) == 0
    cluster.start(full)
    cluster.start(empty)

    cluster.wait(lambda: count_by(empty, author) >= SOME or empty.proc.poll() is not None, 60,
                 f"the receiver storing {SOME} backlog events", interval=0.005)
    assert cluster.kill(empty) == -signal.SIGKILL
    stored = count_by(empty, author)
    print(f"kill -9 mid-sync with {stored} of {BACKLOG} backlog events stored")
    assert SOME <= stored < BACKLOG, f"kill -9 came too late to be mid-sync: {stored} of {BACKLOG} stored"
    assert integrity(empty) == "ok"
    assert chain_problems(empty) == [], "a killed batch left a partial chain"

    log_before = len(log_text(empty))
    cluster.start(empty)
    cluster.wait(lambda: count_by(empty, author) == BACKLOG, 60, "the restarted receiver holding the whole backlog")
    cluster.wait(lambda: event_ids(empty) == event_ids(full), 15, "both nodes holding the same events")
    assert integrity(empty) == "ok"
    assert chain_problems(empty) == []
    assert chain_problems(full) == []
    # Resumed, not started over: after the restart it was sent only what it lacked.
    cluster.wait(lambda: "synced, received" in log_text(empty)[log_before:], 10, "the resumed round's summary")
    assert received_in_rounds(log_text(empty)[log_before:]) == BACKLOG - stored


def test_sigterm_mid_sync_stops_cleanly_within_seconds(
        cluster: Cluster, backlog_template: tuple[Path, list[LocalNode]], tmp_path: Path) -> None:
    full, empty = copy_pair(backlog_template, tmp_path / "pair", cluster)
    author = backlog_author(full)
    cluster.start(full)
    cluster.start(empty)
    cluster.wait(lambda: count_by(empty, author) >= SOME or empty.proc.poll() is not None, 60,
                 f"the receiver storing {SOME} backlog events", interval=0.005)

    asked = time.monotonic()
    empty.proc.send_signal(signal.SIGTERM)
    code = empty.proc.wait(15)
    took = time.monotonic() - asked
    stored = count_by(empty, author)
    print(f"SIGTERM mid-sync: exit {code} after {took:.2f} s with {stored} of {BACKLOG} backlog events stored")
    assert code == 0, log_text(empty)
    # Stopped mid-sync, not after it: by what it stored, not by the seconds it took (a wall-clock bound,
    # 5 s, failed under load; a shutdown that waited for the sync to end stores the whole backlog, and
    # one that hangs fails the bounded wait above)
    assert stored < BACKLOG, "the sync had finished before SIGTERM: not a mid-sync stop"
    assert "stopped cleanly" in log_text(empty)
    assert "Traceback" not in log_text(empty)
    assert integrity(empty) == "ok"
    assert chain_problems(empty) == []
    assert full.proc.poll() is None, "the peer of a node that stopped must keep running"


def test_kill_9_leaves_no_worker_processes_behind(
        cluster: Cluster, backlog_template: tuple[Path, list[LocalNode]], tmp_path: Path) -> None:
    """A node's signature workers must end with it, even when it is killed (OOM killer, kill -9):
    otherwise every crash and restart leaks a process holding memory. A worker runs only while a
    sync brings batches (node/verify_pool.py): the node is killed while it pulls the backlog."""
    if verify_pool.worker_count() == 0:
        pytest.skip("this machine gives a node no worker processes (one core, or SOLNET_VERIFY_WORKERS=0)")
    full, empty = copy_pair(backlog_template, tmp_path / "pair", cluster)
    author = backlog_author(full)
    cluster.start(full)
    cluster.start(empty)
    cluster.wait(lambda: bool(descendants(empty.proc.pid)) or count_by(empty, author) == BACKLOG, 60,
                 "the receiver starting a worker for the backlog's batches", interval=0.005)
    assert descendants(empty.proc.pid), "the receiver stored the whole backlog without starting a worker"
    cluster.kill(empty)
    left = cluster.orphans_left(5)
    assert not left, (f"5 s after kill -9 of the node, its child processes {left} still run "
                      f"(reparented to pid 1); the test killed them")
