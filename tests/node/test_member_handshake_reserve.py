"""A member's sync handshake completes while anonymous connections flood in from its own address
(a real node served on 127.0.0.1, the member a websocket client speaking the real handshake).

Behind an onion service or any relay every visitor comes from 127.0.0.1: one source, 32
connections not yet authenticated at most, and over that a newcomer takes the place of the oldest
that may make room (node/listener.py). A sync handshake not yet through was one of those, so a
fast stream of new connections pushed out every member's handshake before its credentials were
stored: no member could dial in while it ran. Once the member's device has signed the handshake
(its third message) and the trust graph counts it, its connection is kept: anonymous newcomers
push out one another. A device the node has never heard of is kept from when its credentials show
a member group certified it (they then wait for the database). An anonymous key (anyone can make
one) earns nothing, nor do credentials that certify someone else, and one member holds at most two
such places.
"""
from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest

from crypto.keys import SigningKey
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.listener import MAX_PER_SOURCE
from node.net import Node
from node.webapp import GUARD, NODE, Served, create_app, serve
from sync.channel import SecureChannel
from sync.handshake import Initiator
from sync.messages import Credentials, decode, encode
from sync.transport import SYNC_PATH
from node_fixtures import Author, device_vouch
from test_stopping_node import half_dialled

PASSPHRASE = "handshake reserve tests only: not a secret"
WAIT_S = 10.0
FLOOD = MAX_PER_SOURCE + 8  # anonymous connections from the member's own address, over its cap


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


@contextlib.asynccontextmanager
async def served(calais: LocalNode) -> AsyncIterator[Served]:
    node = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), sync_interval_s=3600)
    server = await serve(create_app(node), "127.0.0.1", 0)
    try:
        yield server
    finally:
        await server.close()


@contextlib.asynccontextmanager
async def database_held(server: Served) -> AsyncIterator[asyncio.Event]:
    """The node's database thread busy (as behind a large sync) until the block ends, bounded; the
    event yielded is set once the node has a peer's credentials to store (they wait for it)."""
    node, release, storing = server.runner.app[NODE], threading.Event(), asyncio.Event()
    admit = node.credentials.admit

    async def admit_seen(device: bytes, events: tuple[bytes, ...],
                         cpu_s: float | None = None) -> tuple[bool, float, bool]:
        storing.set()
        return await admit(device, events, cpu_s)

    node.credentials.admit = admit_seen
    held = asyncio.ensure_future(node.db(release.wait, 2 * WAIT_S))
    try:
        yield storing
    finally:
        release.set()
        await held
        node.credentials.admit = admit


async def until(condition: Callable[[], bool], what: str) -> None:
    async with asyncio.timeout(WAIT_S):
        while not condition():
            await asyncio.sleep(0.01)
    assert condition(), what


async def flood(port: int, count: int = FLOOD) -> list[asyncio.StreamWriter]:
    """`count` anonymous connections, one after another (each answered, or closed to make room,
    before the next), held open: what a relay's visitors look like. Each asks for /healthz and
    stays open, idle: a flood of websocket upgrades no longer fills the address's connections, as
    each one beyond the hello budget's places under way takes the oldest's (node/hello_budget.py)."""
    held = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        held.append(writer)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT_S)
    return held


async def credentials_answered(ws: aiohttp.ClientWebSocketResponse, channel: SecureChannel, credentials) -> bool:
    """Send the member's credentials; whether the node answered with its own (the handshake is
    through) rather than closing the connection."""
    try:
        await ws.send_bytes(channel.seal(encode(Credentials(credentials))))
        reply = await asyncio.wait_for(ws.receive(), WAIT_S)
    except ConnectionError:
        return False
    return reply.type == aiohttp.WSMsgType.BINARY and isinstance(decode(channel.open(reply.data)), Credentials)


async def introduce(port: int, member: LocalNode) -> None:
    """A first link of `member`'s device, so that the node knows it (its certificate came with the
    credentials) before the test's handshake: a device's first contact is an unknown key's."""
    async with half_dialled(port, member) as (ws, channel, credentials):
        assert await credentials_answered(ws, channel, credentials)


async def test_a_members_handshake_is_kept_through_a_flood_of_new_connections(network: list[LocalNode]) -> None:
    calais, bristol = network
    async with served(calais) as server:
        guard = server.runner.app[GUARD]
        await introduce(server.port, bristol)
        async with half_dialled(server.port, bristol) as (ws, channel, credentials):
            await until(lambda: guard.reserved == 1, "the node keeping the member's signed handshake")
            held = await flood(server.port)
            try:
                assert await credentials_answered(ws, channel, credentials), \
                    "the member's handshake was pushed out by anonymous connections"
            finally:
                for writer in held:
                    writer.close()


async def test_a_new_devices_first_handshake_is_kept_once_its_credentials_show_its_group(
        network: list[LocalNode]) -> None:
    """A device the node has never heard of (a group's new phone): its certificate comes with its
    credentials, and while they wait for the database its connection is kept through the flood."""
    calais, bristol = network
    async with served(calais) as server:
        guard = server.runner.app[GUARD]
        async with half_dialled(server.port, bristol) as (ws, channel, credentials):
            await until(lambda: guard.handshakes_signed == 1, "the node reading the new device's signature")
            assert guard.reserved == 0, "a device the node does not know yet was kept before its credentials"
            async with database_held(server) as storing:
                await ws.send_bytes(channel.seal(encode(Credentials(credentials))))
                await until(storing.is_set, "the node taking the new device's credentials")
                held = await flood(server.port)
            try:
                reply = await asyncio.wait_for(ws.receive(), WAIT_S)
                assert reply.type == aiohttp.WSMsgType.BINARY, "the new device's handshake was pushed out"
                assert isinstance(decode(channel.open(reply.data)), Credentials)
            finally:
                for writer in held:
                    writer.close()


