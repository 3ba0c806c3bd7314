"""The panic wipe stops a `solnet run` that is still starting on the home: it holds the starting mark
(node.starting) from its first moment, but the node lock only once it serves. In between it reads the
keystore, runs Argon2id (seconds on a Pi: a service restarting at boot) and opens the database. Run
by the node's own user, the wipe cannot read such a process's /proc/PID/cwd (it forbade core dumps,
node/no_core_dump.py), so it found no node: it said none ran, destroyed the keystore the process had
already read, and the node went on to serve with the keys unlocked in its memory."""
from __future__ import annotations

import os
import select
import subprocess
import time
from pathlib import Path

import pytest

from node import wipe as wipe_module
from node.demo import localnet
from node.home import Home

pytestmark = pytest.mark.integration  # `solnet run` as a process

PASS = "starting node wipe passphrase"


def test_the_wipe_stops_a_node_that_is_still_starting(tmp_path: Path, monkeypatch) -> None:
    import pty

    [calais] = localnet.create_network(tmp_path, [("Calais", "calais")], PASS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}  # no passphrase: it asks
    parent, child = pty.openpty()
    proc = subprocess.Popen([*localnet.solnet_command(), "--home", str(calais.home.path), "run", "--listen",
                             f"127.0.0.1:{calais.port}"], stdin=child, stdout=child, stderr=child, env=env)
    os.close(child)
    try:
        seen, deadline = b"", time.monotonic() + 30
        while b"Passphrase for this node's keys" not in seen:  # starting: the mark held, no lock yet
            left = deadline - time.monotonic()
            assert left > 0 and proc.poll() is None, seen
            if select.select([parent], [], [], left)[0]:
                seen += os.read(parent, 4096)
        home = Home(calais.home.path)
        assert home.node_starting() == proc.pid and not home.node_running()
        monkeypatch.setattr(wipe_module, "_runs_home", lambda pid, home, run=False: False)  # /proc hidden
        report = wipe_module.wipe(home)
        assert report.stopped_pid == proc.pid
        assert proc.wait(10) is not None
        assert "keystore" in report.files_destroyed
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        os.close(parent)
