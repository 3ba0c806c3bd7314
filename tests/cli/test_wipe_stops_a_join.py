"""The panic wipe stops a `solnet join` holding the unlocked keys (node/sync_mark.py SIGN), as it
stops `publish` and `vouch`. A join unlocks the keys, then certifies this device and publishes the
group's profile with them, but made no mark: a wipe begun while it read its passphrase (or through
its seconds of Argon2id) never found it, and it signed into the wiped home afterwards. Real
processes: its passphrase comes from a pipe nobody writes, so it waits holding its mark."""
from __future__ import annotations

import json
import os
import subprocess

from node import sync_mark
from node.demo import localnet
from solnet_errors import EXIT_INTERRUPTED
from test_unknown_alert_region import WAIT_S


def test_the_wipe_stops_a_join_at_its_passphrase(cli, network, tmp_path) -> None:
    c = tmp_path / "C"
    prepared = cli.run_json(c, "init", "--group", "Dover", "--region", "dover")
    cli.run(network.a, "invite", prepared["group_id"], "--out", tmp_path / "token")
    fifo = tmp_path / "passphrase"
    os.mkfifo(fifo, 0o600)
    env = {**cli.base_env(), "SOLNET_PASSPHRASE_FILE": str(fifo)}
    env.pop("SOLNET_PASSPHRASE")
    join = subprocess.Popen([str(cli.SOLNET), "--home", str(c), "join", str(tmp_path / "token")],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        marked = localnet.wait_until(lambda: [h.pid for h in sync_mark.holders(c, sync_mark.SIGN)] == [join.pid]
                                     or join.poll() is not None, WAIT_S, 0.05)
        assert marked and join.poll() is None, "a join reading its passphrase held no mark: a wipe would not find it"
        wiped = json.loads(cli.run(c, "wipe", "--yes", "--json").stdout)
        assert wiped.get("stopped_sign_pid") == join.pid, wiped
        assert join.wait(WAIT_S) == EXIT_INTERRUPTED
        said = join.stderr.read().decode()
        assert "the join was stopped (SIGTERM: a panic wipe of this home stops it); it signs nothing more" in said, said
    finally:
        if join.poll() is None:
            join.kill()
        join.wait(WAIT_S)
        join.stderr.close()
