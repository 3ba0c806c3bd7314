"""The overlay with real nodes (sync/overlay.py in node/net/links.py): one configured peer each,
the nodes find the rest from announcements and keep paths around a node that is down; a configured
peer that was down is dialled again within seconds of its return, not after a backoff of minutes."""
from __future__ import annotations

import re

from local_cluster import Cluster, cli, holds, log_text, open_links, publish_action, query

from node.demo import localnet

GROUPS = [("Calais", "calais"), ("Brighton", "brighton"), ("Bristol", "bristol"), ("Cardiff", "cardiff"),
          ("Glasgow", "glasgow")]
_RETRY = re.compile(r"INFO cannot reach peer~[0-9a-f]+ \(.*\); (\d+) failures? in a row, next try in ([\d.]+) s$", re.M)


def retries(node: localnet.LocalNode) -> list[tuple[int, float]]:
    """(failures in a row, delay in s before the next dial) of each failed dial the node's log said."""
    return [(int(count), float(delay)) for count, delay in _RETRY.findall(log_text(node))]


def test_a_configured_peer_back_from_down_is_redialled_within_seconds(cluster: Cluster) -> None:
    calais, brighton, bristol, cardiff, glasgow = nodes = cluster.network(GROUPS)
    localnet.line(nodes)  # each dials the next: Brighton's one peer is Bristol, and nothing is announced
    cluster.start_all(nodes)
    cluster.wait(lambda: [open_links(n) for n in nodes] == [1, 2, 2, 2, 1], 20, "the four links of the line up")

    localnet.stop(bristol)
    cluster.wait(lambda: any(count >= 8 for count, _ in retries(brighton)), 60,
                 "Brighton failing to reach Bristol eight times")
    during = publish_action(glasgow, "Published while Bristol was down", region="glasgow")
    cluster.wait(lambda: holds(cardiff, during), 15, "Cardiff holding Glasgow's event")
    assert not holds(brighton, during)
    # The old code doubled the wait after each failure (1, 2, 4, 8, 16 s ... up to 5 minutes), so
    # the node behind Bristol waited long after Bristol was back.
    assert max(delay for _, delay in retries(brighton)) <= 5, retries(brighton)
    # A peer that stays down is said at its 2nd, 4th, 8th ... failure in a row, not at every one
    # (the same reason each time: the connection is refused; the first failure was the lost link).
    counts = [count for count, _ in retries(brighton)]
    assert counts[:3] == [2, 4, 8], counts

    cluster.start(bristol)
    cluster.wait(lambda: all(holds(n, during) for n in nodes), 20, "the line caught up after Bristol's return")


def test_one_configured_peer_each_then_the_nodes_find_the_rest_and_route_around_a_loss(cluster: Cluster) -> None:
    calais, brighton, bristol, cardiff, glasgow = nodes = cluster.network(GROUPS)
    localnet.line(nodes)
    cluster.start_all(nodes)
    for node in nodes:
        cli(node, "publish", "node.announce", "--addresses", node.address)
    # An active view of about 5: with four others, each node links to (nearly) all of them.
    cluster.wait(lambda: all(open_links(n) >= 3 for n in nodes), 30, "every node linked to three others or more")

    localnet.stop(bristol)  # the middle of the configured line
    across = publish_action(calais, "From one end while the middle is down")
    cluster.wait(lambda: all(holds(n, across) for n in (brighton, cardiff, glasgow)), 15,
                 "Calais's event at the far end without Bristol")
    cluster.start(bristol)
    cluster.wait(lambda: holds(bristol, across), 20, "Bristol catching up on its return")


def own_announcements(node: localnet.LocalNode) -> int:
    """How many node.announce the node's own device signed (its node's log names no device: by
    the announcements that are not the others')."""
    return len(query(node, "SELECT 1 FROM events WHERE kind='node.announce' AND a=(SELECT k FROM keys WHERE key=?)",
                     (bytes(node.keys.device.public),)))


def test_nodes_run_with_announce_hold_together_when_the_node_that_invited_them_is_down(cluster: Cluster) -> None:
    # As the README builds a network: Calais invited the others, and each knows only Calais.
    calais, brighton, bristol, cardiff, glasgow = nodes = cluster.network(GROUPS)
    for node in nodes[1:]:
        node.peers.append(calais.port)
    for node in nodes:
        cluster.start(node, extra_args=("--announce", node.address))
    # (a node announces once it may sign, after its first round: others may link with it before)
    cluster.wait(lambda: [own_announcements(n) for n in nodes] == [1] * 5, 30, "each node's one announcement")
    cluster.wait(lambda: all(open_links(n) >= 3 for n in nodes), 30, "every node linked to three others or more")

    localnet.stop(calais)  # seized, or unplugged
    across = publish_action(brighton, "Published while Calais is down", region="brighton")
    cluster.wait(lambda: all(holds(n, across) for n in (bristol, cardiff, glasgow)), 15,
                 "Brighton's event at every other node without Calais")

    # Started again with the same address, a node publishes nothing new.
    localnet.stop(glasgow)
    said = log_text(glasgow).count("announced already")
    cluster.start(glasgow, extra_args=("--announce", glasgow.address))
    cluster.wait(lambda: log_text(glasgow).count("announced already") > said, 30, "Glasgow finding its address announced")
    assert own_announcements(glasgow) == 1
