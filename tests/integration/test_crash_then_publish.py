"""A node that did not stop cleanly (kill -9 here; a crash or a power cut alike) may have lost its
newest writes: the marks of what it signed (node/own_marks.py) are not fsynced per publish, so a
power cut can cut them with the database's tail. A `solnet publish` with no node running is then
refused until a sync, however fresh the node's last round (node/chain_gate.py). A node stopped
cleanly (SIGTERM, as `solnet run` handles it) leaves its stop on the disk: a publish within
CONFIRM_FRESH_MS of its last round is signed as before. `solnet status` says the wait before a
publish finds it out (`publish_wait`): it said only "node: not running"."""
from __future__ import annotations

import signal

from local_cluster import Cluster, cli, cli_json, holds, publish, query
from node.demo import localnet
from node.demo.localnet import LocalNode

NEED = ("publish", "need", "--category", "blankets", "--quantity", "5", "--region", "bristol")


def _sent_an_alert(cluster: Cluster) -> tuple[LocalNode, LocalNode]:
    """Calais and Bristol running; Bristol's alert reached Calais (a round seconds ago)."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers.append(calais.port)
    cluster.start(calais)
    cluster.start(bristol)
    alert = publish(bristol, "alert", region="bristol", type="raid", location="North station", text="Checks")
    cluster.wait(lambda: holds(calais, alert), 15, "Bristol's alert on Calais")
    return calais, bristol


def test_a_node_killed_then_a_publish_waits_for_a_sync(cluster: Cluster) -> None:
    calais, bristol = _sent_an_alert(cluster)
    count = query(bristol, "SELECT count(*) FROM events")[0][0]

    assert cluster.kill(bristol) == -signal.SIGKILL  # its last round is seconds old
    assert cli_json(bristol, "status")["publish_wait"] == "crashed"
    told = cli(bristol, "status").stdout
    assert "WARNING: the node that ran on this home did not stop cleanly" in told and "solnet sync PEER" in told, told
    refused = cli(bristol, *NEED, ok=False)
    said = refused.stdout + refused.stderr
    assert refused.returncode == 1, said
    assert "did not stop cleanly" in said and "solnet sync PEER" in said and "--offline" in said, said
    assert "Traceback" not in said
    assert query(bristol, "SELECT count(*) FROM events")[0][0] == count  # nothing was signed

    cli(bristol, "sync", calais.address)
    assert cli_json(bristol, "status")["publish_wait"] is None
    need = publish(bristol, "need", category="blankets", quantity="5", region="bristol")
    assert holds(bristol, need)


def test_a_node_stopped_cleanly_then_a_publish_is_signed(cluster: Cluster) -> None:
    _, bristol = _sent_an_alert(cluster)

    assert localnet.stop(bristol) == 0  # SIGTERM: its stop is on record
    assert cli_json(bristol, "status")["publish_wait"] is None
    need = publish(bristol, "need", category="blankets", quantity="5", region="bristol")
    assert holds(bristol, need)
