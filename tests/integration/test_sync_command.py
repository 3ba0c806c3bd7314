"""`solnet sync ADDRESS`: one anti-entropy round against a running node, with a summary."""
from __future__ import annotations

import re

from local_cluster import Cluster, cli, cli_json, event_ids, publish, publish_action, status
from node import localnet


def test_one_shot_sync_against_a_running_node(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cluster.start(calais)  # Bristol does not run: it only syncs once, on demand
    calais_own = {publish_action(calais, f"Calais action {i}") for i in range(3)}
    bristol_own = {publish(bristol, "need", category="blankets", quantity=5 + i, region="bristol") for i in range(2)}
    assert event_ids(calais) - event_ids(bristol) == calais_own

    first = cli(bristol, "sync", calais.address)
    assert first.stdout.startswith(f"Synced with http://{calais.address}"), first.stdout
    summary = re.search(r"received (\d+) events? \((\d+) new, .*\), sent (\d+) events?\.", first.stdout)
    assert summary, first.stdout
    received, new, sent = map(int, summary.groups())
    assert received == new == len(calais_own), first.stdout
    # Bristol's group chain may travel in the handshake (its credentials); its device's events cannot.
    assert len(bristol_own) <= sent <= len(bristol_own) + 2, first.stdout
    assert "Traceback" not in first.stderr
    assert event_ids(bristol) == event_ids(calais)
    assert bristol_own <= event_ids(calais)  # stored by the peer before `sync` returns (confirming round)
    assert status(calais)["frontier_digest"] == status(bristol)["frontier_digest"]

    newer = publish_action(calais, "Published after the first sync")  # `solnet run` is running on this home
    summary = cli_json(bristol, "sync", f"http://{calais.address}")
    assert summary["received"] == 1 and summary["sent"] == 0, summary
    assert summary["in_sync"] is False and summary["outcomes"] == {"accepted": 1}, summary
    assert newer in event_ids(bristol)

    again = cli(bristol, "sync", calais.address)
    assert again.stdout.startswith(f"Already in sync with http://{calais.address}"), again.stdout
    again_json = cli_json(bristol, "sync", calais.address)
    assert again_json["in_sync"] is True and again_json["received"] == again_json["sent"] == 0, again_json
    assert "Traceback" not in again.stderr


def test_one_shot_sync_to_nothing_listening_fails_clearly(cluster: Cluster) -> None:
    calais, = cluster.network([("Calais", "calais")])
    port, = localnet.free_ports(1)
    before = event_ids(calais)
    proc = cli(calais, "sync", f"127.0.0.1:{port}", ok=False, timeout=30)
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "cannot reach" in proc.stderr and str(port) in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert event_ids(calais) == before
