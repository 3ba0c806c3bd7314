"""An alert published through a running node that has no link to any peer says so (a member's Pi
whose one peer is down, or whose Tor is not running): the command said "Published alert ..." and
nothing more, as if it had gone out, where with no node running it says that it is stored here
only. Once a peer is linked, the alert goes out at once, and nothing more is said. A node with no
peer at all (none added, none dialled in) says that, and how to add one, in the command's words and
in `solnet status`: it said "0 of 0 peers connected; cut off since ...", and the command sent there
for a reason it did not give."""
from __future__ import annotations

from local_cluster import Cluster, cli, status

ALERT = ("publish", "alert", "--region", "calais", "--type", "raid", "--text", "Vans at the bridge")
SAID = "has no link to any peer now: it goes out as soon as one is linked"
NO_PEER = "has no peer: none is added and none has dialled in"


def test_an_alert_through_a_node_with_no_link_says_so(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cluster.start(calais)  # Bristol, the one that would dial it, is down
    alone = cli(calais, *ALERT)
    assert alone.stdout.startswith("Published alert ") and NO_PEER in alone.stdout, alone.stdout
    assert "`solnet peers add HOST:PORT`" in alone.stdout and SAID not in alone.stdout, alone.stdout
    said = cli(calais, "status").stdout
    assert "no peer: none is added" in said and "solnet peers add" in said and "0 of 0" not in said, said

    bristol.peers.append(calais.port)
    cluster.start(bristol)
    cluster.wait(lambda: any(p.get("connected") for p in status(calais)["peers"]), 20, "Bristol linked to Calais")
    linked = cli(calais, *ALERT)
    assert linked.stdout.startswith("Published alert ") and SAID not in linked.stdout, linked.stdout
    assert NO_PEER not in linked.stdout, linked.stdout
