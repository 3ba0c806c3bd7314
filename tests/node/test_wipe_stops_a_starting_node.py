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


def test_a_pid_left_in_the_mark_by_an_earlier_run_is_not_the_one_stopped(tmp_path: Path) -> None:
    """The mark's pid is written just after its lock is taken: in between (or after a reboot, until
    then) the file holds an earlier run's pid, which may be another process's now. The wipe stopped
    that process. The kernel says who holds the lock (/proc/locks): that one is stopped."""
    home = Home(tmp_path)
    (tmp_path / "node.starting").write_text("0\n")
    bystander = subprocess.Popen(["sleep", "60"])
    # A process that took the mark and has not written its pid yet: the file holds the bystander's
    holder = subprocess.Popen(["python3", "-c", "import fcntl, os, sys, time\n"
                               "fd = os.open(sys.argv[1], os.O_RDWR)\nfcntl.flock(fd, fcntl.LOCK_EX)\n"
                               "print('held', flush=True)\ntime.sleep(60)", str(tmp_path / "node.starting")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        (tmp_path / "node.starting").write_text(f"{bystander.pid}\n")
        assert home.node_starting() == holder.pid
        assert wipe_module._stop_running_node(home) == holder.pid
        assert holder.wait(10) is not None
        assert bystander.poll() is None  # untouched
    finally:
        for proc in (bystander, holder):
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
