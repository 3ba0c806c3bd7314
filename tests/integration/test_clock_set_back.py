"""A node whose wall clock is set back while it runs: a laptop whose hardware clock keeps local time
(beside Windows) boots an hour or two ahead, its node starts, then a time server sets the clock
back. Until 2026-12-03 that node dialled no peer it had failed to reach for as long as the clock went
back (the backoffs were drawn on the fast clock), and refused to publish anything, alerts included,
because its first round seemed to end before it started.

The node's clock is stepped with libfaketime (LD_PRELOAD, its wall clock only: the monotonic clock
of the link's deadlines is left alone), so the node is a real `solnet run` process; the machine's
clock is never touched.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import libfaketime
import pytest

from local_cluster import Cluster, cli, holds, log_text, publish

TWO_HOURS_S = 7200


def faketime_env(stamp: Path) -> dict[str, str]:
    """The environment that runs a process on the clock `stamp` says (an offset such as "+2h",
    read again at every call, so writing the file steps the running process's clock)."""
    _, env = libfaketime.get_reload_information()
    return {**env, "FAKETIME_TIMESTAMP_FILE": str(stamp), "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1", "DONT_FAKE_MONOTONIC": "1"}


def faked_clock_offset(env: dict[str, str]) -> float:
    """Seconds that a process run with `env` sees its wall clock ahead of this one's."""
    out = subprocess.run([sys.executable, "-c", "import time; print(time.time())"], env={**os.environ, **env},
                         capture_output=True, text=True, timeout=30, check=True)
    import time
    return float(out.stdout.strip()) - time.time()


def stepped_clock(tmp_path: Path, offset: str, seconds: float) -> tuple[Path, dict[str, str]]:
    """A clock file starting at `offset` (e.g. "+2h", `seconds` ahead) and the environment that runs
    a process on it; fails the test if libfaketime moves no clock here."""
    stamp = tmp_path / "stepped-clock"
    stamp.write_text(f"{offset}\n")
    env = faketime_env(stamp)
    if abs(faked_clock_offset(env) - seconds) > 60:
        pytest.fail("libfaketime did not move a process's clock (LD_PRELOAD refused?): this test cannot step one")
    return stamp, env


def test_a_clock_set_back_neither_stops_the_dials_nor_holds_the_nodes_publishing(cluster: Cluster,
                                                                                  tmp_path: Path) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    calais.peers = [bristol.port]
    stamp, env = stepped_clock(tmp_path, "+2h", TWO_HOURS_S)

    cluster.start(calais, extra_env=env)  # Bristol is not up: the first dials fail, on the fast clock
    cluster.wait(lambda: "2 failures in a row" in log_text(calais), 20, "Calais failing twice to reach Bristol")
    stamp.write_text("+0\n")  # the time server sets Calais's clock back two hours
    cluster.start(bristol)

    cluster.wait(lambda: "connected (outbound)" in log_text(calais), 30,
                 "Calais dialling Bristol again (before: not for two hours)")
    alert = publish(calais, "alert", region="calais", type="raid", text="Police at the hospital camp")
    cluster.wait(lambda: holds(bristol, alert), 20, "Calais's alert on Bristol")


def test_a_clock_ahead_is_told_when_two_peers_do_not_take_what_it_publishes(cluster: Cluster, tmp_path: Path) -> None:
    """A node whose clock runs an hour ahead stamps its events an hour ahead: every peer refuses
    them (more than 10 minutes after its own clock) and says nothing back, so an alert published
    there reaches no one. After complete rounds that gave two peers those events and found them
    still lacking, the node says so, in its log and its status, and names the likely cause."""
    calais, bristol, cardiff = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")])
    calais.peers = [bristol.port, cardiff.port]
    _, env = stepped_clock(tmp_path, "+1h", TWO_HOURS_S / 2)
    cluster.start(bristol)
    cluster.start(cardiff)
    cluster.start(calais, extra_env=env)
    alert = publish(calais, "alert", region="calais", type="raid", text="Police at the hospital camp")
    cluster.wait(lambda: "did not take this device's events" in log_text(calais), 30,
                 "Calais saying that its peers do not take its events")
    assert not holds(bristol, alert) and not holds(cardiff, alert)
    said = cli(calais, "status").stdout
    assert "WARNING: Peers of 2 groups did not take this device's events" in said and "clock may be ahead" in said, said
    again = cli(calais, "publish", "alert", "--region", "calais", "--type", "raid", "--text", "Still there")
    assert "warning: Peers of 2 groups did not take this device's events" in again.stderr, again.stderr  # where it was typed
