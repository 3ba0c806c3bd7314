"""A home copied back with the modes of its copy (a USB stick's FAT, `rsync` without -p, a tar of
another user's) is closed again by the next command: its files 0600 and its folder 0700. The folder
stayed open (0755) until 2026-12-06: every user of the machine could list it, a solnet node's
keystore, database and socket by name."""
from __future__ import annotations

import stat


def test_a_home_restored_open_is_closed_by_the_next_command(network, cli):
    home = network.b
    for path in home.iterdir():
        path.chmod(0o644)
    home.chmod(0o755)
    cli.run(home, "status")
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in ("keystore", "config.json", "solnet.db"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name


def test_a_home_others_may_write_to_is_still_refused_not_mended(network, cli):
    home = network.b
    home.chmod(0o777)
    refused = cli.run(home, "status", ok=False)
    assert refused.returncode == 3 and "can be written by other users" in refused.stderr, refused.stderr
    assert stat.S_IMODE(home.stat().st_mode) == 0o777
    home.chmod(0o700)
