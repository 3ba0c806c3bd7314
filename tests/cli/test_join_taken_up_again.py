"""A `solnet join` killed after it stored the invite's events (a power cut on a Pi mid-join) is
taken up where it stopped by running `join` again: it certifies the device if that was not done,
keeps the invite's peers, and signs nothing twice. It said "this node is already in a network"
instead, beside a home whose device might not be certified and whose peers were not kept. A home
whose join finished is still refused a second join, in words that say what to do (`solnet run`).
Until the join is run again, the other commands say so (exit 3, which a service is not restarted
on) where `status` said nothing and `run` started a node no peer would take."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from node.store import Store

# Runs `solnet join` in this process, ending it (as a power cut would: no clean-up runs) when the
# named step of node/membership.py is reached.
KILLED_AT = """
import os, sys
from node import membership
def die(*args, **kwargs):
    os._exit(9)
owner, _, name = sys.argv[1].rpartition(".")  # a function of the module, or a method of one of its classes
setattr(getattr(membership, owner) if owner else membership, name, die)
import cli
sys.exit(cli.main(sys.argv[2:]))
"""


def _group_events(home: Path, group_id: str) -> list[int]:
    store = Store(home / "solnet.db")
    try:
        return [store.head(bytes.fromhex(group_id))[0]]
    finally:
        store.close()


@pytest.mark.parametrize("step", ["admit_own_device", "invite_peers"])
def test_a_join_killed_after_it_stored_the_invite_is_taken_up_again(tmp_path, cli, step):
    a, b = tmp_path / "A", tmp_path / "B"
    founded = cli.run_json(a, "init", "--group", "Calais", "--region", "calais", "--new-network")
    prepared = cli.run_json(b, "init", "--group", "Bristol", "--region", "bristol")
    token = tmp_path / "token"
    cli.run(a, "invite", prepared["group_id"], "--out", token, "--peer", "127.0.0.1:7000")
    killed = subprocess.run([sys.executable, "-c", KILLED_AT, step, "--home", str(b), "join", str(token)],
                            env=cli.base_env(), capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    assert killed.returncode == 9, killed.stderr
    signed = _group_events(b, prepared["group_id"])
    for command in (("status",), ("run", "--listen", "127.0.0.1:0")):  # said so, not "not running"
        cut = cli.run(b, *command, ok=False)
        assert cut.returncode == 3 and "cut short" in cut.stderr and "solnet join FILE" in cut.stderr, cut

    joined = cli.run_json(b, "join", token)  # refused before, as "already in a network"
    assert joined["network_id"] == founded["network_id"] and joined["was_in_network"] is None, joined
    status = cli.run_json(b, "status")
    assert status["network_id"] == founded["network_id"], status
    # The group named its admitter, certified the device and published its profile, each once (what
    # the killed join signed is kept, not signed again at the same seqs: that would fork its key)
    assert signed == ([1] if step == "admit_own_device" else [3])
    assert _group_events(b, prepared["group_id"]) == [3], (signed, step)
    assert "127.0.0.1:7000" in cli.run(b, "peers").stdout

    again = cli.run(b, "join", token)  # a finished join: nothing more to do, in words that say what next
    assert "already joined" in again.stdout and "solnet run" in again.stdout, again.stdout


@pytest.mark.parametrize("step", ["EventLog.create", "admit_own_device"])
def test_founding_a_network_cut_short_is_founded_again(tmp_path, cli, step):
    """`init --new-network` killed after it made the database: the home was left in a network with
    no certified device (`status`: "0 devices"; a publish refused as "not certified"; `init` again:
    "already holds a node"). Now the commands say so, and the same `init --new-network` founds it."""
    home = tmp_path / "A"
    killed = subprocess.run([sys.executable, "-c", KILLED_AT, step, "--home", str(home), "init", "--group", "Calais",
                             "--region", "calais", "--new-network"],
                            env=cli.base_env(), capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    assert killed.returncode == 9, killed.stderr
    cut = cli.run(home, "status", ok=False)
    assert cut.returncode == 3 and "init --new-network" in cut.stderr, cut

    founded = cli.run_json(home, "init", "--group", "Calais", "--region", "calais", "--new-network")
    status = cli.run_json(home, "status")
    assert status["network_id"] == founded["network_id"] and status["devices"] == 1, status
    cli.run(home, "publish", "need", "--category", "water", "--quantity", "3", "--region", "calais")
