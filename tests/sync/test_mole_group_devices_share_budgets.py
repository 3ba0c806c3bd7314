"""The devices of one member group against a REAL `solnet run` process: they share what they cost it.

A group key certifies devices at will, and a group holds up to eight inbound links. The record of
what a round streamed a peer was per device, so a member group's fresh device claiming to hold
nothing was streamed the whole log again at full speed, one device after another; and every round
that moved something wrote a "synced" line, two a second within the group's budget of rounds. Now
the group's devices share the record (what one was streamed, another asking for it again within the
hour gets at the group's pace of repeats), and the "synced" lines of one group's rounds come in a
burst, then one every 30 s with the totals of the rounds since.
"""
from __future__ import annotations

import asyncio
import os
import time

import pytest

from hostile_double import Push
from node.net.synced_lines import LINE_BURST
from sync.messages import HEAD_PREFIX, MAX_BATCH_BYTES, End, Events, Heads, Offer
from sync.peers import PeerLimits
from test_hostile_peer import _round_reply, _wait, honest_data_intact, target  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

LIMITS = PeerLimits()  # what `solnet run` uses
BIG = 60 * 1024


async def _load(target, count: int) -> None:
    """A mole device pushes `count` events of BIG bytes (pushed, not streamed it: not a repeat)."""
    key, author = target.device()
    wires = [author.sign("zz.future", {"blob": os.urandom(BIG)}).encode() for _ in range(count)]
    loader = await target.dial(key)
    loader.start_draining()
    try:
        for i in range(0, count, 16):
            await loader.send(Push(tuple(wires[i:i + 16])))
        assert await _wait(lambda: target.count_by(bytes(key.public)) == count, timeout=60)
    finally:
        await loader.close()


async def _stream(target, stop_after_s: float) -> tuple[list[tuple[float, int]], bool]:
    """A fresh device of the mole group opens a round claiming to hold nothing and reads for
    `stop_after_s`: (seconds since its Offer, bytes of events streamed so far) after each Events
    message, and whether the round's End came."""
    key, _ = target.device()
    peer = await target.dial(key)
    got: list[tuple[float, int]] = []
    try:
        started = time.monotonic()
        await peer.send(Offer(os.urandom(32), 0))
        async with asyncio.timeout(60):  # (the node loads its heads)
            while not isinstance(await _round_reply(peer), Heads):
                pass
        await peer.send(Heads(()))  # "I hold nothing": heads are not signed
        await peer.send(End(0))
        seen = 0
        while (left := stop_after_s - (time.monotonic() - started)) > 0:
            try:
                message = await asyncio.wait_for(_round_reply(peer), left)
            except (asyncio.TimeoutError, TimeoutError):
                break
            if isinstance(message, End):
                return got, True
            if isinstance(message, Events):
                seen += sum(map(len, message.events))
                got.append((time.monotonic() - started, seen))
        return got, False
    finally:
        await peer.close()


async def test_a_groups_fresh_device_is_streamed_what_another_of_its_devices_was_at_the_pace_of_repeats(target):
    """One device of the mole group is streamed the whole log (the first time: at full speed, as a
    group's new device must be); the group's next fresh device, claiming to hold nothing too, got
    it all again at once (a budget of repeats of its own), and so on up to eight links at a time."""
    count = 200  # 11.7 MiB: past the burst of repeated bytes (8 MiB) by more than a batch (1 MiB)
    await _load(target, count)
    first, ended = await _stream(target, stop_after_s=90)
    assert ended and first[-1][1] >= count * BIG, "the group's first device is streamed everything"
    mark = target.log_mark()
    again, _ = await _stream(target, stop_after_s=4)
    assert again, "the burst of repeats goes at once"
    # Said as it is (the device may never have been sent them): before, "it claims to lack them: ... or a lie"
    await target.wait_for_log("asks for events this node sent its group's devices (it or another of them) "
                              "within the hour", mark)
    assert "a lie" not in target.log_text()[mark:]
    for seconds, seen in again:  # before: all 11.7 MiB within a second or two
        assert seen <= LIMITS.repeat_bytes_burst + MAX_BATCH_BYTES + LIMITS.repeat_bytes_per_s * seconds, \
            f"{seen / 2**20:.1f} MiB streamed another device of the group in {seconds:.1f} s"


async def _round_giving_one_event(peer, author) -> None:
    """One round that moves one event: the node's own heads sent back, plus a new event of ours."""
    await peer.send(Offer(os.urandom(32), 0))
    heads: list = []
    async with asyncio.timeout(30):
        while not isinstance(reply := await _round_reply(peer), Heads):
            heads += reply.heads  # MoreHeads parts
    heads += reply.heads
    event = author.sign()
    mine = bytes(author.key.public)
    heads = [tuple(head) for head in heads if head[0] != mine]
    await peer.send(Heads((*heads, (mine, event.seq, event.id[:HEAD_PREFIX]))))
    await peer.send(Events((event.encode(),)))
    await peer.send(End(1))
    async with asyncio.timeout(30):
        while not isinstance(await _round_reply(peer), End):
            pass


async def test_a_group_opening_rounds_that_move_an_event_each_is_said_in_a_burst_of_lines(target):
    """Within the group's budget of rounds (2 a second) a member wrote two "synced" lines a second,
    for as long as it liked, one per round that moved an event."""
    rounds = LINE_BURST + 12
    key, author = target.device()
    peer = await target.dial(key)
    mark = target.log_mark()
    try:
        for _ in range(rounds):
            await _round_giving_one_event(peer, author)
    finally:
        await peer.close()
    assert await _wait(lambda: target.count_by(bytes(key.public)) == rounds, timeout=30)
    lines = [line for line in target.log_text()[mark:].splitlines() if ": synced, received" in line]
    assert len(lines) <= LINE_BURST + 1, "\n".join(lines)  # before: one per round
    assert "127.0.0.1" not in target.log_text()[mark:]
