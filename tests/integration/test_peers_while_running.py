"""`solnet peers add|ls|rm` on the home of a running node change what the node does within seconds."""
from __future__ import annotations

import time

from local_cluster import Cluster, cli, cli_json, holds, log_text, open_links, publish_action


def test_peers_add_ls_rm_on_a_running_node(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cluster.start(bristol)
    cluster.start(calais)  # no peers: it only listens
    address = f"http://{bristol.address}"
    assert cli_json(calais, "peers", "ls") == []
    before = publish_action(bristol, "Published before Calais knew Bristol", region="bristol")

    added = time.monotonic()
    assert cli_json(calais, "peers", "add", bristol.address) == {"address": address, "action": "add"}
    cluster.wait(lambda: open_links(calais) == 1 and open_links(bristol) == 1, 8, "Calais dialling the added peer")
    print(f"peers add -> connected in {time.monotonic() - added:.2f} s")
    cluster.wait(lambda: holds(calais, before), 8, "Calais syncing with the added peer")

    def listed() -> dict:
        peers = {p["address"]: p for p in cli_json(calais, "peers", "ls")}
        return peers.get(address, {})

    cluster.wait(lambda: listed().get("connected") is True and bool(listed().get("last_sync")), 10,
                 "`peers ls --json` showing the peer connected with a last sync")
    peer = listed()
    assert peer["source"] == "config" and peer["device"] == bristol.home.config().device_id, peer
    assert peer["last_error"] is None and peer["banned"] is False, peer
    human = cli(calais, "peers", "ls").stdout
    assert address in human and "connected" in human and "last sync never" not in human, human

    removed = time.monotonic()
    removal = cli_json(calais, "peers", "rm", bristol.address)
    assert (removal["address"], removal["action"], removal["device"]) == (
        address, "rm", bristol.home.config().device_id), removal
    cluster.wait(lambda: open_links(bristol) == 0, 8, "the removed peer disconnected (seen from that peer)")
    print(f"peers rm -> disconnected in {time.monotonic() - removed:.2f} s")
    assert all(p["address"] != address for p in cli_json(calais, "peers", "ls"))
    # It stays removed: no redial, and nothing new arrives from it.
    after = publish_action(bristol, "Published after Calais removed Bristol", region="bristol")
    time.sleep(3 * 1.0)  # three sync intervals, and more than a save interval
    assert not holds(calais, after)
    assert open_links(bristol) == 0
    assert all(p["address"] != address for p in cli_json(calais, "peers", "ls"))
    assert "Traceback" not in log_text(calais), log_text(calais)
    assert open_links(calais) == 0, "the node did not log the removed peer's disconnection"
    assert calais.proc.poll() is None and bristol.proc.poll() is None

    # `peers rm` of an unknown address is refused with a hint.
    unknown = cli(calais, "peers", "rm", bristol.address, ok=False)
    assert unknown.returncode == 1 and "not among this node's peers" in unknown.stderr, unknown.stderr
