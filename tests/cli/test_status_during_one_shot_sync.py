"""`solnet status` while a one-shot `solnet sync` runs on the home (a Pi's first sync of 100k events
takes minutes): it said "node: not running (start it with `solnet run`)" and nothing of the sync
storing events. Now it says that a sync runs, with its pid (node/sync_mark.py). Real processes: the
sync dials a listener on 127.0.0.1 that accepts and never answers, so it is still running when
`status` asks."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from node.demo import localnet
from node.home import PASSPHRASE_ENV
from one_shot_sync import one_shot_sync

PASSPHRASE = "status during a sync: tests only"


def test_status_says_a_one_shot_sync_runs(tmp_path: Path) -> None:
    [calais] = localnet.create_network(tmp_path / "net", [("Calais", "calais")], PASSPHRASE)
    home = calais.home.path
    env = {**os.environ, PASSPHRASE_ENV: PASSPHRASE}
    solnet = localnet.solnet_command()
    with one_shot_sync(home, PASSPHRASE) as sync:
        status = subprocess.run([*solnet, "--home", str(home), "status"], env=env, capture_output=True, text=True,
                                timeout=60, stdin=subprocess.DEVNULL)
        assert status.returncode == 0, status.stderr
        assert f"a `solnet sync` (pid {sync.pid}) is storing events from a peer now" in status.stdout, status.stdout
        assert "start it with" not in status.stdout, status.stdout
    after = subprocess.run([*solnet, "--home", str(home), "status"], env=env, capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
    assert "node: not running (start it with `solnet run`)" in after.stdout, after.stdout  # kill -9: the lock went with it


def test_the_panic_wipe_stops_a_one_shot_sync_too(tmp_path: Path) -> None:
    """A `solnet sync` holds the unlocked keys and stores events while it runs: the wipe stopped only
    a `solnet run`, so a first sync of minutes went on writing into the home being destroyed, the keys
    in its memory."""
    [calais] = localnet.create_network(tmp_path / "net", [("Calais", "calais")], PASSPHRASE)
    home = calais.home.path
    env = {**os.environ, PASSPHRASE_ENV: PASSPHRASE}
    with one_shot_sync(home, PASSPHRASE) as sync:
        wiped = subprocess.run([*localnet.solnet_command(), "--home", str(home), "wipe", "--yes", "--json"], env=env,
                               capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert wiped.returncode == 0, wiped.stderr
        assert json.loads(wiped.stdout)["stopped_sync_pid"] == sync.pid
        assert sync.wait(10) is not None  # ended by the wipe
