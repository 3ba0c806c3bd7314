"""The signature workers that batch ingest (sync's ingest path) verifies on must outlive the thread
that happened to start them, and a forged signature is caught whichever process checks it.

History: with multiprocessing's pool, workers set PR_SET_PDEATHSIG, whose "parent" is the *thread*
that spawned them (the node's DB thread); stopping the node ended that thread, the kernel killed
the workers, and the broken pool's feeder thread killed `solnet sync` with SIGPIPE. The workers are
plain child processes now (node/verify_worker.py) that end when their input closes.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from crypto.keys import SigningKey
from events.format import Event, sign_event
from node import verify_pool

# A worker's start made slow on purpose (loaded through PYTHONPATH, which a worker inherits, before
# its own imports): it waits for the test to write GATE ("go": it starts; "die": it ends, never
# ready), and says so in GATE.passed if it ever goes on.
SLOW_START = '''
import os, time
_gate, _deadline = {gate!r}, time.monotonic() + 30
while not os.path.exists(_gate) and time.monotonic() < _deadline:
    time.sleep(0.01)
if os.path.exists(_gate) and open(_gate).read() == "die":
    os._exit(3)
open(_gate + ".passed", "w").close()
'''


def _events(count: int) -> list[Event]:
    key = SigningKey.generate()
    out, prev = [], None
    for seq in range(1, count + 1):
        ev = sign_event(key, network=b"n" * 32, seq=seq, prev=prev, timestamp=1_700_000_000_000 + seq,
                        kind="need", body=b"\x80")
        out.append(ev)
        prev = ev.id
    return out


@pytest.mark.skipif(verify_pool.worker_count() == 0, reason="no signature worker processes on one core")
def test_signature_workers_survive_the_thread_that_started_them():
    verify_pool.shutdown()
    try:
        starter = threading.Thread(target=verify_pool.start, name="short-lived")
        starter.start()
        starter.join(30)
        pids = verify_pool.worker_pids()
        assert len(pids) == verify_pool.worker_count()
        events = _events(300)
        forged = Event(events[200].id, events[200].header, events[200].header_bytes, bytes(64), events[200].body)
        events[200] = forged
        results = list(verify_pool.Examination([ev.encode() for ev in events]).results())
        assert [x.event.seq for x in results] == [ev.seq for ev in events]
        assert [i for i, x in enumerate(results) if not x.signature_ok] == [200]
        assert verify_pool.worker_pids() == pids, "the workers died with the thread that started them"
    finally:
        verify_pool.shutdown()
    assert verify_pool.worker_pids() == []


def test_the_pool_is_sized_by_usable_cpus_and_memory(monkeypatch, tmp_path):
    monkeypatch.delenv("SOLNET_VERIFY_WORKERS", raising=False)
    monkeypatch.setattr(verify_pool, "CGROUP_ROOT", tmp_path)  # no CPU quota (this machine's may have one)
    monkeypatch.setattr(verify_pool.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    monkeypatch.setattr(verify_pool, "_memory_bytes", lambda: 4 << 30)
    assert verify_pool.worker_count() == 3
    monkeypatch.setattr(verify_pool, "_memory_bytes", lambda: 512 << 20)  # a Pi Zero 2 W
    assert verify_pool.worker_count() == 1
    monkeypatch.setattr(verify_pool.os, "sched_getaffinity", lambda pid: {0})
    assert verify_pool.worker_count() == 0
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "2")
    assert verify_pool.worker_count() == 2


@pytest.mark.skipif(verify_pool.worker_count() == 0, reason="no signature worker processes on one core")
def test_a_killed_worker_costs_speed_not_checks():
    verify_pool.shutdown()
    try:
        verify_pool.start()
        for pid in verify_pool.worker_pids():
            os.kill(pid, signal.SIGKILL)
        events = _events(400)
        events[399] = Event(events[399].id, events[399].header, events[399].header_bytes, bytes(64), events[399].body)
        results = list(verify_pool.Examination([ev.encode() for ev in events]).results())
        assert [i for i, x in enumerate(results) if not x.signature_ok] == [399]
        assert len(results) == 400
    finally:
        verify_pool.shutdown()


@pytest.mark.skipif(verify_pool.worker_count() == 0, reason="no signature worker processes on one core")
def test_a_worker_starts_with_a_big_batch_and_ends_when_idle(monkeypatch, caplog):
    """A node at rest carries no worker (its ~18 MiB are a Pi's budget): the first batch big enough
    to ship starts one, it ends after IDLE_S without work, quietly, and the next batch starts
    another; every batch is checked in full whichever process examines it."""
    verify_pool.shutdown()
    monkeypatch.setattr(verify_pool, "IDLE_S", 0.5)
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "1")  # (one a batch, on any number of cores)
    # (IDLE_S counts from the batch's submission: the worker may have ended once the batch is examined)
    started = _started_workers(monkeypatch)
    try:
        assert verify_pool.worker_pids() == []
        list(verify_pool.Examination([ev.encode() for ev in _events(10)]).results())  # too small to ship
        assert verify_pool.worker_pids() == [] and started == []
        for round_ in range(2):
            events = _events(300)
            events[150] = Event(events[150].id, events[150].header, events[150].header_bytes, bytes(64), events[150].body)
            results = list(verify_pool.Examination([ev.encode() for ev in events]).results())
            assert [i for i, x in enumerate(results) if not x.signature_ok] == [150], round_
            assert len(started) == round_ + 1, f"round {round_}: the big batch started {started} (one new worker)"
            pid = started[-1]
            deadline = time.monotonic() + 30
            while os.path.exists(f"/proc/{pid}") and _state(pid) != "Z" and time.monotonic() < deadline:
                time.sleep(0.05)
            assert verify_pool.worker_pids() == [], "the idle worker did not end"
        assert not [r for r in caplog.records if r.levelname == "WARNING"], "an idle end is not a failure"
    finally:
        verify_pool.shutdown()


def _started_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pid of each worker started from now, taken as it starts: one that a short IDLE_S or
    READY_WAIT_S ends may be gone by the time its batch is examined (a main thread held up by load)."""
    started: list[int] = []

    class Counted(verify_pool._Worker):
        def __init__(self, pool) -> None:
            super().__init__(pool)
            started.append(self.proc.pid)

    monkeypatch.setattr(verify_pool, "_Worker", Counted)
    return started


def _state(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def _slow_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every worker started from now waits at its start for the gate returned (SLOW_START)."""
    gate = tmp_path / "gate"
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(SLOW_START.format(gate=str(gate)))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "hook"))
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "1")
    return gate


def _open(gate: Path, word: str) -> None:
    (gate.parent / "gate.new").write_text(word)
    (gate.parent / "gate.new").rename(gate)  # (whole: the worker never reads it half written)


def _forged_batch(count: int, forged: int) -> list[bytes]:
    events = _events(count)
    ev = events[forged]
    events[forged] = Event(ev.id, ev.header, ev.header_bytes, bytes(64), ev.body)
    return [e.encode() for e in events]


def _bad(batch: list[bytes]) -> list[int]:
    """The events whose signature fails, as the ingesting caller judges them: a batch examined with no
    worker (none may start yet, after failures: verify_pool's back-off) comes back unchecked
    (`signature_ok` None), and the caller checks those itself."""
    results = list(verify_pool.Examination(batch).results())
    assert len(results) == len(batch)
    unchecked = [x.event for x in results if x.signature_ok is None]
    checked_here = iter(verify_pool.verify_here(unchecked))
    return [i for i, x in enumerate(results) if not (x.signature_ok if x.signature_ok is not None else next(checked_here))]


def test_a_cold_batch_does_not_wait_for_its_worker_to_start(monkeypatch, tmp_path):
    """The first batch after an idle spell starts the worker: its chunks are examined here while the
    worker starts. Its feeder thread wrote two of them into the pipe of a worker still importing, and
    the node's database thread, examining the batch, waited for that start (0.1-0.25 s a batch, seconds
    on a Pi). Once ready, the worker takes chunks again."""
    gate = _slow_start(monkeypatch, tmp_path)
    verify_pool.shutdown()
    try:
        before = verify_pool.examined_here()
        assert _bad(_forged_batch(300, 40)) == [40]  # (in the first big chunk, the one taken first)
        assert not (tmp_path / "gate.passed").exists(), "the batch waited for the worker's start"
        assert verify_pool.examined_here() - before == 300
        [pid] = verify_pool.worker_pids()
        _open(gate, "go")
        for _ in range(50):  # ready now: it takes its share of a batch
            before = verify_pool.examined_here()
            assert _bad(_forged_batch(300, 123)) == [123]
            if verify_pool.examined_here() - before < 300:
                break
        else:
            pytest.fail("the worker took no chunk once ready")
        assert verify_pool.worker_pids() == [pid]
    finally:
        verify_pool.shutdown()


def test_a_worker_that_dies_as_it_starts_leaves_no_event_unchecked(monkeypatch, tmp_path):
    gate = _slow_start(monkeypatch, tmp_path)
    verify_pool.shutdown()
    try:
        assert _bad(_forged_batch(300, 140)) == [140]
        [pid] = verify_pool.worker_pids()
        _open(gate, "die")  # it ends, never ready, with none of this batch's chunks yet
        batch = _forged_batch(300, 260)
        examination = verify_pool.Examination(batch)
        deadline = time.monotonic() + 30
        while pid in verify_pool.worker_pids() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [i for i, x in enumerate(examination.results()) if not x.signature_ok] == [260]
        assert _bad(_forged_batch(200, 7)) == [7]  # the next batch: a new worker, which dies too
        assert not (tmp_path / "gate.passed").exists()
    finally:
        verify_pool.shutdown()


def test_a_worker_stuck_starting_is_stopped(monkeypatch, tmp_path, caplog):
    """Only a worker taking chunks counts IDLE_S: one stuck before it was ready was never ended, and
    kept its memory until the node stopped. Now one not ready after READY_WAIT_S is killed, a failure
    (the back-off), and the batches are checked here meanwhile."""
    _slow_start(monkeypatch, tmp_path)  # (its gate is never opened)
    verify_pool.shutdown()
    monkeypatch.setattr(verify_pool, "_restarts", verify_pool._Restarts())
    monkeypatch.setattr(verify_pool, "READY_WAIT_S", 0.5, raising=False)
    started = _started_workers(monkeypatch)
    try:
        with caplog.at_level(logging.WARNING, logger="solnet.node.verify_pool"):
            assert _bad(_forged_batch(300, 40)) == [40]
            [pid] = started
            deadline = time.monotonic() + 20  # (the gate lets it go on by itself after 30 s)
            while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
                time.sleep(0.02)
            assert not os.path.exists(f"/proc/{pid}"), "the worker stuck starting was left running"
        assert verify_pool._restarts.failures == 1
        [warning] = [r.getMessage() for r in caplog.records]
        assert "not ready 0.5 s after it started: it was stopped" in warning
        assert _bad(_forged_batch(300, 260)) == [260]
        assert not (tmp_path / "gate.passed").exists()
    finally:
        verify_pool.shutdown()
