"""Two real `solnet run` processes that each have the other as a configured peer dial each other at
the same moment: they end with exactly one working link between them, the same one on both sides,
and it stays (no pair of links closing each other, no flapping) while events cross it both ways.
`solnet peers` shows one entry per device, and neither says the other is linked twice."""
from __future__ import annotations

import time

from local_cluster import Cluster, cli_json, holds, log_text, open_links, publish_action
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.linked_twice import LINKED_TWICE as CODE
from node.words import LINKED_TWICE
from sync.overlay import CONFIGURED_RETRY_MS

STABLE_MS = 4_000  # rounds run 1 s apart: the one link must carry them this long, unchanged
SETTLED_S = CONFIGURED_RETRY_MS / 1000 + 3  # a configured peer's failed dial is made again within CONFIGURED_RETRY_MS


def linked(node: LocalNode) -> list[dict]:
    return [p for p in cli_json(node, "peers") if p.get("connected")]


def dialled_back(node: LocalNode) -> bool:
    """The node has dialled its peer while the peer listened: its link is up, or the peer kept its own."""
    text = log_text(node)
    return " connected (outbound)" in text or "keeps the link it already holds with this node" in text


def test_two_nodes_dialling_each_other_at_once_keep_one_link(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    localnet.ring([calais, bristol])  # each has the other configured: both dial from their first second
    cluster.start(calais, wait=False)
    cluster.start(bristol, wait=False)
    # Each dials the other (a dial made before the other listened is made again within seconds, unless
    # the node has learnt meanwhile that its peer's device is at that address): once each has, or once
    # the link has lasted longer than that retry, the crossing is settled, the link dialled by the
    # smaller device key kept. Until then a link may be the one a later dial replaces, and `peers`
    # shows each link as soon as it is up.
    seen: dict[tuple, float] = {}

    def one_settled_link() -> bool:
        if not (open_links(calais) == 1 and open_links(bristol) == 1):
            return False
        now_linked = linked(calais), linked(bristol)
        if any(len(found) != 1 for found in now_linked):
            return False
        since = seen.setdefault(tuple(found[0]["connected_since"] for found in now_linked), time.monotonic())
        return all(dialled_back(n) for n in (calais, bristol)) or time.monotonic() - since > SETTLED_S

    cluster.wait(one_settled_link, 30, "one link between the two nodes")
    [c], [b] = linked(calais), linked(bristol)
    # The same link on both sides: one dialled it, the other accepted it.
    assert {c["direction"], b["direction"]} == {"inbound", "outbound"}, (c, b)
    dialler, first = (calais, c) if c["direction"] == "outbound" else (bristol, b)

    # Events cross it both ways; rounds run on it for a while; it is still the one, same link.
    one = publish_action(calais, "From Calais")
    two = publish_action(bristol, "From Bristol", region="bristol")
    cluster.wait(lambda: holds(bristol, one) and holds(calais, two), 20, "events both ways")
    cluster.wait(lambda: (linked(dialler) or [{}])[0].get("last_sync", 0) >= first["connected_since"] + STABLE_MS,
                 30, "rounds on the link for a few seconds")
    for node, before in ((calais, c), (bristol, b)):
        assert open_links(node) == 1, log_text(node)
        [now] = linked(node)
        assert now["connected_since"] == before["connected_since"], (before, now, log_text(node))
        assert len([p for p in cli_json(node, "peers") if p.get("device") == now["device"]]) == 1, cli_json(node, "peers")
        assert log_text(node).count(" disconnected") <= 1, log_text(node)  # at most the crossing's loser
        # ... and no word of a copy of either home: one link each way at once is a crossing, not two nodes
        assert LINKED_TWICE not in log_text(node) and f"{CODE}: " not in log_text(node), log_text(node)
