"""A running node on a home that syncs with no peer (sneakernet: its events leave in bundles) signs
on after an ordinary restart, but once restored from a backup older than its last export it
refuses a publish over the API with what to do (node/chain_gate.py), until the newest bundle it
made is imported: then it signs after that bundle's events, no fork."""
from __future__ import annotations

import json
import shutil
import urllib.error
from pathlib import Path

from local_cluster import Cluster, api, cli, holds, publish_action, status
from node.demo import localnet

ACTION = {"kind": "action", "fields": {"title": "Tents at the canal", "region": "calais", "type": "protest",
                                       "starts_at": "2031-06-01T18:00"}}


def test_a_restored_sneakernet_node_refuses_over_the_api_until_it_imports_its_newest_bundle(
        cluster: Cluster, tmp_path: Path) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    assert not calais.peers
    cluster.start(calais)
    publish_action(calais, "Before the backup")
    assert localnet.stop(calais) == 0
    backup = tmp_path / "backup"
    shutil.copytree(calais.home.path, backup)

    cluster.start(calais)  # an ordinary restart of the same copy: not held
    newer = bytes.fromhex(api(calais, "/api/v1/events", ACTION)["event"]["id"])
    cli(calais, "export", tmp_path / "calais.bundle")
    assert localnet.stop(calais) == 0

    shutil.rmtree(calais.home.path)
    shutil.copytree(backup, calais.home.path)  # restored: it lacks `newer`, which the bundle holds
    cluster.start(calais)
    try:
        api(calais, "/api/v1/events", ACTION)
        raise AssertionError("a restored sneakernet node published before importing its newest bundle")
    except urllib.error.HTTPError as exc:
        refusal = json.loads(exc.read())
    words = " ".join(json.dumps(refusal).split())
    assert "not_caught_up" in words and "Import the newest bundle this home made" in words, words
    assert '\\"offline\\": true in the body' in words, words
    assert status(calais)["restore_wait"]["bundle"] is True

    said = cli(calais, "import", tmp_path / "calais.bundle").stdout
    assert "it may publish again" in said, said
    assert holds(calais, newer)
    api(calais, "/api/v1/events", ACTION)
    assert localnet.stop(calais) == 0
    after = status(calais)
    assert after["forks"] == 0 and after["restore_wait"] is None, after
