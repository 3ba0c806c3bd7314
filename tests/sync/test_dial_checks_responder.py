"""A dialler presents its credentials (its group chain: signed proof of its membership) only to a
device it checked. Whoever answers at an address may be a stranger: one the dialler knows as
refused (revoked) never even learns its device id; one it knows nothing of is asked to present
first and gets nothing more than that id; a member it knows gets its credentials first, as ever.
A real aiohttp server on 127.0.0.1 plays the stranger, and the listener of `accept`."""
from __future__ import annotations

import asyncio
import os

import pytest
from aiohttp import web

from crypto.keys import SigningKey
from node.net.links import refusal_words
from sync.handshake import NOT_A_MEMBER, REVOKED, HandshakeError
from sync.messages import Credentials
from sync.peers import PeerLimits
from sync.peer_session import client_session
from sync.transport import Identity, accept, dial
from stranger import Stranger

NETWORK = os.urandom(32)
LIMITS = PeerLimits(connect_timeout_s=3)
OUR_CHAIN = (b"the dialler's group chain",)
THEIR_CHAIN = (b"the listener's group chain",)


class Graph:
    """A trust graph in miniature: keys that are members, keys that are revoked; the rest unknown.
    What is admitted (credentials) makes its `makes_member` key a member."""

    def __init__(self, members=(), revoked=(), makes_member: bytes | None = None) -> None:
        self.members, self.revoked, self.makes_member = set(members), set(revoked), makes_member
        self.admitted: list[tuple[bytes, ...]] = []

    def identity(self, device: SigningKey, chain: tuple[bytes, ...]) -> Identity:
        def check(key: bytes) -> None:
            if key in self.revoked:
                raise HandshakeError(REVOKED, "that device key is revoked", ours=True)
            if key not in self.members:
                raise HandshakeError(NOT_A_MEMBER, "that key is not a certified device of this network", ours=True)

        async def admit(device: bytes, events: tuple[bytes, ...], cpu_s: float | None) -> None:
            self.admitted.append(events)
            if events and self.makes_member is not None:
                self.members.add(self.makes_member)

        return Identity(NETWORK, device, check, lambda: chain, admit,
                        unknown=lambda key: key not in self.members | self.revoked)


async def _dial(port: int, identity: Identity, limits: PeerLimits = LIMITS):
    async with client_session(None, 5) as session:
        return await dial(session, f"http://127.0.0.1:{port}", identity, limits)


async def _stranger(aiohttp_server) -> tuple[Stranger, int]:
    stranger = Stranger(NETWORK)
    server = await aiohttp_server(stranger.app(), host="127.0.0.1")
    return stranger, server.port


async def test_a_stranger_gets_no_credentials_and_is_not_believed(aiohttp_server) -> None:
    stranger, port = await _stranger(aiohttp_server)
    us = SigningKey.generate()
    graph = Graph()
    with pytest.raises(HandshakeError) as refused:
        await _dial(port, graph.identity(us, OUR_CHAIN))
    [dialled] = stranger.dials
    # It learned our device id (message 3: a listener must know whom it presents to), and was asked
    # to present first: credentials holding nothing. Nothing of our chain.
    assert dialled.device == bytes(us.public)
    assert dialled.messages == [Credentials(())]
    # Its "revoked" is not believed, nor repeated: this node refuses it, as no member it knows
    assert refused.value.reason == NOT_A_MEMBER and refused.value.ours
    words = refusal_words(refused.value)
    assert "revoked" not in words and "this node does not count it as a member" in words, words
    assert graph.admitted == []


async def test_a_silent_stranger_is_refused_as_unproven(aiohttp_server) -> None:
    stranger, port = await _stranger(aiohttp_server)
    stranger.refusal = None  # says nothing and waits: the dial ends at the connect timeout
    us = SigningKey.generate()
    with pytest.raises(HandshakeError) as refused:
        await _dial(port, Graph().identity(us, OUR_CHAIN), PeerLimits(connect_timeout_s=1))
    assert refused.value.reason == NOT_A_MEMBER and "revoked" not in refusal_words(refused.value)
    assert stranger.dials[0].messages[0] == Credentials(())


async def test_a_responder_known_as_revoked_never_learns_the_dialler(aiohttp_server) -> None:
    stranger, port = await _stranger(aiohttp_server)
    us = SigningKey.generate()
    with pytest.raises(HandshakeError) as refused:
        await _dial(port, Graph(revoked={bytes(stranger.key.public)}).identity(us, OUR_CHAIN))
    await stranger.came.wait()
    assert refused.value.reason == REVOKED and refused.value.ours
    [dialled] = stranger.dials
    assert dialled.device is None and dialled.messages == []  # no message 3: not even our device id


async def test_a_known_member_gets_the_dialler_credentials_first(aiohttp_server) -> None:
    stranger, port = await _stranger(aiohttp_server)
    us = SigningKey.generate()
    with pytest.raises(HandshakeError):  # (it then refuses us: it proves nothing itself)
        await _dial(port, Graph(members={bytes(stranger.key.public)}).identity(us, OUR_CHAIN))
    assert stranger.dials[0].messages == [Credentials(OUR_CHAIN)]


