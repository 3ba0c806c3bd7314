"""One node per home: `Home.lock_node` is held for as long as its descriptor is open, refuses a
second holder with the first one's pid, and is freed by the kernel when its process ends, even by
kill -9 (nothing stale to clean up by hand)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from node.home import Home, HomeError

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
