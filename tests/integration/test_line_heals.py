"""Five real nodes in a line, each set up as a user would: a group joins with an invite that names
its inviter's node (`invite GROUP --peer ADDR`), so each node has one configured peer, its
inviter. Each new group's profile reaches the far end by gossip within seconds, not at the next
sync interval (30 s here, the default). Then the middle node is down a while; the others go on
publishing; within 5 s of its return every node holds every event.

Its absence: the node behind it (which dialled it) redials a peer it was linked to lately with a
backoff capped at 2 s for 10 minutes (sync/overlay.py: RETURN_CAP_MS), a cap reached after two
failed dials; so its state after the DOWN_S here is the one it would have after 4 minutes, and
the test need not wait 4 real minutes to say what happens then.
"""
from __future__ import annotations

import time
from pathlib import Path

from local_cluster import Cluster, cli, cli_json, event_ids, holds, publish_action
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.home import Home

GROUPS = [("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff"), ("Dover", "dover"), ("Lille", "lille")]
SYNC_INTERVAL_S = 30.0  # the default: nothing here waits for a round
DOWN_S = 20.0
BACK_WITHIN_S = 5.0  # the requirement: caught up everywhere within 5 s of the middle node's return
PROFILE_WITHIN_S = 10.0  # a new group's profile at the far end: well before the next round


def profile_id(node: LocalNode) -> bytes:
    [profile] = [e for e in cli_json(node, "ls", "--kind", "group.profile")
                 if e["group"] == node.home.config().group_id]
    return bytes.fromhex(profile["id"])


def build_line(cluster: Cluster, root: Path) -> list[LocalNode]:
    """Found the network on the first home, then let each group invite the next, naming its own
    node with --peer; each node starts once it has joined."""
    ports = localnet.free_ports(len(GROUPS))
    nodes: list[LocalNode] = []
    for (name, region), port in zip(GROUPS, ports):
        home = root / name.lower()
        node = LocalNode(name, region, Home(home), port)
        if not nodes:
            cli(home, "init", "--group", name, "--region", region, "--new-network")
        else:
            inviter = nodes[-1]
            group = cli_json(home, "init", "--group", name, "--region", region)["group_id"]
            token = root / f"{name.lower()}.invite"
            cli(inviter, "invite", group, "--out", str(token), "--peer", inviter.address)
            joined = cli(home, "join", str(token)).stdout
            assert f"will sync with the node at http://{inviter.address}" in joined, joined
            assert f"{inviter.name}'s invite names it" in joined, joined
        cluster.adopt([node])
        cluster.start(node, sync_interval=SYNC_INTERVAL_S)
        nodes.append(node)
        if len(nodes) > 1:
            started = time.monotonic()
            profile = profile_id(node)
            cluster.wait(lambda: holds(nodes[0], profile), PROFILE_WITHIN_S,
                         f"{name}'s profile reaching {nodes[0].name} by gossip")
            print(f"{name}'s profile at {nodes[0].name} {time.monotonic() - started:.2f} s after its node started")
    return nodes


def test_a_line_of_five_heals_within_seconds_of_the_middle_nodes_return(cluster: Cluster, tmp_path: Path) -> None:
    nodes = build_line(cluster, tmp_path)
    first, middle, behind, last = nodes[0], nodes[2], nodes[3], nodes[4]
    for node in nodes:  # one configured peer each (the founder: none), from the invite
        configured = [p["address"] for p in cli_json(node, "peers") if p["source"] == "config"]
        assert len(configured) == (0 if node is first else 1), (node.name, configured)
    cluster.wait(lambda: cluster.converged(nodes), 15, "the line converging")

    assert localnet.stop(middle) == 0
    down = time.monotonic()
    while_down = [publish_action(first, "Published at one end while Cardiff is down", region="calais"),
                  publish_action(last, "Published at the other end while Cardiff is down", region="lille")]
    cluster.wait(lambda: holds(behind, while_down[1]), 10, "Lille's event reaching Dover")
    time.sleep(max(0.0, DOWN_S - (time.monotonic() - down)))  # the absence itself: Dover keeps failing to dial

    cluster.start(middle, sync_interval=SYNC_INTERVAL_S)  # returns once it listens: its return
    back = time.monotonic()
    cluster.wait(lambda: cluster.converged(nodes), BACK_WITHIN_S, "every node caught up after Cardiff's return")
    print(f"caught up everywhere {time.monotonic() - back:.2f} s after Cardiff listened again")
    assert all(set(while_down) <= event_ids(n) for n in nodes)

    # Cardiff shows both of its links: Bristol, which it dialled, and Dover, which dialled in.
    def shown() -> dict[str, dict]:
        return {p.get("name"): p for p in cli_json(middle, "peers") if p.get("connected")}

    cluster.wait(lambda: {"Bristol", "Dover"} <= set(shown()), 10, "Cardiff listing both links by group")
    assert shown()["Bristol"]["direction"] in ("outbound", "both"), shown()
    assert shown()["Dover"]["direction"] in ("inbound", "both"), shown()