async def _listener(aiohttp_server, identity: Identity) -> tuple[list, asyncio.Event, int]:
    links: list = []
    answered = asyncio.Event()

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws, link = await accept(request, identity, LIMITS)
        links.append(link)
        answered.set()
        if link is not None:  # served until closed, as a node's listener does
            await asyncio.wait_for(link.gone.wait(), 10)
        return ws

    app = web.Application()
    app.router.add_get("/sync/v1", handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    return links, answered, server.port


async def test_a_member_the_dialler_has_not_heard_of_presents_first_and_links(aiohttp_server) -> None:
    """A group admitted lately, whose vouch the dialler lacks: the listener counts the dialler a
    member, so it presents first; the dialler stores that chain, checks it, and the link is up
    (with nothing more from the dialler: the listener needed nothing). The listener's code is that
    of the previous version: an old listener does the same."""
    us, them = SigningKey.generate(), SigningKey.generate()
    theirs = Graph(members={bytes(us.public)})
    links, answered, port = await _listener(aiohttp_server, theirs.identity(them, THEIR_CHAIN))
    ours = Graph(makes_member=bytes(them.public))
    link = await _dial(port, ours.identity(us, OUR_CHAIN))
    try:
        assert link.peer_device == bytes(them.public)
        assert ours.admitted == [THEIR_CHAIN] and theirs.admitted == [()]
        assert links[0] is not None and link.protocol.state.value == links[0].protocol.state.value == "idle"
    finally:
        await link.close()
        await links[0].close()


async def test_two_members_unknown_to_each_other_link_with_the_dialler_presenting_on_a_second_dial(
        aiohttp_server) -> None:
    """Two groups admitted about the same time, each knowing nothing of the other's device: asked
    first, the listener says it does not know the dialler either, and one must show its chain first:
    the dialler, which chose the address, dials again and presents first (as every dial did before)."""
    us, them = SigningKey.generate(), SigningKey.generate()
    theirs = Graph(makes_member=bytes(us.public))
    links, answered, port = await _listener(aiohttp_server, theirs.identity(them, THEIR_CHAIN))
    ours = Graph(makes_member=bytes(them.public))
    link = await _dial(port, ours.identity(us, OUR_CHAIN))
    try:
        assert theirs.admitted == [(), OUR_CHAIN] and ours.admitted == [THEIR_CHAIN]
        assert links[0] is None and links[1] is not None and link.peer_device == bytes(them.public)
    finally:
        await link.close()
        await links[1].close()


async def test_a_stranger_saying_not_a_member_gets_nothing_where_a_device_is_on_record(aiohttp_server) -> None:
    """The one fallback (two members unknown to each other: the dialler presents on a second dial)
    is for an address with no device on record. Where a device proved itself before, or announced
    the address, a stranger in its place that answers "not_a_member" (as anyone reading this code
    would) gets no credentials."""
    stranger, port = await _stranger(aiohttp_server)
    stranger.refusal = NOT_A_MEMBER
    us, before = SigningKey.generate(), SigningKey.generate()
    graph = Graph(members={bytes(before.public)})
    async with client_session(None, 5) as session:
        with pytest.raises(HandshakeError) as refused:
            await dial(session, f"http://127.0.0.1:{port}", graph.identity(us, OUR_CHAIN), LIMITS,
                       expected=bytes(before.public))
    [dialled] = stranger.dials  # no second dial
    assert dialled.messages == [Credentials(())]
    assert refused.value.reason == NOT_A_MEMBER and refused.value.ours
    # With no device on record (an address just added), it is trusted on first contact, as before
    stranger.dials.clear()
    async with client_session(None, 5) as session:
        with pytest.raises(HandshakeError):
            await dial(session, f"http://127.0.0.1:{port}", graph.identity(us, OUR_CHAIN), LIMITS)
    assert [d.messages for d in stranger.dials] == [[Credentials(())], [Credentials(OUR_CHAIN)]]


async def test_the_listener_knows_which_of_its_addresses_the_dialler_named(aiohttp_server) -> None:
    """One node dialling two addresses of this one (a host name and its IP, a forwarded port) names
    two in its Host header; a copy of its home, with the same peer book, names the same as the
    original (node/linked_twice.py tells the two apart by it)."""
    us, them = SigningKey.generate(), SigningKey.generate()
    theirs, ours = Graph(members={bytes(us.public)}), Graph(members={bytes(them.public)})
    first, _, port = await _listener(aiohttp_server, theirs.identity(them, THEIR_CHAIN))
    second, _, other = await _listener(aiohttp_server, theirs.identity(them, THEIR_CHAIN))
    dialled = [await _dial(port, ours.identity(us, OUR_CHAIN)), await _dial(other, ours.identity(us, OUR_CHAIN))]
    try:
        assert [links[0].dialled_at for links in (first, second)] == [f"127.0.0.1:{port}", f"127.0.0.1:{other}"]
        assert all(link.dialled_at is None for link in dialled), "a link this node dialled names its address"
    finally:
        for link in [*dialled, first[0], second[0]]:
            await link.close()
