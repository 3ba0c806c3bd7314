"""A bundle signed by a device that has since forked is said so, not called revoked.

A newcomer's group that only carries events on a USB stick restored its home from a backup made
before its last export, and published again (with --offline, past the refusal that now holds such a
home: node/chain_gate.py): the key signed a second event at a seq the bundle holds (a fork, as
`status` says). Importing that bundle said "signed by a device of A that has been revoked since",
beside a `status` that says nobody revoked it: it forked.
"""
from __future__ import annotations

import shutil

from test_readme import README


def test_a_bundle_of_a_device_forked_since_says_fork_not_revoked(tmp_path, cli) -> None:
    home = tmp_path / "a"
    cli.run_json(home, "init", "--group", "Calais", "--region", "calais", "--new-network")
    cli.publish(home, "need", "--category", "tents", "--quantity", "1", "--region", "calais")
    shutil.copytree(home, tmp_path / "backup")  # the backup, before the export below
    cli.publish(home, "need", "--category", "tents", "--quantity", "2", "--region", "calais")
    cli.run(home, "export", tmp_path / "a.bundle")
    shutil.rmtree(home)
    shutil.copytree(tmp_path / "backup", home)  # restored
    cli.publish(home, "need", "--category", "tents", "--quantity", "3", "--region", "calais", "--offline")  # seq 2 again
    said = cli.run(home, "import", tmp_path / "a.bundle", ok=False)
    words = " ".join((said.stdout + said.stderr).split())
    assert "whose key has since signed two different events at seq 2" in words, words
    assert "revoked since" not in words


def test_a_restored_home_that_imports_its_newest_bundle_first_does_not_fork(tmp_path, cli) -> None:
    """What the README's "Backups, restoring and upgrading" tells a home that never synced with a
    peer (it is held once restored): import the newest bundle it made, then publish."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "it signs nothing until it has imported the newest bundle it made" in text
    home = tmp_path / "a"
    cli.run_json(home, "init", "--group", "Calais", "--region", "calais", "--new-network")
    shutil.copytree(home, tmp_path / "backup")
    cli.publish(home, "need", "--category", "tents", "--quantity", "2", "--region", "calais")
    cli.run(home, "export", tmp_path / "a.bundle")
    shutil.rmtree(home)
    shutil.copytree(tmp_path / "backup", home)
    cli.run(home, "import", tmp_path / "a.bundle")
    cli.publish(home, "need", "--category", "tents", "--quantity", "3", "--region", "calais")
    assert cli.run_json(home, "status")["forks"] == 0
