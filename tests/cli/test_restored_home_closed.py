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


def test_the_lock_the_passphrase_files_record_and_the_login_links_are_closed_too(network, cli):
    """A restored home's node.lock (the pid of its node), passphrase-file.where (where the passphrase
    is kept) and login-links folder kept the modes of the copy until 2026-12-06: files created 0600
    only when new."""
    home = network.b
    cli.run(home, "dashboard-link")
    (home / "node.lock").write_text("4242\n")
    (home / "passphrase-file.where").write_text("/etc/solnet/passphrase\n")
    links = home / "login-links"
    for path in (*home.iterdir(), *links.iterdir()):
        if path.is_file():
            path.chmod(0o644)
    links.chmod(0o755)
    home.chmod(0o755)
    cli.run(home, "status")
    assert stat.S_IMODE(links.stat().st_mode) == 0o700
    for path in (home / "node.lock", home / "passphrase-file.where", *links.iterdir()):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
