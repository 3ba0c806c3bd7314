"""A group that leaves the network (`solnet revoke OWN_GROUP_ID`) or a device that revokes itself
strands nothing: `solnet revoke` refuses while this home holds events of its device that no peer is
known to hold (an all clear given with no node running), and while the group has live alerts, and
says to sync (or give the all clear) first; `--anyway` revokes and says what was lost. Real nodes:
the reviewer's week (Dunkerque's all clear, then its leaving, then a sync refused as revoked)."""
from __future__ import annotations

from local_cluster import Cluster, cli, cli_json

RAID = ("alert", "--region", "dunkerque", "--type", "raid", "--text", "Raid at Puythouck")


def _all_clear(node, alert: str) -> None:
    cli(node, "publish", "alert.update", "--alert", alert, "--status", "all_clear", "--text", "police gone")


def test_an_all_clear_given_offline_reaches_the_network_before_the_group_leaves(cluster: Cluster) -> None:
    calais, dk = cluster.network([("Calais", "calais"), ("Dunkerque", "dunkerque")])
    group = dk.home.config().group_id
    cluster.start(calais)
    alert = cli_json(dk, "publish", *RAID, "--json")["id"]
    cli(dk, "sync", calais.address)
    assert [a["id"] for a in cli_json(calais, "view", "alerts")] == [alert]
    _all_clear(dk, alert)  # no node runs on Dunkerque's home: it goes at the next sync

    refused = cli(dk, "revoke", group, "--reason", "group dissolved", ok=False)
    assert refused.returncode == 1, refused.stderr
    said = " ".join(refused.stderr.split())
    assert "Not revoked: this group leaving the network would leave unsent what no other node has yet." in said, said
    assert "1 event this device signed that no peer is known to hold (seq 2: alert.update)" in said, said
    assert "run `solnet sync PEER`" in said and "add --anyway: that event is not sent (only a bundle this home exports still carries it)" in said, said
    assert "WARNING" not in cli(dk, "status").stdout  # nothing was signed

    cli(dk, "sync", calais.address)  # the all clear goes; its confirming round says Calais holds it
    left = cli(dk, "revoke", group, "--reason", "group dissolved")
    assert "This group has left the network" in left.stdout and "Not sent:" not in left.stdout, left.stdout
    cli(dk, "sync", calais.address, ok=False)  # the revocations go, then Calais refuses the device
    assert cli_json(calais, "view", "alerts") == []
    [ended] = cli_json(calais, "view", "alert-history")
    assert (ended["status"], ended["group_gone"]) == ("all_clear", "left"), ended


def test_leaving_with_a_live_alert_says_to_clear_it_and_anyway_says_it_stays(cluster: Cluster) -> None:
    calais, dk = cluster.network([("Calais", "calais"), ("Dunkerque", "dunkerque")])
    group = dk.home.config().group_id
    cluster.start(calais)
    alert = cli_json(dk, "publish", *RAID, "--json")["id"]
    cli(dk, "sync", calais.address)  # Calais holds it: only the live alert stands in the way

    refused = cli(dk, "revoke", group, ok=False)
    said = " ".join(refused.stderr.split())
    assert "no peer is known to hold" not in said, said
    assert f'Your group\'s alert is still live: raid in dunkerque "Raid at Puythouck" ({alert[:12]}…)' in said, said
    assert "solnet publish alert.update --alert ID --status all_clear" in said and alert in said, said
    assert "add --anyway: that alert stays live everywhere until it expires" in said, said

    left = cli(dk, "revoke", group, "--anyway").stdout
    assert "This group has left the network" in left, left
    assert f'Left live: raid in dunkerque "Raid at Puythouck" ({alert[:12]}…); nobody can clear it' in left, left


def test_a_running_nodes_rounds_tell_what_its_peers_hold(cluster: Cluster) -> None:
    """Its own device revoked by a device (its group's key signs nothing more is not needed here:
    the check is the same): the running node's rounds record what its peer holds."""
    calais, dk = cluster.network([("Calais", "calais"), ("Dunkerque", "dunkerque")])
    cluster.start(calais)
    dk.peers.append(calais.port)
    cluster.start(dk)
    alert = cli_json(dk, "publish", *RAID, "--json")["id"]
    cluster.wait(lambda: [a["id"] for a in cli_json(calais, "view", "alerts")] == [alert], 30, "the raid at Calais")
    _all_clear(dk, alert)
    cluster.wait(lambda: cli_json(calais, "view", "alerts") == [], 30, "the all clear at Calais")
    device = dk.home.config().device_id
    # Until a round after it finds Calais holding it, the all clear counts as not sent; then it goes
    cluster.wait(lambda: cli(dk, "revoke", device, "--reason", "retired", ok=False).returncode == 0, 30,
                 "Dunkerque's rounds finding Calais holding its all clear")
