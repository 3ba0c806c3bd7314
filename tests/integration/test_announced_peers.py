"""Peers learned from `node.announce` events: a node that hears, through another, how to reach a
third node dials it by itself, and lists it with source "announce"."""
from __future__ import annotations

from local_cluster import Cluster, cli, cli_json, open_links, publish_action


def test_a_node_dials_a_peer_it_learned_from_an_announcement(cluster: Cluster) -> None:
    calais, bristol, cardiff = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")])
    bristol.peers.append(calais.port)
    cardiff.peers.append(bristol.port)  # Cardiff knows only Bristol
    for node in (calais, bristol, cardiff):
        cluster.start(node)
    calais_address = f"http://{calais.address}"
    assert all(p["address"] != calais_address for p in cli_json(cardiff, "peers", "ls"))

    cli(calais, "publish", "node.announce", "--addresses", calais.address)
    cluster.wait(lambda: any(p["address"] == calais_address for p in cli_json(cardiff, "peers", "ls")), 30,
                 "Cardiff learning Calais's address from the announcement relayed by Bristol")
    [learned] = [p for p in cli_json(cardiff, "peers", "ls") if p["address"] == calais_address]
    assert learned["source"] == "announce", learned
    cluster.wait(lambda: open_links(calais) == 2, 30, "Cardiff dialling Calais directly (Calais: Bristol and Cardiff)")
    later = publish_action(calais, "Reaches Cardiff directly too", region="calais")
    cluster.wait(lambda: later.hex() in {e["id"] for e in cli_json(cardiff, "ls")}, 15, "Cardiff holding Calais's event")
    # Cardiff announced nothing: Calais keeps it as an inbound link only, not in its peer list.
    assert all(p["address"] != f"http://{cardiff.address}" for p in cli_json(calais, "peers", "ls"))