@contextlib.asynccontextmanager
async def stranger_dialled(port: int, network_id: bytes, key: SigningKey,
                           ) -> AsyncIterator[tuple[aiohttp.ClientWebSocketResponse, SecureChannel]]:
    """A websocket to the node with the handshake signed by `key` (any key) and no credentials yet."""
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"http://127.0.0.1:{port}{SYNC_PATH}", autoping=False)
        try:
            hs = Initiator(network_id, key, lambda device: None)
            await ws.send_bytes(hs.hello())
            finish, keys = hs.finish((await asyncio.wait_for(ws.receive(), WAIT_S)).data)
            await ws.send_bytes(finish)
            yield ws, SecureChannel(keys)
        finally:
            await ws.close()


async def pushed_out_by_a_flood(port: int, ws: aiohttp.ClientWebSocketResponse) -> None:
    held = await flood(port)
    try:
        closed = await asyncio.wait_for(ws.receive(), WAIT_S)
        assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    finally:
        for writer in held:
            writer.close()


async def test_an_anonymous_key_earns_no_place(network: list[LocalNode]) -> None:
    """A handshake signed by a key the trust graph does not know (anyone can make one) is pushed
    out like any anonymous connection: the place is kept for members only."""
    calais, _ = network
    async with served(calais) as server:
        guard = server.runner.app[GUARD]
        async with stranger_dialled(server.port, _network_id(calais), SigningKey.generate()) as (ws, _):
            await until(lambda: guard.handshakes_signed >= 1, "the node reading the anonymous key's signature")
            assert guard.reserved == 0
            await pushed_out_by_a_flood(server.port, ws)


async def test_credentials_that_certify_someone_else_earn_no_place(network: list[LocalNode]) -> None:
    """A stranger's key presenting a member's real credentials and a vouch for itself by a group key
    of its own making is pushed out like any anonymous connection while they wait to be stored."""
    calais, bristol = network
    network_id = _network_id(calais)
    stranger, made_up_group = SigningKey.generate(), SigningKey.generate()
    self_vouch = Author(made_up_group, network_id).sign("member.vouch", device_vouch(made_up_group, stranger, b"\x02" * 32))
    async with served(calais) as server:
        guard = server.runner.app[GUARD]
        async with half_dialled(server.port, bristol) as (_, _, credentials):
            pass  # (Bristol's real credentials, to show)
        async with stranger_dialled(server.port, network_id, stranger) as (ws, channel), \
                database_held(server) as storing:
            await ws.send_bytes(channel.seal(encode(Credentials((*credentials, self_vouch.encode())))))
            await until(storing.is_set, "the node taking the stranger's credentials")
            assert guard.reserved == 0
            await pushed_out_by_a_flood(server.port, ws)


async def test_a_revoked_device_showing_its_old_certificate_earns_no_place(network: list[LocalNode]) -> None:
    """A seized phone its group revoked still holds the vouch that once certified it: the node,
    which knows the revocation, keeps no place for it while its credentials wait to be stored."""
    calais, bristol = network
    async with served(calais) as server:
        await introduce(server.port, bristol)  # Calais knows Bristol's device
    phone = bytes(bristol.keys.device.public)
    bristol_log = bristol.home.log()
    try:
        revocation = bristol_log.append(bristol.keys.group, "member.revoke",
                                        {"subject": phone, "from_seq": 1, "reason": "seized"}, offline=True)
        chain = bristol_log.store.chain_wires(bytes(bristol.keys.group.public))
    finally:
        bristol_log.store.close()
    calais_log = calais.home.log()
    try:
        calais_log.ingest(chain)
        assert calais_log.store.event_row(revocation.id) is not None
    finally:
        calais_log.store.close()
    async with served(calais) as server:
        guard = server.runner.app[GUARD]
        async with half_dialled(server.port, bristol) as (ws, channel, credentials), \
                database_held(server) as storing:
            await ws.send_bytes(channel.seal(encode(Credentials(credentials))))
            await until(storing.is_set, "the node taking the revoked device's credentials")
            assert guard.reserved == 0
            await pushed_out_by_a_flood(server.port, ws)


async def test_one_member_holds_at_most_two_kept_places(network: list[LocalNode]) -> None:
    """An infiltrating member cannot keep every place from its address for itself: a third
    handshake of the same device is one anonymous connection among others."""
    calais, bristol = network
    async with served(calais) as server:
        guard = server.runner.app[GUARD]
        await introduce(server.port, bristol)
        async with contextlib.AsyncExitStack() as stack:
            for held in range(2, 5):
                await stack.enter_async_context(half_dialled(server.port, bristol))
                await until(lambda: guard.handshakes_signed >= held, "the node reading the member's signature")
            assert guard.reserved == 2


def _network_id(member: LocalNode) -> bytes:
    log = member.home.log()
    try:
        return log.network_id
    finally:
        log.store.close()
