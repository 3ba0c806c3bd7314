"""Waiting for a node to start (localnet.wait_started) follows the node's progress, not a fixed time:
it waits as long as a slow start advances, and gives up promptly on a node that exits, stops
advancing, or burns CPU without ever listening."""
from __future__ import annotations

import signal
from pathlib import Path

import pytest

from node.demo import localnet, progress

pytestmark = pytest.mark.integration  # `solnet run` as a process

PASS = "wait started test passphrase"


def test_a_slow_wait_that_keeps_progressing_is_not_cut_short() -> None:
    """Each poll advances: the wait outlasts its stall bound many times over, and ends when done."""
    polls = [0]

    def done() -> bool:
        polls[0] += 1
        return polls[0] >= 40

    assert progress.wait_progressing(done, lambda: polls[0], stall_s=0.0, interval=0.01) is None
    assert polls[0] == 40


def test_a_wait_without_progress_gives_up_and_says_so() -> None:
    said = progress.wait_progressing(lambda: False, lambda: "stuck", stall_s=0.2, interval=0.01)
    assert said is not None and "no progress in 0 s" in said and "'stuck'" in said


def test_a_started_node_is_waited_for_then_a_stopped_one_is_given_up(tmp_path: Path) -> None:
    [calais] = localnet.create_network(tmp_path, [("Calais", "calais")], PASS)
    localnet.start(calais, PASS, sync_interval=3600)
    try:
        assert localnet.wait_started(calais) is None
        assert progress.cpu_seconds(calais.proc.pid) > 0
    finally:
        localnet.stop(calais)
    # A start that hangs (the process stopped: no CPU, no log) fails after the stall bound
    localnet.start(calais, PASS, sync_interval=3600)
    try:
        calais.proc.send_signal(signal.SIGSTOP)
        said = localnet.wait_started(calais, stall_s=1.0)
        assert said is not None and "did not start listening: no progress in 1 s" in said, said
    finally:
        calais.proc.send_signal(signal.SIGCONT)
        localnet.stop(calais)


def test_a_node_that_exits_or_spends_its_cpu_without_listening_is_given_up(tmp_path: Path) -> None:
    [calais] = localnet.create_network(tmp_path, [("Calais", "calais")], PASS)
    localnet.start(calais, "not the passphrase", sync_interval=3600)
    try:
        said = localnet.wait_started(calais)
        assert said is not None and "did not start listening: exited with code" in said, said
    finally:
        localnet.stop(calais)
    localnet.start(calais, PASS, sync_interval=3600)
    try:
        said = localnet.wait_started(calais, cpu_s=0.0)  # (no start is free: imports alone cost CPU)
        assert said is not None and "s of CPU without listening" in said, said
    finally:
        localnet.stop(calais)
