"""A link's reader takes one message a turn of the node's event loop (node/net/peer_link.py `serve`):
a real node served on 127.0.0.1, a mole member's link (tests/sync/hostile_double.py) writing thousands
of small messages at once from a thread of its own.

The frames a peer sends at once are buffered (by the kernel, then aiohttp), and the reader took
them back to back without ever suspending: up to 268 messages in one turn of the loop here, while
every other connection waited. During a member's flood (tests/sync/test_hostile_peer.py) an honest
member's handshake got no reply within 5 s on a loaded machine. Counted in turns of the loop, not
in seconds: the same on any machine.
"""
from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest

from hostile_double import HostilePeer
from node.net import Node
from node.webapp import create_app, serve
from sync import transport
from sync.messages import IHave, Push
from test_group_link_lines import _network_with_a_mole

MESSAGES = 3000  # empty Pushes, then IHaves of unknown ids: nothing for the node to store or answer
WAIT_S = 60.0


async def test_a_links_buffered_messages_are_read_one_a_turn_of_the_event_loop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calais, mole, network_id, [device, *_] = _network_with_a_mole(tmp_path)
    node = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), sync_interval_s=3600)
    served = await serve(create_app(node), "127.0.0.1", 0)
    loop = asyncio.get_running_loop()
    turns = 0  # turns of the node's event loop

    def turn() -> None:
        nonlocal turns
        turns += 1
        loop.call_soon(turn)

    loop.call_soon(turn)
    read_in_turn: dict[int, int] = {}  # turn -> inbound messages read in it
    receive = transport.Link.receive

    async def counted(self: transport.Link, timeout: float | None = None):
        message = await receive(self, timeout)
        if not self.outbound:
            read_in_turn[turns] = read_in_turn.get(turns, 0) + 1
        return message

    monkeypatch.setattr(transport.Link, "receive", counted)
    failed: list[BaseException] = []

    def member() -> None:  # (a loop of its own: the frames go out faster than the node reads them)
        async def flood() -> None:
            peer = await HostilePeer.connect(f"127.0.0.1:{served.port}", network_id, device, mole.credentials())
            peer.start_draining()
            try:
                for i in range(MESSAGES):
                    await peer.send(Push(()) if i < MESSAGES // 2 else IHave((os.urandom(32),)))
                await peer.send(Push(()))
            finally:
                await peer.close()
        try:
            asyncio.run(flood())
        except BaseException as exc:  # (told to the test below)
            failed.append(exc)

    sender = threading.Thread(target=member)
    try:
        sender.start()
        async with asyncio.timeout(WAIT_S):
            while sender.is_alive():
                await asyncio.sleep(0.05)
        assert not failed, failed
        read = sum(read_in_turn.values())
        assert read >= MESSAGES // 2, f"only {read} of {MESSAGES} messages read: the flood did not reach the node"
        assert max(read_in_turn.values()) == 1, \
            f"up to {max(read_in_turn.values())} messages of one link read in one turn of the event loop"
    finally:
        sender.join(WAIT_S)
        await served.close()
        mole.log.store.close()
