"""A member group's devices linking and dropping again in a loop are said in a burst of "connected"
and "disconnected" lines, then in totals (node/net/synced_lines.py `LinkLines`): a real node in
this process on a real SQLite home, a mole group's eight devices dialling it on 127.0.0.1.

A line each way per link, with no budget: a mole group's eight devices reconnecting in a loop
filled the operator's log (and a Pi's SD card) with lines that bury the ones that matter.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from hostile_double import PASSPHRASE, HostilePeer, Mole
from node.demo import localnet
from node.net import Node
from node.net.synced_lines import LINE_BURST
from node.webapp import create_app, serve

LOOPS = 3  # 24 links, 48 lines before
WAIT_S = 10.0


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"not within {WAIT_S:.0f} s: {what}"
        await asyncio.sleep(0.02)


async def test_a_groups_devices_linking_in_a_loop_are_said_in_a_burst_of_lines(tmp_path: Path, caplog) -> None:
    calais, _ = localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
    founder_log, founder_keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:
        mole = Mole.admit(tmp_path, founder_log, founder_keys)
        network_id = founder_log.network_id
    finally:
        founder_log.store.close()
    devices = [mole.new_device() for _ in range(8)]
    node = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), sync_interval_s=3600)
    served = await serve(create_app(node), "127.0.0.1", 0)
    caplog.set_level(logging.INFO, logger="solnet")
    try:
        for key in devices * LOOPS:
            peer = await HostilePeer.connect(f"127.0.0.1:{served.port}", network_id, key, mole.credentials())
            device = bytes(key.public)
            await _until(lambda: any(link.peer_device == device for link in node.links.open()), "the link served")
            await peer.close()
            await _until(lambda: not node.links.open(), "the link's end served")
        said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("peer~")]
        # Before: 72 lines, "connected", "connection closed" and "disconnected" per link; the rest
        # are counted and said in totals (one a group every 30 s: node/net/synced_lines.py)
        assert len(said) == LINE_BURST, "\n".join(said)
        assert "127.0.0.1" not in caplog.text
    finally:
        await served.close()
        mole.log.store.close()
