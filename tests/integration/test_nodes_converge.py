"""Real nodes converge: two nodes, five in a line, and an alert flooding a line end to end.

Events are published with `solnet publish` in a separate process while `solnet run` runs on the
same home, so these tests also prove that such publishes are picked up and gossiped.
"""
from __future__ import annotations

import time

from local_cluster import Cluster, event_ids, holds, open_links, publish, publish_action, status
from node.demo import localnet


def test_two_nodes_converge_on_events_published_on_each_side(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    localnet.line([calais, bristol])
    # Rounds a minute apart: after the first one, what is published travels by push gossip only.
    cluster.start_all([calais, bristol], sync_interval=60)
    cluster.wait(lambda: open_links(calais) == open_links(bristol) == 1, 15, "the link up")

    from_calais = [publish_action(calais, f"Calais action {i}") for i in range(3)]
    from_bristol = [publish_action(bristol, f"Bristol action {i}", region="bristol") for i in range(3)]
    from_bristol.append(publish(bristol, "need", category="tents", quantity=12, region="bristol"))

    cluster.wait(lambda: all(holds(bristol, i) for i in from_calais) and all(holds(calais, i) for i in from_bristol),
                 10, "each side's publishes on the other, by push")
    cluster.wait(lambda: cluster.converged([calais, bristol]), 10, "identical event sets")
    a, b = status(calais), status(bristol)
    assert a["frontier_digest"] == b["frontier_digest"]
    assert a["events"] == b["events"] == len(event_ids(calais))
    assert a["network_id"] == b["network_id"]
    assert a["pending"] == b["pending"] == 0 and a["forks"] == b["forks"] == 0


def test_five_nodes_in_a_line_converge(cluster: Cluster) -> None:
    nodes = cluster.network([("Calais", "calais"), ("Brighton", "brighton"), ("Bristol", "bristol"),
                             ("Cardiff", "cardiff"), ("Glasgow", "glasgow")])
    localnet.line(nodes)
    cluster.start_all(nodes)

    published = {
        publish_action(nodes[0], "At the start of the line"),
        publish_action(nodes[2], "In the middle", region="bristol"),
        publish_action(nodes[4], "At the end of the line", region="glasgow"),
        publish(nodes[4], "offer", category="blankets", quantity=30, region="glasgow"),
    }

    cluster.wait(lambda: all(published <= event_ids(n) for n in nodes), 30, "every publish on every node")
    cluster.wait(lambda: cluster.converged(nodes), 15, "identical event sets on all five")
    digests = {status(n)["frontier_digest"] for n in nodes}
    assert len(digests) == 1, digests
    # Every group's membership events travelled too: all five know all five groups.
    assert all(status(n)["groups"] == 5 for n in (nodes[0], nodes[4]))


def test_alert_reaches_every_node_of_a_line_quickly(cluster: Cluster) -> None:
    nodes = cluster.network([("Calais", "calais"), ("Brighton", "brighton"), ("Bristol", "bristol"),
                             ("Cardiff", "cardiff"), ("Glasgow", "glasgow")])
    localnet.line(nodes)
    # A long anti-entropy interval: after the first rounds, only push gossip can carry the alert.
    cluster.start_all(nodes, sync_interval=60)
    expected_links = [1, 2, 2, 2, 1]
    cluster.wait(lambda: [open_links(n) for n in nodes] == expected_links, 20, "the four links of the line up")

    alert = publish(nodes[0], "alert", region="calais", type="raid", location="Loon-Plage",
                    text="Police raid at the camp near the port")
    published_at = time.monotonic()
    arrived: dict[str, float] = {}

    def everywhere() -> bool:
        for n in nodes:
            if n.name not in arrived and holds(n, alert):
                arrived[n.name] = time.monotonic() - published_at
        return len(arrived) == len(nodes)

    cluster.wait(everywhere, 10, "the alert on all five nodes", interval=0.02)
    slowest = max(arrived.values())
    print(f"alert arrival over a 5-node line (s): { {k: round(v, 3) for k, v in arrived.items()} }")
    assert slowest < 10, arrived


def test_a_repair_travels_on_at_once_not_one_hop_per_sync_interval(cluster: Cluster) -> None:
    """Events that reach a node by an anti-entropy round (here: published while their node was
    offline) are announced on to its other neighbours, who pull them and gossip them further;
    with rounds two minutes apart, only that gets them across the line within seconds."""
    calais, brighton, bristol, cardiff = cluster.network([("Calais", "calais"), ("Brighton", "brighton"),
                                                          ("Bristol", "bristol"), ("Cardiff", "cardiff")])
    line = [brighton, bristol, cardiff]
    localnet.line(line)
    cluster.start_all(line, sync_interval=120)
    cluster.wait(lambda: open_links(brighton) == 1 and open_links(bristol) == 2 and open_links(cardiff) == 1, 15,
                 "the line up, first rounds done")
    offline = [publish_action(calais, f"Published while offline {i}") for i in range(5)]  # Calais not running
    calais.peers.append(brighton.port)
    cluster.start(calais, sync_interval=120)  # its first round hands them to Brighton
    cluster.wait(lambda: all(holds(brighton, e) for e in offline), 15, "Brighton getting them by anti-entropy")
    cluster.wait(lambda: all(holds(n, e) for n in (bristol, cardiff) for e in offline), 15,
                 "Bristol and Cardiff getting them long before their next round (120 s)")
