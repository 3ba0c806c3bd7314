"""An ingest worker that cannot start (a broken install, memory it cannot get) is not started again at
every batch: the batches are examined in the node's own process, checks and all, and the next worker
is tried only after a back-off. Started again at each batch, it cost a Pi an interpreter's start and a
warning in its log per batch of a sync (hundreds)."""
from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from crypto.keys import SigningKey
from events.format import Event, sign_event
from node import verify_pool


def _wires(count: int, forged_at: int) -> list[bytes]:
    key, out, prev = SigningKey.generate(), [], None
    for seq in range(1, count + 1):
        ev = sign_event(key, network=b"n" * 32, seq=seq, prev=prev, timestamp=1_700_000_000_000 + seq,
                        kind="need", body=b"\x80")
        if seq - 1 == forged_at:
            ev = Event(ev.id, ev.header, ev.header_bytes, bytes(64), ev.body)
        out.append(ev.encode())
        prev = ev.id
    return out


@pytest.fixture
def started(monkeypatch):
    """Counts the worker processes started; no pool before or after, no back-off left over."""
    verify_pool.shutdown()
    monkeypatch.setattr(verify_pool, "_restarts", verify_pool._Restarts())
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "1")
    commands: list[list[str]] = []
    real = subprocess.Popen

    def popen(cmd, *args, **kwargs):
        commands.append(cmd)
        return real(cmd, *args, **kwargs)

    monkeypatch.setattr(verify_pool.subprocess, "Popen", popen)
    yield commands
    verify_pool.shutdown()


def test_a_worker_that_cannot_start_is_not_started_again_at_every_batch(started, monkeypatch, caplog):
    monkeypatch.setattr(sys, "executable", "/bin/false")  # the worker's interpreter ends at once
    wires = _wires(300, forged_at=250)
    with caplog.at_level(logging.WARNING, logger="solnet.node.verify_pool"):
        for _ in range(6):  # six batches of a sync
            results = list(verify_pool.Examination(wires).results())
            assert len(results) == 300
            # checked here (False at the forgery), or left to the caller, which checks those it keeps (None)
            assert [i for i, x in enumerate(results) if x.signature_ok is False] in ([250], [])
            assert results[250].signature_ok is not True and all(x.signature_ok is not False for x in results[:250])
    # the first failure is taken for a worker killed once: the next batch starts another; that one fails too
    assert len(started) == 2, f"a worker was started {len(started)} times for six batches"
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2, warnings
    assert "tries a new worker at the next batch" in warnings[0]
    assert "tries a new worker in 10 s" in warnings[1] and "restart the node after an upgrade" in warnings[1]


def test_after_the_back_off_a_worker_is_tried_again(started, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(sys, "executable", "/bin/false")
        for _ in range(4):
            list(verify_pool.Examination(_wires(200, forged_at=-1)).results())
    assert len(started) == 2 and verify_pool._restarts.failures == 2
    verify_pool._restarts.retry_at = 0.0  # the back-off has passed
    results = list(verify_pool.Examination(_wires(400, forged_at=399)).results())
    assert [i for i, x in enumerate(results) if not x.signature_ok] == [399]
    assert len(started) == 3 and started[2][0] == sys.executable
    assert len(verify_pool.worker_pids()) == 1  # a real worker runs (it may or may not have taken a chunk)
