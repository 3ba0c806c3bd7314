"""`solnet sync` is marked as running (node/sync_mark.py) before it unlocks the keys, as `export` and
the signing commands are. It unlocked them first (its passphrase read, then seconds of Argon2id on a
Pi) and only then made its mark: a panic wipe begun and ended meanwhile never found it, and once
unlocked it ran on the wiped home with the keys, connecting to its peer as this device and storing
the peer's events (the nodes' addresses among them) into the database the wipe had just emptied of
them. Real processes: its passphrase comes from a pipe nobody writes, so it waits before its keys.
Stopped there, it says so, as export, import and the signing commands do: it had no SIGTERM handler,
and the default kill left the terminal not echoing at a passphrase prompt, with not a word said."""
from __future__ import annotations

import json
import os
import socket
import subprocess

from node import sync_mark
from node.demo import localnet
from solnet_errors import EXIT_INTERRUPTED
from test_unknown_alert_region import WAIT_S


def test_the_wipe_finds_a_sync_still_unlocking_its_keys(cli, network, tmp_path) -> None:
    b = network.b
    fifo = tmp_path / "passphrase"
    os.mkfifo(fifo, 0o600)
    env = {**cli.base_env(), "SOLNET_PASSPHRASE_FILE": str(fifo)}
    env.pop("SOLNET_PASSPHRASE")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    sync = subprocess.Popen([str(cli.SOLNET), "--home", str(b), "sync", f"127.0.0.1:{silent.getsockname()[1]}"],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        marked = localnet.wait_until(lambda: sync_mark.holder(b) == sync.pid or sync.poll() is not None, WAIT_S, 0.05)
        assert marked and sync.poll() is None, "a sync reading its passphrase held no mark: a wipe would not find it"
        wiped = json.loads(cli.run(b, "wipe", "--yes", "--json").stdout)
        assert wiped["stopped_sync_pid"] == sync.pid, wiped
        assert sync.wait(WAIT_S) == EXIT_INTERRUPTED
        said = sync.stderr.read().decode()
        assert "the sync was stopped (SIGTERM: a panic wipe of this home stops it); it syncs nothing more" in said, said
    finally:
        if sync.poll() is None:
            sync.kill()
        sync.wait(WAIT_S)
        sync.stderr.close()
        silent.close()
