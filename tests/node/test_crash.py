"""Crash and disk-full safety of the store: a killed writer loses no acknowledged event and never
corrupts the file; a full disk refuses the batch cleanly and the store keeps working afterwards."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import msgpack
import pytest

from node.store import StorageFull
from node_fixtures import Net, action, statuses, wires


@pytest.mark.slow
def test_kill_9_mid_ingest_20_times_loses_no_acknowledged_event(net: Net, tmp_path: Path) -> None:
    events = net.group.made + [net.device.sign("action", action(i)) for i in range(3000)]
    (tmp_path / "genesis").write_bytes(net.genesis.raw)
    (tmp_path / "events").write_bytes(msgpack.packb(wires(events)))
    db = tmp_path / "node.db"
    rnd = random.Random(5)
    acknowledged = 0
    writer = [sys.executable, str(Path(__file__).with_name("crash_writer.py")), str(db),
              str(tmp_path / "genesis"), str(tmp_path / "events")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    kills = 0
    for round_ in range(20):
        proc = subprocess.Popen(writer, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        # A few whole batches, then kill it at a random moment inside the next write. The writer
        # waits for a "go" before each batch: however fast ingest gets, it cannot run ahead and
        # finish before it is killed.
        whole = rnd.randint(1, 4)
        for batch in range(whole + 1):
            try:
                proc.stdin.write("go\n")
                proc.stdin.flush()
            except BrokenPipeError:  # it has stored everything and ended
                break
            if not proc.stdout.readline().startswith("begin"):
                break
            if batch == whole:  # this one is cut: a 50-event batch takes a few milliseconds
                time.sleep(rnd.uniform(0, 0.01))
                break
            line = proc.stdout.readline()
            if line:
                acknowledged = max(acknowledged, int(line))
        proc.send_signal(signal.SIGKILL)
        for line in proc.stdout:  # anything it printed before dying was committed
            if line.strip().isdigit():
                acknowledged = max(acknowledged, int(line))
        proc.wait(timeout=30)
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
        kills += proc.returncode == -signal.SIGKILL
        with sqlite3.connect(db) as check:
            assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            stored = check.execute("SELECT count(*) FROM events").fetchone()[0]
        assert stored >= acknowledged, f"round {round_}: {acknowledged} acknowledged, {stored} stored"
        if stored == len(events):
            break
    assert kills >= 10, "the writer finished before it could be killed: make the workload larger"
    # the surviving file holds a consistent chain: seqs 1..n with no gap
    with sqlite3.connect(db) as check:
        seqs = [r[0] for r in check.execute("SELECT seq FROM events WHERE a=(SELECT k FROM keys WHERE key=?) ORDER BY seq",
                                            (bytes(net.founder.device.public),))]
    assert seqs == list(range(1, len(seqs) + 1))


def test_disk_full_refuses_the_batch_and_loses_nothing(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    first = [net.device.sign("action", action(i)) for i in range(20)]
    assert set(statuses(log.ingest(wires(first)))) == {"accepted"}
    before = log.store.projection_dump()
    log.store.limit_pages(log.store.size_pages() + 2)  # the disk is (nearly) full
    big = [net.device.sign("action", action(100 + i) | {"description": "x" * 3900}) for i in range(200)]
    with pytest.raises(StorageFull):
        log.ingest(wires(big))
    assert log.store.count() == 22
    assert log.store.projection_dump() == before
    assert log.store.integrity() == "ok"
    log.store.limit_pages(None)  # space freed
    assert set(statuses(log.ingest(wires(big)))) == {"accepted"}
    assert log.store.count() == 222
