"""A worker answer of the right count of records that does not unpack (node/verify_pool.py): its
batch is examined in the node's own process, and the worker that said it is retired, its process
ended, so no later batch counts on it. Until 2026-12-08 it was examined here and the worker kept:
its count was right, so it counted as answered and took every later chunk, each examined twice.

The broken worker is a real process on real pipes that speaks the worker's frames (READY, then an
answer per request) but answers each with an array of the right length whose items are the one
byte msgpack never uses: a worker gone wrong (memory, a bad upgrade), which a node must survive."""
from __future__ import annotations

import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest

from node_fixtures import Net, action, wires
from node import verify_pool

needs_workers = pytest.mark.skipif(verify_pool.worker_count() == 0, reason="no worker processes on one core")

BROKEN_WORKER = r"""
import sys, msgpack
out, inp = sys.stdout.buffer, sys.stdin.buffer
out.write(bytes(4)); out.flush()  # READY
while True:
    head = inp.read(4)
    if len(head) < 4:
        break
    count = len(msgpack.unpackb(inp.read(int.from_bytes(head, "big"))))
    answer = b"\xdc" + count.to_bytes(2, "big") + b"\xc1" * count  # (0xc1: no msgpack value)
    out.write(len(answer).to_bytes(4, "big") + answer); out.flush()
"""


@needs_workers
def test_a_worker_whose_answer_does_not_unpack_is_retired(net: Net, tmp_path: Path, monkeypatch) -> None:
    ready = tmp_path / "ready"
    script = BROKEN_WORKER.replace("# READY", f"# READY\nopen({str(ready)!r}, 'a').write('r')")
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def popen(args, *rest, **kwargs):  # the ingest workers' command only: the broken worker instead
        if list(args[1:3]) == ["-m", "node.verify_worker"]:
            proc = real_popen([sys.executable, "-c", script], *rest, **kwargs)
            started.append(proc)
            return proc
        return real_popen(args, *rest, **kwargs)

    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    signed = 0

    def batch() -> list:
        nonlocal signed
        signed += 150
        return [net.device.sign("action", action(i)) for i in range(signed - 150, signed)]
    verify_pool.shutdown()
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "1")
    monkeypatch.setattr(verify_pool.subprocess, "Popen", popen)
    try:
        verify_pool.start()
        monkeypatch.setattr(verify_pool.subprocess, "Popen", real_popen)  # (later workers are real ones)
        assert started and verify_pool.worker_pids() == [p.pid for p in started]
        deadline = time.monotonic() + 60  # it says READY before it is sent a chunk (start does not wait)
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert ready.exists(), "the broken worker did not say READY in 60 s"
        # (the node's thread takes chunks too while it waits: a batch may give the worker none, so
        # batches go on until it is sent one, bounded)
        deadline = time.monotonic() + 60
        while started[0].poll() is None and started[0].pid in verify_pool.worker_pids() \
                and time.monotonic() < deadline:
            out = log.ingest(wires(batch()))
            assert {o.status for o in out} == {"accepted"}  # examined here: nothing lost
        assert started[0].pid not in verify_pool.worker_pids(), \
            f"a worker whose answers did not unpack was kept (or sent no chunk in {signed // 150} batches)"
        try:
            started[0].wait(timeout=30)  # (bounded: retired, its process ends at the end of its input)
        except subprocess.TimeoutExpired:
            pytest.fail("a worker whose answers did not unpack was retired, but its process still runs")
        out = log.ingest(wires(batch()))
        assert {o.status for o in out} == {"accepted"} and log.store.count() == 2 + signed
        assert set(verify_pool.worker_pids()).isdisjoint(p.pid for p in started)
    finally:
        verify_pool.shutdown()
        for proc in started:
            if proc.poll() is None:
                proc.kill()


@needs_workers
def test_workers_whose_answers_do_not_unpack_are_not_started_again_at_every_batch(tmp_path: Path, monkeypatch,
                                                                                 caplog) -> None:
    """Workers that keep answering what does not unpack (a broken install) back off as workers that
    cannot start do (tests/node/test_worker_that_cannot_start.py): the first is replaced at the next
    batch, the second failure waits RETRY_FIRST_S. Until 2026-12-08 a broken answer of the right
    count first counted as answered (the failures in a row back to 0), and a worker retired while
    its thread waited for a chunk was never counted at all: a new interpreter (~18 MiB) every batch,
    without a word in the log."""
    from test_worker_that_cannot_start import _wires  # (a batch of signed events, no node needed)
    ready = tmp_path / "ready"
    script = BROKEN_WORKER.replace("# READY", f"# READY\nopen({str(ready)!r}, 'a').write('r')")
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def popen(args, *rest, **kwargs):
        assert list(args[1:3]) == ["-m", "node.verify_worker"]
        proc = real_popen([sys.executable, "-c", script], *rest, **kwargs)
        started.append(proc)
        return proc

    verify_pool.shutdown()
    monkeypatch.setattr(verify_pool, "_restarts", verify_pool._Restarts())
    for name in ("RETRY_FIRST_S", "RETRY_MAX_S"):  # (no back-off passes during the test)
        monkeypatch.setattr(verify_pool, name, 3600.0)
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "1")
    monkeypatch.setattr(verify_pool.subprocess, "Popen", popen)
    wires_ = _wires(600, forged_at=-1)
    try:
        with caplog.at_level(logging.WARNING, logger="solnet.node.verify_pool"):
            for _ in range(6):  # six batches of a sync
                verify_pool._get_pool()  # (what the batch's Examination does first)
                deadline = time.monotonic() + 60  # a worker started now says READY before it is sent a chunk
                while len(ready.read_text() if ready.exists() else "") < len(started) and time.monotonic() < deadline:
                    time.sleep(0.01)
                results = list(verify_pool.Examination(wires_).results())
                assert len(results) == 600 and all(r.event is not None for r in results)
        assert len(started) == 2, f"a worker whose answers do not unpack was started {len(started)} times in six batches"
        warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 2 and all("could not be read" in w for w in warnings), warnings
        assert "tries a new worker at the next batch" in warnings[0] and "tries a new worker in 3600 s" in warnings[1]
    finally:
        verify_pool.shutdown()
        for proc in started:
            if proc.poll() is None:
                proc.kill()
