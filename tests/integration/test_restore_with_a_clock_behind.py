"""A home restored from a backup on a machine whose clock is a day behind (a Raspberry Pi has no
real-time clock: after a power cut it runs late until it reaches a time server). Its sync brings
its own newer events, which the original published after the backup was taken, but it refuses them
as stamped more than 10 minutes after its clock. Until 2026-12-06 that round counted all the same
as catching up (node/chain_gate.py): the next publish signed at a seq the network held, a fork, and
once the clock was right every node froze the device. Now a round that left some of this device's
events unstored opens nothing; once the clock is right, a sync brings them in and no fork is made.
The restored home's clock is moved with libfaketime (test_clock_set_back.py)."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from local_cluster import Cluster, cli, cli_env, holds, publish
from test_key_elsewhere import stopped_after_its_first_alert
from test_clock_set_back import stepped_clock
from test_restore_without_fork import device_head, no_forks
from node.demo import localnet

DAY_S = 86400


def test_a_restored_home_whose_clock_is_behind_does_not_fork_its_device(cluster: Cluster, tmp_path: Path) -> None:
    calais, bristol = stopped_after_its_first_alert(cluster)  # Calais's home backed up now
    backup = tmp_path / "backup"
    shutil.copytree(calais.home.path, backup)
    cluster.start(calais)
    newer = [publish(calais, "need", region="calais", category=c, quantity="3") for c in ("food", "water")]
    cluster.wait(lambda: all(holds(bristol, n) for n in newer), 20, "Calais's newer needs on Bristol")
    assert localnet.stop(calais) == 0
    shutil.rmtree(calais.home.path)
    shutil.copytree(backup, calais.home.path)  # the original is gone; the backup is restored
    head = device_head(calais)

    _, behind = stepped_clock(tmp_path, "-1d", -DAY_S)

    def slow(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*localnet.solnet_command(), "--home", str(calais.home.path), *args],
                              env={**os.environ, **cli_env(), **behind}, capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)

    synced = slow("sync", bristol.address)
    assert "rejected" in synced.stdout and device_head(calais) == head, synced  # its own newer events refused
    refused = slow("publish", "need", "--region", "calais", "--category", "blankets", "--quantity", "1")
    assert refused.returncode != 0 and "Nothing was published" in refused.stderr, refused
    assert device_head(calais) == head, "a publish signed at a seq the network holds"

    cli(calais, "sync", bristol.address)  # the clock is set right: the sync brings them in
    assert device_head(calais) == head + 2
    publish(calais, "need", region="calais", category="blankets", quantity="1")
    cli(calais, "sync", bristol.address)
    assert device_head(calais) == head + 3 and no_forks(calais) and no_forks(bristol)
