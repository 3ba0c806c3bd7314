"""A member group's second device catching up on what no device of its group was sent, against a
REAL `solnet run` process: it goes at full pace, and leaves the group's budget of repeats whole.

The record of what was sent a group kept one range per author (lowest..highest seq sent, merged):
one device streamed author X's newest event (seq 300), the group's new device's first batch
(1..64) widened the range to 1..300, and the rest of its catching up, sent to no device of the
group, counted as repeats: held to 256 KiB/s after 8 MiB (23.6 s for 17.7 MiB, not 0.2 s), and
the group's repeats spent meanwhile, so a third device's IWant for events its group was sent came
back nearly empty. Its own node per module (the group's budgets start whole).
"""
from __future__ import annotations

import asyncio
import os

import pytest

from events.format import decode_event
from hostile_double import Push
from sync.messages import HEAD_PREFIX, End, Events, Heads, IWant, Offer
from sync.peers import PeerLimits
from test_hostile_peer import _round_reply, _wait, honest_data_intact, target  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

LIMITS = PeerLimits()  # what `solnet run` uses
BIG = 60 * 1024
COUNT = 300
ASKED = 100  # 6 MiB: within the burst of repeated bytes (8 MiB), far past 23 s of its rate


async def _load(target) -> list:
    """A device of the mole group pushes COUNT events of BIG bytes (pushed: not sent it), them."""
    key, author = target.device()
    events = [author.sign("zz.future", {"blob": os.urandom(BIG)}) for _ in range(COUNT)]
    loader = await target.dial(key)
    loader.start_draining()
    try:
        for i in range(0, COUNT, 16):
            await loader.send(Push(tuple(event.encode() for event in events[i:i + 16])))
        assert await _wait(lambda: target.count_by(bytes(key.public)) == COUNT, timeout=60)
    finally:
        await loader.close()
    return events


async def _round_claiming(target, heads_of) -> int:
    """A fresh device of the mole group opens a round with the heads `heads_of` makes of the
    node's, and reads it to its End: the bytes of events streamed it."""
    key, _ = target.device()
    peer = await target.dial(key)
    try:
        await peer.send(Offer(os.urandom(32), 0))
        heads: list = []
        async with asyncio.timeout(30):
            while not isinstance(reply := await _round_reply(peer), Heads):
                heads += reply.heads  # MoreHeads parts
        await peer.send(Heads(tuple(heads_of([tuple(head) for head in (*heads, *reply.heads)]))))
        await peer.send(End(0))
        seen = 0
        async with asyncio.timeout(120):  # (held to the pace of repeats, the node may be quiet a while)
            while not isinstance(message := await peer.receive(60), End):
                if isinstance(message, Events):
                    seen += sum(map(len, message.events))
        return seen
    finally:
        await peer.close()


async def test_what_no_device_of_the_group_was_sent_goes_at_full_pace(target):
    events = await _load(target)
    x = events[0].author
    # Device A holds all but X's newest: streamed X's seq 300 alone.
    sent = await _round_claiming(target, lambda heads: [
        head if head[0] != x else (x, COUNT - 1, events[COUNT - 2].id[:HEAD_PREFIX]) for head in heads])
    assert BIG <= sent < 2 * BIG
    # Device B, new, holds nothing of X: streamed all of it, 299 events no device of its group was sent.
    sent = await _round_claiming(target, lambda heads: [head for head in heads if head[0] != x])
    assert sent >= COUNT * BIG
    # Device C asks for ASKED events B was streamed: repeats, within the group's burst of them,
    # unless B's round spent it (before: a handful of them came back, the rest left out).
    key, _ = target.device()
    peer = await target.dial(key)
    wanted = {event.id for event in events[:ASKED]}
    got: set[bytes] = set()
    try:
        await peer.send(IWant(tuple(wanted)))
        try:
            async with asyncio.timeout(10):
                while got != wanted:
                    message = await peer.receive(10)
                    if isinstance(message, Push):
                        got |= {event.id for event in map(decode_event, message.events)} & wanted
        except TimeoutError:
            pass
    finally:
        await peer.close()
    assert len(got) == ASKED, f"{len(got)} of {ASKED} events the group was sent came back: its repeats were spent"
