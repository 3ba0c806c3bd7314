"""Hostile frames fed straight into the receive path of a Link (channel, then decoder), with a
stand-in websocket: no sockets, no node. Every bad frame must end the link with LinkClosed and a
reason: one the runtime penalises by ("protocol" or "oversize") for a message that opened under the
session's key, "unproven" (not penalised) for a frame that does not authenticate or a websocket
frame over the limit, which anyone on the path can write; a peer's Error is "closed", a close (or
anything but a sealed frame) without its word "dropped" (a relay's doing as well as the peer's);
silence past the per-message timeout is "timeout". These run before the network tests."""
from __future__ import annotations

import asyncio
import struct
from collections import deque

import aiohttp
import msgpack
import pytest

from crypto.keys import SigningKey
from sync.channel import SecureChannel
from sync.handshake import Initiator, Responder
from sync.messages import MAX_EVENTS_PER_MESSAGE, Error, Offer, Push, Same, encode
from sync.peers import PeerLimits
from sync.transport import Link, LinkClosed

NETWORK = b"\x05" * 32
BINARY, TEXT, CLOSE, ERROR = (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.CLOSE,
                              aiohttp.WSMsgType.ERROR)


class FakeWebSocket:
    """Hands out the frames it was given, then waits forever (a silent peer)."""

    def __init__(self, frames=()) -> None:
        self.frames = deque(frames)
        self.sent: list[bytes] = []
        self.closed = False

    async def receive(self):
        if self.frames:
            return self.frames.popleft()
        await asyncio.sleep(3600)

    async def send_bytes(self, data: bytes) -> None:
        self.sent.append(data)

    async def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default=None):
        return default  # no socket underneath


def channels() -> tuple[SecureChannel, SecureChannel]:
    """(peer's channel, our channel) from a real handshake."""
    noop = lambda device: None  # noqa: E731
    i = Initiator(NETWORK, SigningKey.generate(), noop)
    r = Responder(NETWORK, SigningKey.generate(), noop)
    m3, ik = i.finish(r.reply(i.hello()))
    return SecureChannel(ik), SecureChannel(r.accept(m3))


def frame(data: bytes, kind=BINARY):
    return aiohttp.WSMessage(kind, data, None)


async def receive_all(ws: FakeWebSocket, ours: SecureChannel, timeout: float = 1.0) -> tuple[list, LinkClosed]:
    """Receive until the link fails; (messages received, the LinkClosed)."""
    link = Link(ws, ours, b"\x09" * 32, outbound=False, address=None, limits=PeerLimits())
    got = []
    try:
        while True:
            got.append(await link.receive(timeout))
    except LinkClosed as exc:
        return got, exc
    finally:
        await link.close()


async def test_good_frames_come_out_as_messages():
    peer, ours = channels()
    ws = FakeWebSocket([frame(peer.seal(encode(Offer(b"\x01" * 32, 3)))), frame(peer.seal(encode(Same())))])
    got, closed = await receive_all(ws, ours, timeout=0.05)
    assert got == [Offer(b"\x01" * 32, 3), Same()]
    assert closed.reason == "timeout"  # then silence: the per-message timeout ends it


async def test_a_flipped_bit_kills_the_channel_and_is_not_held_against_the_peer():
    peer, ours = channels()
    good = peer.seal(encode(Same()))
    bad = bytes([good[0] ^ 0x80]) + good[1:]
    got, closed = await receive_all(FakeWebSocket([frame(bad), frame(good)]), ours)
    assert got == [] and closed.reason == "unproven"


async def test_a_replayed_frame_is_refused():
    peer, ours = channels()
    good = peer.seal(encode(Same()))
    got, closed = await receive_all(FakeWebSocket([frame(good), frame(good)]), ours)
    assert got == [Same()] and closed.reason == "unproven"


async def test_a_frame_from_another_session_is_refused():
    other_peer, _ = channels()
    _, ours = channels()
    got, closed = await receive_all(FakeWebSocket([frame(other_peer.seal(encode(Same())))]), ours)
    assert got == [] and closed.reason == "unproven"


@pytest.mark.parametrize("plaintext", [
    b"",
    b"\xc1",
    msgpack.packb({"type": 1}),
    msgpack.packb([99]),
    b"\x92\x06\xdd\xff\xff\xff\xff",  # an array header claiming 2**32 items
    b"\x92\x03" + (b"\xdd" + struct.pack(">I", 200_000)) * 2000,  # nested arrays claiming 200k items each
    b"\x91" * 50_000,  # deep nesting
], ids=["empty", "reserved byte", "a map", "unknown type", "2**32 array", "nested claims", "deep nesting"])
async def test_sealed_garbage_and_bombs_are_protocol_violations(plaintext):
    peer, ours = channels()
    got, closed = await receive_all(FakeWebSocket([frame(peer.seal(plaintext))]), ours)
    assert got == [] and closed.reason == "protocol"


async def test_too_many_events_in_one_message_is_oversize():
    peer, ours = channels()
    data = msgpack.packb([6, [b"e"] * (MAX_EVENTS_PER_MESSAGE + 1)])
    got, closed = await receive_all(FakeWebSocket([frame(peer.seal(data))]), ours)
    assert closed.reason == "oversize"


async def test_a_frame_over_the_websocket_limit_is_unproven():
    _, ours = channels()
    too_big = aiohttp.WSMessage(ERROR, aiohttp.WebSocketError(1009, "Message size 9999999 exceeds limit 4194368"),
                                None)
    got, closed = await receive_all(FakeWebSocket([too_big]), ours)
    assert closed.reason == "unproven"


@pytest.mark.parametrize("kind", [TEXT, CLOSE], ids=["text frame", "close"])
async def test_text_frames_and_closes_end_the_link(kind):
    _, ours = channels()
    got, closed = await receive_all(FakeWebSocket([frame("hello" if kind == TEXT else 1000, kind)]), ours)
    assert got == [] and closed.reason == "dropped"  # no word of the peer's: node/net/links.py backs off on it


async def test_a_peers_error_message_closes_with_its_reason():
    peer, ours = channels()
    got, closed = await receive_all(FakeWebSocket([frame(peer.seal(encode(Error("banned", "too many"))))]), ours)
    assert closed.reason == "closed" and "banned" in str(closed)


async def test_an_unsealed_message_is_refused():
    """A peer that skips encryption after the handshake is refused, not decoded."""
    _, ours = channels()
    got, closed = await receive_all(FakeWebSocket([frame(encode(Push(())))]), ours)
    assert got == [] and closed.reason == "unproven"


async def test_a_bad_frame_after_good_ones_keeps_what_came_before():
    peer, ours = channels()
    frames = [frame(peer.seal(encode(Push((b"a",))))), frame(b"\x00" * 40), frame(peer.seal(encode(Same())))]
    got, closed = await receive_all(FakeWebSocket(frames), ours)
    assert got == [Push((b"a",))] and closed.reason == "unproven"


async def test_frames_reach_the_wire_in_the_order_they_were_sealed_when_closing_with_a_reason():
    ours, peer = channels()  # `ours` seals, `peer` opens in order
    ws = FakeWebSocket()
    link = Link(ws, ours, b"\x09" * 32, outbound=False, address=None, limits=PeerLimits())
    await asyncio.sleep(0)  # the writer task is idle, waiting for work
    await link.send(Same())  # queued: the writer is woken to seal and send it
    await link.close("shutdown", "node stopping")
    opened = []
    for data in ws.sent:
        opened.append(msgpack.unpackb(peer.open(data))[0])  # ChannelError if out of order
    assert opened[-1] == 9  # the Error comes last, and readable
