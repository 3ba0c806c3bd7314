"""`solnet status` and `solnet peers` on a home whose node runs say what the node sees now (two real
nodes in this process, real SQLite homes, Calais served on 127.0.0.1, asked through the commands'
own local channel), and `peers rm` keeps out the device the node knows at the address. The node saves
its peers' health every 2 s, for the commands to read while no
node runs; read from a running node, that lagged: right after a publish Bristol's link had carried,
Calais's status said '0 of 0 peers connected' and `peers` listed no Bristol. The saves are made
rare here, so what the commands show can only come from the node's live view. And a node that
reaches no peer says why in its status, not only in `solnet peers`."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess

import pytest

from node import cut_off, peer_blocks
from node.admin_channel import ask
from node.demo import localnet
from node.log import now_ms
from node.net import Node, status_saver
from node.status_text import status_text
from served_nodes import calais, network  # noqa: F401  (fixtures)
from sync.proxy import parse_proxy

WAIT_S = 15


async def _until(condition, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"not within {WAIT_S} s: {what}"
        await asyncio.sleep(0.05)


@pytest.fixture
def rare_saves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(status_saver, "SAVE_INTERVAL_S", 3600.0)


async def test_status_and_peers_show_a_link_made_since_the_last_save(rare_saves, network, calais) -> None:
    node, served = calais
    bristol_device = bytes(network[1].keys.device.public).hex()
    bristol = Node(network[1].home, network[1].keys, peers=[f"127.0.0.1:{served.port}"], sync_interval_s=3600)
    await bristol.start()
    try:
        alert = await bristol.publish("alert", {"region": "bristol", "type": "raid", "location": "Stokes Croft",
                                                "text": "Vans at the corner"}, offline=True)
        async def stored() -> bool:
            return await node.db(node.log.store.event_n, alert.id) is not None

        async def linked() -> bool:
            return any(v.get("device") == bristol_device and v.get("connected") for v in node.peer_views(now_ms()))

        await _until(stored, "Bristol's alert on Calais")
        await _until(linked, "Calais sees Bristol's link")

        status = (await asyncio.to_thread(ask, network[0].home.path, {"op": "status"}))["ok"]
        inbound = [p for p in status["peers"] if p.get("device") == bristol_device]
        assert [p["connected"] for p in inbound] == [True], status["peers"]
        assert inbound[0]["name"] == "Bristol"
        assert "1 of 1 peer connected" in status_text(status), status_text(status)

        peers = (await asyncio.to_thread(ask, network[0].home.path, {"op": "peers"}))["ok"]["peers"]
        assert [(p["name"], p["connected"]) for p in peers if p.get("device") == bristol_device] == [("Bristol", True)]
    finally:
        await bristol.stop()


async def test_status_says_why_a_node_reaches_no_peer(network, calais, monkeypatch) -> None:
    """A member's Pi dials its peers through Tor, and Tor is not running: status said only '0 of 1
    peer connected; cut off since ...', and the reason was in `solnet peers` alone; now it says it."""
    monkeypatch.setattr(cut_off, "CUT_OFF_AFTER_MS", 0)  # cut off at once (node/cut_off.py: 2 min)
    _, served = calais
    [dead] = localnet.free_ports(1)  # nothing listens there: a Tor that is not running
    bristol = Node(network[1].home, network[1].keys, peers=[f"127.0.0.1:{served.port}"], sync_interval_s=3600,
                   proxy=parse_proxy(f"socks5://127.0.0.1:{dead}"))
    await bristol.start()
    try:
        async def failed() -> bool:
            return any(v.get("last_error") and v.get("failures", 0) >= 1 for v in bristol.peer_views(now_ms()))

        await _until(failed, "Bristol's dial through the proxy failed")
        status = (await asyncio.to_thread(ask, network[1].home.path, {"op": "status"}))["ok"]
        text = status_text(status)
        assert "0 of 1 peer connected; cut off since" in text, text
        [why] = [line for line in text.splitlines() if "no link to any peer" in line]
        assert why.startswith("  WARNING: no link to any peer: it fails with") and "is Tor running?" in why, why
    finally:
        await bristol.stop()


async def test_peers_rm_keeps_out_the_device_the_node_knows_since_the_last_save(rare_saves, network, calais) -> None:
    """`solnet peers` named Calais's device at its address (the node's live view) and `peers rm` of that
    address then said no device answered there ("device": null, none of its other addresses named):
    it read only what the node last saved of its peers."""
    _, served = calais
    address, calais_device = f"http://127.0.0.1:{served.port}", bytes(network[0].keys.device.public).hex()
    bristol = Node(network[1].home, network[1].keys, peers=[address], sync_interval_s=3600)
    await bristol.start()
    try:
        async def linked() -> bool:
            return any(v["address"] == address and v.get("device") == calais_device
                       for v in bristol.peer_views(now_ms()))

        await _until(linked, "Bristol's dial reaching Calais")
        removal = await _peers(network[1], "rm", address)
        assert removal["device"] == calais_device, removal
        # So does `peers block` of the address (added back meanwhile): the device may not link either.
        await _peers(network[1], "add", address)
        await _peers(network[1], "block", address)
        blocks = await bristol.db(peer_blocks.load, bristol.log.store)
        assert blocks.blocked_keys() == {bytes.fromhex(calais_device)}, blocks
    finally:
        await bristol.stop()


async def _peers(local: localnet.LocalNode, *args: str) -> dict:
    """`solnet peers ARGS --json` on `local`'s home, as a separate process (as a user runs it)."""
    done = await asyncio.to_thread(
        subprocess.run, [*localnet.solnet_command(), "--home", str(local.home.path), "peers", *args, "--json"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
