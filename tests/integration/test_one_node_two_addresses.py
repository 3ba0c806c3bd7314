"""An honest node reachable at two addresses (the one its peer was given and another it announces:
a host name and its IP, clearnet and onion, LAN and public) was dialled at both by its peer, as
neither address's device was known yet. The peer then held two links it dialled with one device
and ran rounds on both; the node took that for a copy of the peer's home and told it to revoke
its device (and the peer flagged the node back), after every restart. A group that followed the
advice revoked its own working device.

Now the second dial to complete is closed at once, before any round, with the code of a duplicate,
and its address is remembered as that device's: one link, no word of a copy, before and after a
restart. Real `solnet run` processes on 127.0.0.1; the second address is a plain TCP forwarder.
"""
from __future__ import annotations

from local_cluster import Cluster, cli_json, log_text, open_links
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.linked_twice import LINKED_TWICE as CODE
from node.words import LINKED_TWICE
from sync.addresses import normalize_address
from tcp_forwarder import TcpForwarder

HERE = "that it holds two links of this device at once, from two places"
ROUNDS_MS = 9_000  # rounds run 1 s apart: two links would have been told by then (node/linked_twice.py OVERLAP_MS)


def test_a_node_at_two_addresses_is_linked_once_and_said_nothing_of(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers = [calais.port]
    with TcpForwarder(calais.port) as second:
        cluster.start(calais, extra_args=["--announce", second.address])
        cluster.start(bristol)
        device = calais.home.config().device_id
        cluster.wait(lambda: _device_at(bristol, second.address) == device, 30,
                     "Bristol dialling Calais at its announced address too")
        _rounds_without_a_word(cluster, calais, bristol)
        assert "leads to a peer this node already holds a link with; closed" in log_text(bristol)
        [kept] = [p for p in cli_json(bristol, "peers") if p.get("connected")]
        assert kept["device"] == device

        localnet.stop(bristol)  # and again: both addresses are known as Calais's now, both due at once
        cluster.start(bristol)
        _rounds_without_a_word(cluster, calais, bristol)


def _device_at(node: LocalNode, address: str) -> str | None:
    """The device `node`'s peer book holds `address` to be (None: unknown, or no such address)."""
    address = normalize_address(address)
    return next((p.get("device") for p in cli_json(node, "peers") if p.get("address") == address), None)


def _last_sync(node: LocalNode, device: str) -> int:
    return max([p.get("last_sync") or 0 for p in cli_json(node, "peers") if p.get("device") == device], default=0)


def _rounds_without_a_word(cluster: Cluster, calais: LocalNode, bristol: LocalNode) -> None:
    """Rounds run on Bristol's link for longer than a pair takes to be told; nobody says a word of a copy."""
    device = calais.home.config().device_id
    cluster.wait(lambda: _last_sync(bristol, device) > 0, 30, "a round of Bristol's with Calais")
    start = _last_sync(bristol, device)
    cluster.wait(lambda: _last_sync(bristol, device) > start + ROUNDS_MS, 30, "rounds for a while")
    assert LINKED_TWICE not in log_text(calais), log_text(calais)
    assert f"{CODE}: " not in log_text(bristol) and HERE not in log_text(bristol), log_text(bristol)
    assert open_links(bristol) == 1 and open_links(calais) == 1
