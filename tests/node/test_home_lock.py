"""One node per home: `Home.lock_node` is held for as long as its descriptor is open, refuses a
second holder with the first one's pid, and is freed by the kernel when its process ends, even by
kill -9 (nothing stale to clean up by hand)."""
from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from node import home_lock
from node.home import Home, HomeError
from node.home_lock import STARTING_FILE

HOLDER = """
import sys, time
from pathlib import Path
from node.home import Home
Home(Path(sys.argv[1])).lock_node()
print("locked", flush=True)
time.sleep(120)
"""


def test_a_second_holder_is_refused_until_the_first_lets_go(tmp_path):
    home = Home(tmp_path)
    assert not home.node_running()
    fd = home.lock_node()
    assert home.node_running()
    with pytest.raises(HomeError, match=rf"a node is already running on {tmp_path} \(pid {os.getpid()}\)"):
        home.lock_node()
    assert home.node_running(), "looking must not take the lock away"
    os.close(fd)
    assert not home.node_running()
    os.close(home.lock_node())


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    home = Home(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert home.node_running()
        with pytest.raises(HomeError, match=rf"\(pid {holder.pid}\)"):
            home.lock_node()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        holder.stdout.close()
    assert not home.node_running()
    started = time.monotonic()
    os.close(home.lock_node())
    assert time.monotonic() - started < 0.5  # taken at once, no waiting out a stale lock


def test_the_starting_mark_waits_out_a_process_that_holds_it_for_an_instant(tmp_path, monkeypatch):
    """`solnet run` takes the starting mark in its first instant: a `status` or a `publish` looking
    at it (a shared lock for an instant), or a child of the node just stopped not yet past its exec,
    may hold it then. It waits that out (bounded) rather than say "a node is starting" and stop."""
    home = Home(tmp_path)
    probe = os.open(tmp_path / STARTING_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(probe, fcntl.LOCK_SH)  # as node_lock_holder looks
    waited = []

    def looked_away(seconds: float) -> None:  # the probe lets go while the mark waits
        waited.append(seconds)
        os.close(probe)

    monkeypatch.setattr(home_lock, "time", SimpleNamespace(monotonic=time.monotonic, sleep=looked_away))
    fd = home.mark_starting()
    assert fd is not None and waited
    assert home.node_starting() == os.getpid()
    os.close(fd)
    assert home.node_starting() is None
