"""A member asking for the proof of forks again and again, against a REAL `solnet run` process.

A peer whose head of a forked key is at or past its fork point gets the kept proof in the round
(sync/antientropy.py SendEvidence), and heads need no signature: a member could claim that head
of every forked key at every round and be sent every proof again, none of it held to its budget
of repeats as a range's events are. With the keys of its own group forked on purpose at seq 1,
a Heads message of 54 bytes a key drew the proof back each round (two events: ~390 bytes a key as
stubs, more with what the key signed past its fork point), as fast as rounds went. Proofs sent the
device within the hour are now held to that budget (after its burst, 500 events and 256 KiB a second).
"""
from __future__ import annotations

import asyncio
import os
import time

import pytest

from events.format import decode_event
from hostile_double import Author, HostilePeer, query
from sync.messages import End, Events, Heads, Offer, Push
from sync.peers import PeerLimits
from test_hostile_peer import _round_reply, _wait, honest_data_intact, target  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration

LIMITS = PeerLimits()  # what `solnet run` uses
FORKED = 40  # keys of the mole's group, each forked at seq 1


def _twin(author: Author) -> bytes:
    """An event of `author` at seq 1 (two of them fork its key)."""
    return author.sign(seq=1, prev=None).encode()


async def _proofs_of_a_round(peer: HostilePeer, forked: set[bytes], stop_at: float) -> tuple[int, bool]:
    """A round claiming a head past the fork point of every key of `forked`: how many events the
    node streams, and whether its End came before `stop_at` (monotonic)."""
    await peer.send(Offer(os.urandom(32), 0))
    heads: list = []
    while not isinstance(reply := await _round_reply(peer), Heads):
        heads += reply.heads
    heads += reply.heads
    claimed = [h for h in heads if h[0] not in forked] + [(key, 1, bytes(8)) for key in sorted(forked)]
    await peer.send(Heads(tuple(claimed)))
    await peer.send(End(0))
    size = 0
    while time.monotonic() < stop_at:
        try:
            message = await asyncio.wait_for(_round_reply(peer), max(0.05, stop_at - time.monotonic()))
        except asyncio.TimeoutError:
            break
        if isinstance(message, End):
            return size, True
        if isinstance(message, Events):
            size += len(message.events)
    return size, False


async def test_the_proof_of_forks_asked_for_again_is_held_to_the_budget_of_repeats(target):
    loader_key, _ = target.device()
    loader = await target.dial(loader_key)
    keys = [target.mole.new_device() for _ in range(FORKED)]
    vouches = target.mole.credentials()[-FORKED:]
    try:
        await loader.send(Push(tuple(vouches)))
        ids = tuple(decode_event(w).id for w in vouches)
        assert await _wait(lambda: query(target.db, f"SELECT count(*) FROM events WHERE id IN ({','.join('?' * len(ids))})",
                                         ids)[0][0] == FORKED, timeout=30)
        twins = [wire for key in keys for wire in (_twin(Author(key, target.network_id)),
                                                   _twin(Author(key, target.network_id)))]
        await loader.send(Push(tuple(twins)))
        assert await _wait(lambda: query(target.db, "SELECT count(*) FROM forks")[0][0] >= 2 * FORKED, timeout=30)
    finally:
        await loader.close()
    forked = {bytes(key.public) for key in keys}
    liar_key, _ = target.device()
    liar = await HostilePeer.connect(target.address, target.network_id, liar_key, target.mole.credentials())
    try:
        first, ended = await _proofs_of_a_round(liar, forked, time.monotonic() + 30)
        assert ended and first >= 2 * FORKED, "the first time, every proof"
        mark = target.log_mark()
        again, ended = await _proofs_of_a_round(liar, forked, time.monotonic() + 30)
        assert ended and again >= 2 * FORKED, "within the burst of repeats, every proof again"
    finally:
        await liar.close()
    await target.wait_for_log("asks for events this node sent its group's devices (it or another of them) within the hour", mark)
