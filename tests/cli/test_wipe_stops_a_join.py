"""The panic wipe stops a `solnet join` holding the unlocked keys (node/sync_mark.py SIGN), as it
stops `publish` and `vouch`. A join unlocks the keys, then certifies this device and publishes the
group's profile with them, but made no mark: a wipe begun while it read its passphrase (or through
its seconds of Argon2id) never found it, and it signed into the wiped home afterwards. Real
processes: its passphrase comes from a pipe nobody writes, so it waits holding its mark."""
from __future__ import annotations

from node import sync_mark
from stopped_at_its_passphrase import assert_the_wipe_stops_it


def test_the_wipe_stops_a_join_at_its_passphrase(cli, network, tmp_path) -> None:
    c = tmp_path / "C"
    prepared = cli.run_json(c, "init", "--group", "Dover", "--region", "dover")
    cli.run(network.a, "invite", prepared["group_id"], "--out", tmp_path / "token")
    assert_the_wipe_stops_it(
        cli, c, ["join", str(tmp_path / "token")], tmp_path,
        lambda pid: [h.pid for h in sync_mark.holders(c, sync_mark.SIGN)] == [pid], "stopped_sign_pid",
        "the join was stopped (SIGTERM: a panic wipe of this home stops it); it signs nothing more")
