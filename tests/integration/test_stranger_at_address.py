"""A node dials an address where a stranger answers (a fresh key with the network id: someone on the
path, at an address that changed hands, or a stranger's address typed into `peers add` or `solnet
sync`). The stranger gets the node's device id and an empty set of credentials (asking it to
present first), never the node's group chain; the node refuses it without calling anyone revoked,
and says so in words where people look (`solnet sync`, `solnet peers`)."""
from __future__ import annotations

import asyncio

from local_cluster import Cluster, cli, cli_json, log_text
from stranger import Stranger
from sync.messages import Credentials


async def test_a_node_dialling_a_stranger_hands_it_nothing(cluster: Cluster, aiohttp_server) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    stranger = Stranger(bytes.fromhex(bristol.home.config().network_id))  # it lies: "revoked"
    server = await aiohttp_server(stranger.app(), host="127.0.0.1")
    address = f"127.0.0.1:{server.port}"
    device = bytes.fromhex(bristol.home.config().device_id)

    # `solnet sync` to the stranger's address: refused, in words that do not say revoked
    once = await asyncio.to_thread(cli, bristol, "sync", address, ok=False, timeout=60)
    assert once.returncode == 1, (once.stdout, once.stderr)
    assert "revoked" not in once.stderr and "asked to show its credentials first" in once.stderr, once.stderr
    assert "Traceback" not in once.stderr

    # A running node with the stranger's address among its peers dials it again and again
    await asyncio.to_thread(cluster.start, bristol)
    await asyncio.to_thread(cli, bristol, "peers", "add", address)

    def last_error() -> str:
        peers = {p["address"]: p for p in cli_json(bristol, "peers", "ls")}
        return peers.get(f"http://{address}", {}).get("last_error") or ""

    await asyncio.to_thread(cluster.wait, lambda: bool(last_error()), 30, "the stranger's address failing")
    said = last_error()
    assert "this node does not count it as a member" in said and "revoked" not in said, said
    assert "revoked" not in log_text(bristol).lower(), log_text(bristol)

    assert len(stranger.dials) >= 2
    for dialled in stranger.dials:
        if dialled.device is not None:  # (a dial the node's stop cut short shows nothing)
            assert dialled.device == device
            assert dialled.messages == [Credentials(())], dialled.messages  # no group chain, nothing else
