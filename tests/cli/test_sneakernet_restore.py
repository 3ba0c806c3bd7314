"""A home whose events only leave it in bundles (no peers, never synced) is held once restored,
copied or moved, until it imports the newest bundle it made or signs once with --offline
(node/chain_gate.py). Without it, a home restored from a backup older than its last export signed
at once at a seq that bundle holds: a fork, and its device frozen on every node."""
from __future__ import annotations

import shutil
from pathlib import Path

from stored_earlier import stored_earlier

TODO = "Import the newest bundle this home made (`solnet import FILE`), then publish again"


def need(cli, home: Path, quantity: int, *more: str):
    return cli.run(home, "publish", "need", "--category", "tents", "--quantity", str(quantity), "--region", "calais",
                   *more, ok=False)


def said(proc) -> str:
    return " ".join((proc.stdout + proc.stderr).split())


def restore(home: Path, backup: Path) -> None:
    shutil.rmtree(home)
    shutil.copytree(backup, home)


def test_a_home_restored_from_before_its_last_export_publishes_only_once_it_imported_it(tmp_path, cli) -> None:
    home = tmp_path / "a"
    cli.run_json(home, "init", "--group", "Calais", "--region", "calais", "--new-network")
    assert need(cli, home, 1).returncode == 0
    shutil.copytree(home, tmp_path / "backup")  # the backup, before any export
    assert need(cli, home, 2).returncode == 0  # (the same copy signs on: not held)
    cli.run(home, "export", tmp_path / "a.bundle")
    restore(home, tmp_path / "backup")
    events = cli.run_json(home, "status")["events"]

    refused = need(cli, home, 3)
    assert refused.returncode != 0 and TODO in said(refused), said(refused)
    assert "--offline" in said(refused) and "Nothing was published" in said(refused)
    status = cli.run_json(home, "status")
    assert status["events"] == events and status["restore_wait"]["bundle"] is True, status
    assert "WARNING: this home was restored from a backup, copied or moved" in said(cli.run(home, "status"))
    assert TODO in said(cli.run(home, "status"))

    imported = cli.run(home, "import", tmp_path / "a.bundle")
    assert "it may publish again" in said(imported), said(imported)
    assert need(cli, home, 3).returncode == 0
    status = cli.run_json(home, "status")
    assert status["forks"] == 0 and status["restore_wait"] is None, status


def test_a_bundle_older_than_the_copy_does_not_open_it(tmp_path, cli) -> None:
    home = tmp_path / "a"
    cli.run_json(home, "init", "--group", "Calais", "--region", "calais", "--new-network")
    cli.run(home, "export", tmp_path / "old.bundle")
    shutil.copytree(home, tmp_path / "backup")  # after the old bundle, before the newest
    assert need(cli, home, 2).returncode == 0
    cli.run(home, "export", tmp_path / "new.bundle")
    restore(home, tmp_path / "backup")

    old = cli.run(home, "import", tmp_path / "old.bundle")
    assert "still publishes nothing" in said(old) and "this bundle is older than this copy" in said(old), said(old)
    assert need(cli, home, 3).returncode != 0
    cli.run(home, "import", tmp_path / "new.bundle")
    assert need(cli, home, 3).returncode == 0
    assert cli.run_json(home, "status")["forks"] == 0


def test_a_home_moved_to_a_new_machine_signs_on_after_one_offline_publish(tmp_path, cli, network) -> None:
    """The newest copy moved (the old Pi stopped for good): another group's bundle does not open it,
    --offline does, once; the next publish needs no override."""
    assert need(cli, network.a, 1).returncode == 0
    moved = tmp_path / "new-pi"
    shutil.copytree(network.a, moved)
    assert need(cli, moved, 2).returncode != 0
    cli.run(network.b, "export", tmp_path / "b.bundle")
    theirs = cli.run(moved, "import", tmp_path / "b.bundle")
    assert "this bundle was not made by this home's own device" in said(theirs), said(theirs)
    assert need(cli, moved, 2).returncode != 0
    assert need(cli, moved, 2, "--offline").returncode == 0
    assert need(cli, moved, 3).returncode == 0
    assert cli.run_json(moved, "status")["restore_wait"] is None


def test_a_bundle_made_with_since_that_lacks_the_events_before_it_says_so_and_never_offers_offline(tmp_path, cli) -> None:
    """The newest bundle, made with `export --since` after the backup, holds newer events of this home's
    keys but not those between the backup and its --since: they stay pending, the home lacks them. Told
    "older than this copy ... publish with --offline", a person forked the device."""
    from datetime import datetime, timezone

    home = tmp_path / "a"
    cli.run_json(home, "init", "--group", "Calais", "--region", "calais", "--new-network")
    assert need(cli, home, 1).returncode == 0
    shutil.copytree(home, tmp_path / "backup")
    assert need(cli, home, 2).returncode == 0
    stored_earlier(home)  # (stored times are kept to the minute: else this one decides)
    since = datetime.now(timezone.utc).isoformat()
    assert need(cli, home, 3).returncode == 0
    cli.run(home, "export", "--since", since, tmp_path / "week.bundle")
    cli.run(home, "export", tmp_path / "whole.bundle")
    restore(home, tmp_path / "backup")

    week = cli.run(home, "import", tmp_path / "week.bundle")
    assert "--offline" not in said(week) and "older than this copy" not in said(week), said(week)
    assert "without the events before them" in said(week) and "--since" in said(week), said(week)
    assert cli.run_json(home, "import", tmp_path / "week.bundle")["restore"] == "gap"
    assert need(cli, home, 4).returncode != 0
    forced = need(cli, home, 4, "--offline")  # (it would sign at seq 3, which the device already used)
    assert forced.returncode != 0 and "without the events before them" in said(forced), said(forced)
    whole = cli.run(home, "import", tmp_path / "whole.bundle")
    assert "it may publish again" in said(whole), said(whole)
    assert need(cli, home, 4).returncode == 0
    assert cli.run_json(home, "status")["forks"] == 0


def test_its_own_bundle_imported_again_is_not_news_from_the_network(tmp_path, cli, network) -> None:
    """A restored home importing the bundle it made itself heard from no other node: the time it last
    heard from the network (the cut-off banner, `status`, `export-site`) counts another device's only."""
    from test_heard_word_of_a_revoked_peer import heard

    home = tmp_path / "a"
    cli.run_json(home, "init", "--group", "Calais", "--region", "calais", "--new-network")
    assert need(cli, home, 1).returncode == 0
    shutil.copytree(home, tmp_path / "backup")
    assert need(cli, home, 2).returncode == 0
    cli.run(home, "export", tmp_path / "a.bundle")
    restore(home, tmp_path / "backup")
    assert "it may publish again" in said(cli.run(home, "import", tmp_path / "a.bundle"))
    assert heard(home) is None
    before = heard(network.a)
    cli.run(network.b, "export", tmp_path / "b.bundle")  # (another device's bundle still counts)
    cli.run(network.a, "import", tmp_path / "b.bundle")
    assert heard(network.a) is not None and heard(network.a) != before
