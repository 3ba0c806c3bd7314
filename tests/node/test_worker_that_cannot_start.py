"""An ingest worker that cannot start (a broken install, memory it cannot get) is not started again at
every batch: the batches are examined in the node's own process, checks and all, and the next worker
is tried only after a back-off. Started again at each batch, it cost a Pi an interpreter's start and a
warning in its log per batch of a sync (hundreds). Nor is one whose code on disk changed under the running
node (an upgrade without a restart): it would judge events by other rules than the node's."""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crypto.keys import SigningKey
from events.format import Event, sign_event
from node import verify_pool

ROOT = Path(__file__).resolve().parents[2]


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


def _copy_of_the_code(to: Path) -> Path:
    """What a worker imports (node/verify_worker.py), copied to `to`: a worker run there runs the copy."""
    for name in ("events", "crypto"):
        shutil.copytree(ROOT / name, to / name, ignore=shutil.ignore_patterns("__pycache__"))
    (to / "node").mkdir()
    for name in ("__init__.py", "verify_worker.py"):
        shutil.copy(ROOT / "node" / name, to / "node" / name)
    return to


def test_a_worker_of_code_changed_under_the_node_judges_nothing(started, monkeypatch, tmp_path, caplog):
    """`git pull && pip install` (or a package upgrade) without a restart: the node runs the code it
    loaded, a worker started now would run the new. Here the new code accepts every signature."""
    root = _copy_of_the_code(tmp_path / "code")
    monkeypatch.setattr(verify_pool, "_ROOT", root)  # the workers start from the copy
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the same code elsewhere: its worker is used
        before = verify_pool.examined_here()
        results = list(verify_pool.Examination(_wires(300, forged_at=20)).results())
        assert [i for i, x in enumerate(results) if not x.signature_ok] == [20]
        if verify_pool.examined_here() - before < 300:
            break
    else:
        pytest.fail("the worker of an unchanged copy of the code took no chunk")
    [pid] = verify_pool.worker_pids()
    assert os.readlink(f"/proc/{pid}/cwd") == str(root)
    verify_pool.shutdown()

    keys = root / "crypto" / "keys.py"
    text = keys.read_text()
    rule = '"""Strict Ed25519 verification on raw bytes, for hot paths that should not build objects."""\n'
    assert rule in text
    keys.write_text(text.replace(rule, rule + "    return  # (the upgrade's new rule: every signature verifies)\n"))
    tried = len(started)
    deadline = time.monotonic() + 60
    with caplog.at_level(logging.WARNING, logger="solnet.node.verify_pool"):
        while time.monotonic() < deadline:  # until the worker has answered, or said it would not
            results = list(verify_pool.Examination(_wires(300, forged_at=20)).results())
            assert len(results) == 300
            # judged forged here, or left to the caller's check (None): never judged good
            assert results[20].signature_ok is not True, "a worker judged by the new code"
            assert all(x.signature_ok is not False for i, x in enumerate(results) if i != 20)
            if caplog.records:
                break
        else:
            pytest.fail("the worker never said its code was not the node's")
        for _ in range(3):  # later batches start no worker
            list(verify_pool.Examination(_wires(300, forged_at=20)).results())
    assert len(started) == tried + 1
    [warning] = [r.getMessage() for r in caplog.records]
    assert "code on disk is not the code this node started with" in warning
    assert "Restart the node" in warning
