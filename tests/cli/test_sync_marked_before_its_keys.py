"""`solnet sync` is marked as running (node/sync_mark.py) before it unlocks the keys, as `export` and
the signing commands are. It unlocked them first (its passphrase read, then seconds of Argon2id on a
Pi) and only then made its mark: a panic wipe begun and ended meanwhile never found it, and once
unlocked it ran on the wiped home with the keys, connecting to its peer as this device and storing
the peer's events (the nodes' addresses among them) into the database the wipe had just emptied of
them. Real processes: its passphrase comes from a pipe nobody writes, so it waits before its keys.
Stopped there, it says so, as export, import and the signing commands do: it had no SIGTERM handler,
and the default kill left the terminal not echoing at a passphrase prompt, with not a word said."""
from __future__ import annotations

import socket

from node import sync_mark
from stopped_at_its_passphrase import assert_the_wipe_stops_it


def test_the_wipe_finds_a_sync_still_unlocking_its_keys(cli, network, tmp_path) -> None:
    b = network.b
    with socket.socket() as silent:  # a peer that never answers, if the sync ever got that far
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        assert_the_wipe_stops_it(
            cli, b, ["sync", f"127.0.0.1:{silent.getsockname()[1]}"], tmp_path,
            lambda pid: sync_mark.holder(b) == pid, "stopped_sync_pid",
            "the sync was stopped (SIGTERM: a panic wipe of this home stops it); it syncs nothing more")
