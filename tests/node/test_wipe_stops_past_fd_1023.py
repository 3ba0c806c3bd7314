"""The dashboard's panic wipe runs in the node, whose descriptors (a socket a peer, a pidfd) may be
numbered past 1023: the wipe waited for a command it had to SIGKILL with select(), which refuses
such a descriptor (ValueError), and the wipe failed there, after the kill, before the keys went."""
from __future__ import annotations

import os
import resource
import subprocess
import sys

import pytest

from node import wipe

HIGH_FD = 1500


def test_a_command_killed_by_the_wipe_is_waited_for_whatever_its_descriptors_number(monkeypatch) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= HIGH_FD:
        pytest.skip(f"this machine allows no descriptor numbered {HIGH_FD}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, HIGH_FD + 1), hard))
    monkeypatch.setattr(wipe, "STOP_PATIENCE_S", 0.2)  # (it ignores SIGTERM: killed once that passed)
    stubborn = subprocess.Popen([sys.executable, "-c", "import signal, sys, time\n"
                                 "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint(flush=True)\ntime.sleep(60)"],
                                stdout=subprocess.PIPE)
    try:
        stubborn.stdout.readline()  # (its SIGTERM handler is in place)
        pidfd = os.pidfd_open(stubborn.pid)
        os.dup2(pidfd, HIGH_FD)
        os.close(pidfd)
        assert wipe._stop_all({stubborn.pid: HIGH_FD}) == {stubborn.pid: True}
        assert stubborn.wait(5) < 0
    finally:
        stubborn.kill()
        stubborn.wait(5)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
