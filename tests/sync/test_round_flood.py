"""A member that opens anti-entropy rounds back to back, against a REAL `solnet run` process.

Each Offer makes the node read every author's head and answer, and each round it finishes costs a
log line, tasks and the peer book. Nothing held a dialler to a pace: a member opening rounds as fast
as it read the answers (45 bytes an Offer) took ~100 rounds/s and 0.4 cores of a desktop at 400
authors, a Pi's whole share. Rounds a group's devices open now go at the group's budget (burst,
then a rate), and an honest device of another group is answered at once meanwhile.
"""
from __future__ import annotations

import asyncio
import os
import time

import pytest

from sync.messages import End, Heads, Offer
from sync.peers import PeerLimits
from test_hostile_peer import _round_reply, honest_data_intact, target  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

LIMITS = PeerLimits()  # what `solnet run` uses


async def _echo_round(peer) -> None:
    """One round that moves nothing: a made-up digest, the node's own heads sent back, End(0)."""
    await peer.send(Offer(os.urandom(32), 0))
    heads: list = []
    while not isinstance(reply := await _round_reply(peer), Heads):
        heads += reply.heads  # MoreHeads parts
    heads += reply.heads
    await peer.send(Heads(tuple(heads)))
    await peer.send(End(0))
    while not isinstance(await _round_reply(peer), End):
        pass


async def test_rounds_opened_back_to_back_go_at_the_budget_of_rounds(target):
    key, _ = target.device()
    extra = 8
    count = int(LIMITS.rounds_burst) + extra
    peer = await target.dial(key)
    try:
        started = time.monotonic()
        for done in range(count):
            await _echo_round(peer)
            if done == count - 2:  # past the burst: another device's round is answered at once
                await target.assert_responsive()
        elapsed = time.monotonic() - started
    finally:
        await peer.close()
    # A lower bound only (the bucket's own arithmetic): the burst at once, the rest at the rate.
    assert elapsed >= 0.95 * (extra - 1) / LIMITS.rounds_per_s, f"{count} rounds in {elapsed:.2f} s"


async def test_the_devices_of_one_group_share_its_budget_of_rounds(target):
    """A group's key certifies devices at will, and the group holds up to eight inbound links: a
    budget per device was eight times the pace, a fresh device's burst each time."""
    extra = 8
    count = int(LIMITS.rounds_burst) + extra
    peers = [await target.dial(target.device()[0]) for _ in range(4)]
    try:
        started = time.monotonic()
        for _ in range(0, count, len(peers)):
            await asyncio.gather(*(_echo_round(peer) for peer in peers))
        elapsed = time.monotonic() - started
    finally:
        for peer in peers:
            await peer.close()
    assert elapsed >= 0.95 * (extra - len(peers)) / LIMITS.rounds_per_s, f"{count} rounds in {elapsed:.2f} s"
