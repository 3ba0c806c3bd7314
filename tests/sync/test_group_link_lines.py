"""A member group's devices linking and dropping again in a loop are said in a burst of "connected"
and "disconnected" lines, then in totals (node/net/synced_lines.py `LinkLines`): a real node in
this process on a real SQLite home, a mole group's eight devices dialling it on 127.0.0.1.

A line each way per link, with no budget: a mole group's eight devices reconnecting in a loop
filled the operator's log (and a Pi's SD card) with lines that bury the ones that matter.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import Callable
from pathlib import Path

from crypto.keys import SigningKey
from events.format import decode_event
from hostile_double import PASSPHRASE, HostilePeer, Mole
from node import publishing
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.net import Node
from node.net.synced_lines import LINE_BURST
from node.webapp import create_app, serve
from sync.messages import End, Events, Heads, IHave, IWant, Message, Offer, Push
from sync.peers import PeerLimits

LOOPS = 3  # 24 links, 48 lines before
# Its handshakes are not held here (a group's go at a budget, 16 at once: tests/sync/
# test_member_handshake_budget.py): its lines are, as if its devices looped slower
LOOPING = PeerLimits(member_handshakes_burst=LOOPS * 8)
WAIT_S = 10.0


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"not within {WAIT_S:.0f} s: {what}"
        await asyncio.sleep(0.02)


def _network_with_a_mole(tmp_path: Path) -> tuple[LocalNode, Mole, bytes, list[SigningKey]]:
    """Calais's home, in a network with a mole group of eight devices (and its id)."""
    calais, _ = localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
    founder_log, founder_keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:
        mole = Mole.admit(tmp_path, founder_log, founder_keys)
        network_id = founder_log.network_id
    finally:
        founder_log.store.close()
    return calais, mole, network_id, [mole.new_device() for _ in range(8)]


async def test_a_groups_devices_linking_in_a_loop_are_said_in_a_burst_of_lines(tmp_path: Path, caplog) -> None:
    """... and what the budget counted is said as the node stops: the dialling loop said it once
    the budget allowed, and was stopped first (19 of these 24 links were never said)."""
    calais, mole, network_id, devices = _network_with_a_mole(tmp_path)
    node = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), sync_interval_s=3600, limits=LOOPING)
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
        await served.close()  # the node stops
        mole.log.store.close()
    opened = closed = 0
    for line in [r.getMessage() for r in caplog.records if r.getMessage().startswith("peer~")]:
        if totals := re.search(r"(\d+) link\(s\) with its group's devices connected and (\d+) disconnected", line):
            opened, closed = opened + int(totals[1]), closed + int(totals[2])
        else:
            opened, closed = opened + line.endswith("connected (inbound)"), closed + line.endswith(" disconnected")
    assert (opened, closed) == (len(devices) * LOOPS, len(devices) * LOOPS)  # before: (5, 5), the burst's alone


async def test_a_groups_devices_asking_again_past_its_repeats_link_by_link_are_said_in_a_burst_of_lines(
        tmp_path: Path, caplog) -> None:
    """Once a group's repeats are spent (by any of its devices: node/net/peer_policy.py
    `answerable`), each of its links that asks again for what it was sent was said in a line of its
    own ("... past the group's budget of repeats"): a mole's eight devices linking in a loop, an
    IWant each, wrote a line per link, as many a second as handshakes go (160 a second here)."""
    calais, mole, network_id, devices = _network_with_a_mole(tmp_path)
    node = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), sync_interval_s=3600,
                limits=dataclasses.replace(LOOPING, repeat_burst=0.5, repeat_events_per_s=1e-6))  # repeats: spent
    served = await serve(create_app(node), "127.0.0.1", 0)
    caplog.set_level(logging.INFO, logger="solnet")
    try:
        for i, key in enumerate(devices * LOOPS):
            peer = await HostilePeer.connect(f"127.0.0.1:{served.port}", network_id, key, mole.credentials())
            try:
                # The smallest of the node's credentials is what the link's pings ask for: always
                # answered. Another is asked for again, sent the group at the first link.
                ping, again = sorted(map(decode_event, peer.node_credentials), key=lambda e: len(e.encode()))[:2]
                await peer.send(IWant((again.id,)))
                await peer.send(IWant((ping.id,)))
                answered = [await peer.receive(WAIT_S) for _ in range(2 if i == 0 else 1)]
                assert all(isinstance(message, Push) for message in answered), answered
                assert answered[-1].events == (ping.encode(),)  # (the one asked again before it: not sent)
            finally:
                await peer.close()
            await _until(lambda: not node.links.open(), "the link's end served")
        said = [r.getMessage() for r in caplog.records if "past the group's budget of repeats" in r.getMessage()]
        assert 0 < len(said) <= LINE_BURST, "\n".join(said)  # before: one a link, 23
    finally:
        await served.close()
        mole.log.store.close()


async def test_a_link_streamed_again_and_then_left_out_is_said_once(tmp_path: Path, caplog) -> None:
    """A link whose round was streamed events again (at the slower pace of repeats) and whose IWant
    then asked past the budget wrote a line of each, and a line of totals counted both as "links":
    one link counted twice. A link is said once, whichever comes first."""
    calais, mole, network_id, devices = _network_with_a_mole(tmp_path)
    log = calais.home.log()
    try:
        need = publishing.publish(log, calais.keys, "need", {"category": "tents", "quantity": "2", "region": "calais"})
    finally:
        log.store.close()
    node = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), sync_interval_s=3600,
                limits=PeerLimits(repeat_burst=1, repeat_events_per_s=1e-6))  # one repeat, then none
    served = await serve(create_app(node), "127.0.0.1", 0)
    caplog.set_level(logging.INFO, logger="solnet")
    try:
        peer = await HostilePeer.connect(f"127.0.0.1:{served.port}", network_id, devices[0], mole.credentials())

        async def round_message() -> Message:
            while isinstance(message := await peer.receive(WAIT_S), (Push, IHave, IWant)):
                pass  # (gossip)
            return message

        async def pushed(wire: bytes) -> list[bytes]:
            """What the node pushed until it pushed `wire`."""
            seen: list[bytes] = []
            while wire not in seen:
                if isinstance(message := await peer.receive(WAIT_S), Push):
                    seen += message.events
            return seen

        try:
            await peer.send(IWant((need.id,)))  # sent: the first time
            await pushed(need.encode())
            await peer.send(Offer(bytes(32), 0))  # a round claiming to hold nothing of the need's author
            heads = await round_message()
            assert isinstance(heads, Heads), heads
            await peer.send(Heads(tuple(h for h in heads.heads if h[0] != need.author)))
            await peer.send(End(0))
            assert await round_message() == Events((need.encode(),))  # again: the one repeat of the budget
            assert await round_message() == End(1)
            await peer.send(IWant((need.id,)))  # again, past the budget: not sent
            # (then one of the node's credentials, never sent: its answer follows the one left out)
            marker = min(peer.node_credentials, key=len)
            await peer.send(IWant((decode_event(marker).id,)))
            assert need.encode() not in await pushed(marker)
        finally:
            await peer.close()
        said = [r.getMessage() for r in caplog.records if " asks for events this node sent " in r.getMessage()]
        assert len(said) == 1, said  # before: two, a line of each
    finally:
        await served.close()
        mole.log.store.close()
