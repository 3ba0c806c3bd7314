"""The aiohttp transport of sync: websockets carrying the handshake, then sealed frames.

A `Link` is one authenticated, encrypted connection to one peer, whichever side dialled. It
sends messages from a priority queue (alerts before everything else, so an alert never waits
behind a bulk transfer) with a bounded normal queue for back-pressure. Frames over the size
limit close the connection (aiohttp enforces max_msg_size before reading them into memory).

Each Link carries its side's `LinkProtocol` (sync/link.py), the link's rules: `dial` and `accept`
take it through the credentials exchange, its owner (node/net/peer_link.py) through the rest.

Liveness is the link owner's job (node/net/peer_link.py), not a fixed websocket heartbeat: aiohttp's
heartbeat expects a pong within a fixed time, but a pong is only sent once the peer's reader gets
to the ping, behind every frame it has not yet stored, so a slow node was cut mid-sync. Here every
sealed frame that authenticates counts (`heard`), and the owner sends `keepalive()` (a sealed
empty IHave) while it is busy with the peer's data, or `probe(ids)` (a sealed IWant the peer
answers) when the link has been quiet. Websocket pings are answered (a node of an earlier version
pings), without holding up the reader, but neither they nor pongs count: they are not encrypted
or signed, and a relay on the path that held back all data and wrote a pong now and then kept a
dead link looking alive (the listener's for ever, the dialler's rounds for 5 minutes each). Only a
peer whose handshake said it is of an earlier version (sync/handshake.py) is still shown alive by
its pongs (`pongs`, LinkProtocol.tick): while busy it sends nothing else.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import aiohttp
from aiohttp import WSCloseCode, web

from crypto.keys import SigningKey
from events.errors import InvalidEvent
from events.format import Event, decode_event
from sync.channel import ChannelError, SecureChannel
from sync.errors import RemoteProtocolError
from sync.handshake import NOT_A_MEMBER, OVER_BUDGET, CheckPeer, HandshakeError, Initiator, Responder, told_refusal
from sync.link import LinkProtocol, Role
from sync.link_commands import Admit, Present, Send
from sync.link_socket import keep_short
from sync.messages import Credentials, Error, IHave, IWant, Message, decode, encode
from sync.peers import PeerLimits

log = logging.getLogger(f"solnet.{__name__}")
T = TypeVar("T")

SYNC_PATH = "/sync/v1"
BUSY = "busy with new connections, try again in a few seconds"  # (a listener over its budget of replies)
_FRAME_OVERHEAD = 64
_NORMAL_QUEUE = 8  # frames: back-pressure for bulk streams
_NORMAL_BYTES = 4 * 1024 * 1024  # ... and bytes: 8 frames of 60 KiB events were 32 MiB held per link
_URGENT_QUEUE = 1000  # alerts are rare; a peer that lets this many pile up is not reading
# Websocket pings and pongs a link takes within one message timeout. A node of an earlier version
# sends a pong a tick (three a timeout) while busy and a ping after 30 s of quiet; this version sends
# none. They cost no byte budget (they are not the peer's word: a relay can write them), and a flood
# of them from one member's link, or from anyone on one link's path, held the node's event loop:
# its pages took 1.5-2.8 s instead of 5 ms. Past this many the link is closed, not charged.
CONTROL_FRAMES_PER_TIMEOUT = 100


# The reason of a link cut by a frame that does not authenticate, or a websocket frame over the size
# limit: what anyone on the path can write (a relay, a proxy; the websocket's framing is in clear),
# so not the peer's word, and never charged to it (node/net/peer_link.py charges "protocol" and
# "oversize", which only a message that opened under the session's key can earn). A relay that
# flipped one byte of each new link's traffic had an honest member banned for an hour in 12 s.
UNPROVEN = "unproven"
# The reason of a link that ended without a word from the peer (no sealed Error saying why) while
# this node had not closed it: the peer's process died, or someone on the path cut the connection
# (a relay that altered a frame the peer then refused, which closes without a word). Every close
# of an honest node that stays up says why (shutdown, replaced, removed...).
DROPPED = "dropped"
_ON_THE_PATH = ": someone on the path, or the peer; not held against it"


class LinkClosed(Exception):
    """The connection is gone (closed by either side, timed out, or broke the protocol). `plain`:
    closed and nothing more to say (no peer's words, no fault): a node's "disconnected" line says
    all of it (node/net/links.py)."""

    def __init__(self, message: str, reason: str = "closed", *, plain: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.plain = plain

    @classmethod
    def gone(cls, name: str, reason: str = "closed") -> LinkClosed:
        """The link of the peer named `name` is closed, nothing more to say."""
        return cls(f"{name}: connection closed", reason, plain=True)


class RefusalLog:
    """Incoming connections refused, said at most once a minute per reason, with how many since: a
    revoked device dialling again and again wrote a line every few seconds (an SD card's wear).
    `$SOLNET_REFUSAL_LOG_INTERVAL_S` sets another interval (0: every refusal, for a test or an
    operator looking into refusals as they come)."""

    INTERVAL_S = 60.0

    def __init__(self) -> None:
        self._said: dict[str, tuple[float, int]] = {}  # reason -> (when last said, refused since)
        try:
            self.interval_s = float(os.environ.get("SOLNET_REFUSAL_LOG_INTERVAL_S", self.INTERVAL_S))
        except ValueError:
            self.interval_s = self.INTERVAL_S

    def say(self, reason: str) -> None:
        now = time.monotonic()
        said, since = self._said.get(reason, (None, 0))
        if said is not None and now - said < self.interval_s:
            self._said[reason] = (said, since + 1)
            return
        more = f" (and {since} more since it was last said)" if since else ""
        log.info("refused an incoming sync connection: %s%s", reason, more)
        self._said[reason] = (now, 0)


@dataclass(frozen=True)
class Identity:
    """What a node shows and checks when it connects.

    Membership is checked after the handshake, once the peer's credentials (its group's signed
    trust chain) have been stored through the normal verified path: a device that joined after
    our last sync is recognised on first contact. The dialler presents first; the listener checks
    it and only then presents its own, so a listener reveals nothing to non-members.

    A dialler reveals its group chain (its device's membership, signed: proof for anyone) only to
    a device it checked: whoever answers at an address may be a stranger (on the path, holding an
    address that changed hands, typed in by mistake). It checks the device that answered in the
    handshake, before message 3 names its own (`_vet_responder`): a member gets its credentials
    first, as ever; one it refuses (revoked, frozen, blocked) learns nothing of it; one its trust
    graph holds nothing of (`unknown`) learns its device id, and is asked to present first (see
    LinkProtocol.open): the dialler presents nothing to it, and refuses it unless it proves it is
    a member."""

    network_id: bytes
    device: SigningKey
    check_peer: CheckPeer
    credentials: Callable[[], tuple[bytes, ...]]
    # Stores what the peer of a device (the first argument) presented, if it may certify that device,
    # judging them for at most the CPU time (s) of the third (None: no bound); the CPU time (s) that
    # took on another thread (None: none, or not measured)
    admit_credentials: Callable[[bytes, tuple[bytes, ...], float | None], Awaitable[float | None]]
    refusals: RefusalLog = field(default_factory=RefusalLog)  # this node's listener's
    # Whether the trust graph holds nothing of a key (no member, no revoked one): a responder
    # `check_peer` refuses for that alone is asked to present first. By default none is unknown:
    # every responder the check refuses learns nothing.
    unknown: Callable[[bytes], bool] = lambda device: False
    # The event of a device's presented credentials (ours, with our own device) that a link's pings
    # ask for when the dialler asked first, and the dialler answers past the repeats' budget: one
    # certifying that device's own chain and stored here byte for byte (node/net/credentials.py
    # `ping_proof`). By default none is: those pings are charged as any IWant asking again.
    ping_proof: Callable[[bytes, tuple[bytes, ...]], Awaitable[Event | None]] = \
        lambda device, wires: _no_proof()


async def _no_proof() -> None:
    return None


class Link:
    _ids = itertools.count()

    def __init__(self, ws: web.WebSocketResponse | aiohttp.ClientWebSocketResponse, channel: SecureChannel,
                 peer_device: bytes, *, outbound: bool, address: str | None, limits: PeerLimits,
                 peer_seals_liveness: bool = True) -> None:
        self.ws = ws
        self.channel = channel
        self.peer_device = peer_device
        self.outbound = outbound
        self.address = address  # the dialled address (outbound) or None
        # (inbound) the address of this node the dialler named (its Host header, lowercased): one
        # node dialling two addresses of this one names two (node/linked_twice.py)
        self.dialled_at: str | None = None
        self.limits = limits
        self.number = next(self._ids)
        self.bytes_in = 0
        self.bytes_out = 0
        self.peer_error: Error | None = None  # why the peer closed the link, if it said
        # (author, seq) of the event the peer's pings ask for (see _exchange_credentials): its
        # answer shows this node alive, so it is never left out as a repeat (node/net/peer_link.py)
        self.proof: tuple[bytes, int] | None = None
        self.heard = 0  # sealed frames from the peer that authenticated (never a ping or pong: see the module)
        self.pongs = 0  # websocket pings and pongs received (a sign of life from an earlier version only)
        self.last_write = asyncio.get_running_loop().time()  # when we last handed the peer a frame
        self._control: asyncio.Task | None = None  # the ping or pong being written, if any
        self._controls = 0  # pings and pongs received since `_controls_since` (see CONTROL_FRAMES_PER_TIMEOUT)
        self._controls_since = self.last_write
        self._urgent: asyncio.Queue[bytes] = asyncio.Queue()
        self._normal: asyncio.Queue[bytes] = asyncio.Queue(maxsize=_NORMAL_QUEUE)
        self._normal_bytes = 0  # in `_normal`
        self._room = asyncio.Event()  # set whenever a frame leaves `_normal`
        self._wake = asyncio.Event()
        # Sealing takes the channel's next counter, so seal and write happen under one lock: the
        # peer must receive frames in counter order, the closing Error frame included.
        self._send_lock = asyncio.Lock()
        self._writer = asyncio.create_task(self._write_loop(), name=f"link-{self.number}-writer")
        self.closed = False
        self.gone = asyncio.Event()  # set by close(): whoever waits on this link stops waiting
        self.protocol = LinkProtocol(Role.DIALLER if outbound else Role.LISTENER,
                                     message_timeout_s=limits.message_timeout_s,
                                     peer_seals_liveness=peer_seals_liveness)
        keep_short(ws.get_extra_info("socket"))  # an alert must not wait behind what the kernel holds

    @property
    def name(self) -> str:
        """How logs name this peer: its device key prefix, never its IP address."""
        return f"peer {self.peer_device.hex()[:12]}"

    @property
    def stalled(self) -> bool:
        """Our bulk frames wait for the peer to read (the queue is full, in frames or bytes): it is not
        taking our stream."""
        return self._normal.full() or self._normal_bytes >= _NORMAL_BYTES

    def _queue_normal(self, data: bytes) -> None:
        self._normal.put_nowait(data)
        self._normal_bytes += len(data)

    async def send(self, message: Message, *, urgent: bool = False) -> None:
        """Queue a message; waits while the normal queue is full (back-pressure for streams)."""
        if self.closed:
            raise LinkClosed.gone(self.name)
        data = encode(message)
        if urgent:
            if self._urgent.qsize() < _URGENT_QUEUE:
                self._urgent.put_nowait(data)
        else:
            while self.stalled:  # wait for room, or for the link to close (then nobody would ever make room)
                self._room.clear()
                room = asyncio.ensure_future(self._room.wait())
                gone = asyncio.ensure_future(self.gone.wait())
                try:
                    await asyncio.wait({room, gone}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    room.cancel()
                    gone.cancel()
                if self.closed:
                    raise LinkClosed.gone(self.name)
            self._queue_normal(data)
        self._wake.set()

    def offer(self, message: Message, *, urgent: bool = False) -> bool:
        """Queue a gossip message without waiting; False (dropped) if this peer is not keeping up.
        Gossip must never stall on one slow neighbour; anti-entropy repairs what is dropped."""
        if self.closed:
            return False
        if urgent:
            if self._urgent.qsize() >= _URGENT_QUEUE:
                return False
            self._urgent.put_nowait(encode(message))
        elif self._normal.full():  # (by frames only: gossip's messages are at most 1 MiB, and stay few)
            return False
        else:
            self._queue_normal(encode(message))
        self._wake.set()
        return True

    async def _write_loop(self) -> None:
        try:
            while True:
                if self._urgent.empty() and self._normal.empty():
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                async with self._send_lock:
                    if self.closed:
                        return
                    if not self._urgent.empty():
                        data = self._urgent.get_nowait()
                    else:
                        data = self._normal.get_nowait()
                        self._normal_bytes -= len(data)
                        self._room.set()
                    frame = self.channel.seal(data)
                    self.bytes_out += len(frame)
                    await self.ws.send_bytes(frame)
                    self.last_write = asyncio.get_running_loop().time()
        except (ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
            log.info("%s: send failed (%s)", self.name, type(exc).__name__)
            await self.close()
        except ChannelError as exc:  # a message over a frame: this node's bug, not the peer's; end the link now
            log.error("%s: this node failed to send a message (%s); closing the link", self.name, exc)
            await self.close()
        except asyncio.CancelledError:
            pass

    async def receive(self, timeout: float | None = None) -> Message:
        """The next message; LinkClosed on close, timeout, a bad frame or a protocol violation.
        Pings are answered and pongs dropped; neither is returned, nor counts as heard (see `heard`):
        they are counted apart (`pongs`)."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            # Not asyncio.wait_for: on Python 3.11 it may return a message instead of raising when the
            # reader is cancelled (a node stopping) as the message comes.
            scope = asyncio.timeout_at(deadline)
            try:
                async with scope:
                    msg = await self.ws.receive()
            except TimeoutError:
                said = f"no message for {timeout:.0f} s" if scope.expired() else "the connection timed out"
                raise LinkClosed(f"{self.name}: {said}", "timeout") from None
            if msg.type in (aiohttp.WSMsgType.PING, aiohttp.WSMsgType.PONG):
                self._count_control(loop.time())
                self.pongs += 1
                if msg.type == aiohttp.WSMsgType.PING:
                    self._send_control(aiohttp.WSMsgType.PONG, msg.data[:125])
                continue
            break
        if msg.type != aiohttp.WSMsgType.BINARY:
            if msg.type == aiohttp.WSMsgType.ERROR and "size" in str(msg.data).lower():
                raise LinkClosed(f"{self.name}: frame over the size limit{_ON_THE_PATH}", UNPROVEN)
            raise LinkClosed.gone(self.name, "closed" if self.closed else DROPPED)
        self.bytes_in += len(msg.data)
        try:
            opened = self.channel.open(msg.data)
        except ChannelError as exc:
            raise LinkClosed(f"{self.name}: bad frame ({exc}){_ON_THE_PATH}", UNPROVEN) from None
        self.heard += 1  # it opened under the session's key: the peer wrote it
        try:
            message = decode(opened)
        except RemoteProtocolError as exc:
            raise LinkClosed(f"{self.name}: {exc}", exc.reason) from None
        if isinstance(message, Error):
            self.peer_error = message
            raise LinkClosed(f"{self.name} closed the connection: {message.code}: {message.text}", "closed")
        return message

    def _count_control(self, now: float) -> None:
        """A ping or pong came: LinkClosed (not held against the peer) once more than
        CONTROL_FRAMES_PER_TIMEOUT came within one message timeout."""
        window = self.limits.message_timeout_s
        if now - self._controls_since >= window:
            self._controls, self._controls_since = 0, now
        self._controls += 1
        if self._controls > CONTROL_FRAMES_PER_TIMEOUT:
            raise LinkClosed(f"{self.name}: over {CONTROL_FRAMES_PER_TIMEOUT} websocket pings and pongs within "
                             f"{window:.0f} s, a flood{_ON_THE_PATH}", UNPROVEN)

    def keepalive(self) -> None:
        """Tell the peer we are alive (busy with its data): a sealed empty IHave, which needs no
        answer (a node of any version takes it as gossip announcing nothing). Queued as urgent: it
        never waits for room behind a bulk stream, and the caller never waits."""
        self.offer(IHave(()), urgent=True)

    def probe(self, ids: tuple[bytes, ...]) -> None:
        """Ask a quiet peer to show it is alive: a sealed IWant for `ids`, events it certainly
        holds, which it answers with a sealed Push (nothing to send with no ids)."""
        if ids:
            self.offer(IWant(ids), urgent=True)

    def _send_control(self, kind: aiohttp.WSMsgType, data: bytes) -> None:
        """Write a ping or pong without making the caller wait: the reader must never stall behind
        a congested connection for it. At most one at a time (one answers for several pings)."""
        if self.closed or (self._control is not None and not self._control.done()):
            return
        self.last_write = asyncio.get_running_loop().time()
        send = self.ws.ping if kind == aiohttp.WSMsgType.PING else self.ws.pong
        self._control = asyncio.create_task(self._control_frame(send, data), name=f"link-{self.number}-control")

    @staticmethod
    async def _control_frame(send: Callable[[bytes], Awaitable[None]], data: bytes) -> None:
        try:
            await send(data)
        except (ConnectionError, RuntimeError, aiohttp.ClientError):
            pass  # the connection is going away; the reader sees that

    async def close(self, code: str | None = None, text: str = "") -> None:
        """Close, telling the peer why (if a reason is given and the link still works)."""
        if self.closed:
            return
        self.closed = True
        self.gone.set()
        self.protocol.close()
        if code is not None:
            try:
                async with asyncio.timeout(2):  # (not asyncio.wait_for: see `receive`)
                    await self._send_last(encode(Error(code, text)))
            except Exception:  # the peer may already be gone, or not reading; closing anyway
                pass
        self._writer.cancel()
        if self._control is not None:
            self._control.cancel()
        try:
            async with asyncio.timeout(2):
                await self.ws.close()
        except Exception:
            pass

    async def _send_last(self, data: bytes) -> None:
        async with self._send_lock:
            await self.ws.send_bytes(self.channel.seal(data))

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait until queued messages are written (before a clean close)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while (not self._urgent.empty() or not self._normal.empty()) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)


Progress = Callable[[], int]
# A dial's check of where its socket connected: (peer ip, port), (local ip, port) -> why not, or None
Vet = Callable[[tuple[str, int], tuple[str, int]], "str | None"]
"""Bytes received so far on a connection: a handshake waits while this grows."""

Signed = Callable[[bytes, "tuple[bytes, ...] | None"], None]
"""Given the device key an inbound handshake's dialler proved (its signature checked): at once
(None), and again with its credentials once they came, before they are stored. For the listener's
connection guard: a member's handshake is kept through a flood (node/listener.py); raises
HandshakeError to refuse it (OVER_BUDGET: closed "try again later", as a hello over its budget)."""

MayReply = Callable[[], bool]
"""Asked once an inbound handshake's hello came and is for this network, before the reply is
computed: whether the listener's budget of replies allows it now (node/hello_budget.py); False:
the connection is closed (1013, try again later) without a reply."""

Replied = Callable[[float], None]
"""Given the CPU time (s) an inbound handshake the node replied to took in all, when it ends without
a link (a stranger's, or a member's refused): the upgrade, the reply, message 3, the credentials
opened, decoded (this thread's, by `_OwnSteps`) and judged on the database thread (what
`Identity.admit_credentials` says it took there). For the listener's budget of replies
(node/hello_budget.py): a stranger's whole handshake is charged, not only its reply; a member's
is not (the listener knows which)."""

Allowance = Callable[[], "float | None"]
"""Asked as an inbound handshake's credentials come: the CPU time (s) judging them may take
(None: no bound): the listener's budget of replies (node/hello_budget.py `take_allowance`) bounds a
dialler not yet known as a member's."""

SlotCheck = Callable[["Link"], None]
"""Given an authenticated member's inbound link before the listener presents its credentials;
raises HandshakeError to refuse it (e.g. a link slot: sync/link_slots.py)."""



async def _while_progressing(awaitable: Awaitable[T], stall_s: float, progress: Progress | None) -> T:
    """Await `awaitable`; asyncio.TimeoutError once `stall_s` seconds pass in which no byte arrived
    (`progress` unchanged): a slow peer that is sending is waited for, a silent one is not. Without
    `progress`, `stall_s` bounds the whole wait."""
    task = asyncio.ensure_future(awaitable)
    try:
        seen = progress() if progress is not None else None
        while True:
            done, _ = await asyncio.wait({task}, timeout=stall_s)
            if done:
                return task.result()
            now = progress() if progress is not None else None
            if now == seen:
                raise asyncio.TimeoutError
            seen = now
    finally:
        task.cancel()


async def _recv_handshake(ws, timeout: float, progress: Progress | None = None) -> bytes:
    try:
        msg = await _while_progressing(ws.receive(), timeout, progress)
    except asyncio.TimeoutError:
        raise HandshakeError("protocol", "the peer did not answer the handshake in time") from None
    if msg.type != aiohttp.WSMsgType.BINARY:
        if ws.close_code == WSCloseCode.TRY_AGAIN_LATER:  # a listener over its budget of replies (`accept`)
            raise HandshakeError("protocol", f"the peer closed the connection: {BUSY}")
        raise HandshakeError("protocol", "connection closed during the handshake")
    return msg.data


class DialSkipped(Exception):
    """A dial connected somewhere it must not be used (`vet` in `dial`): str() says why, without the
    address. Only the websocket upgrade went on the connection, no handshake."""


async def dial(session: aiohttp.ClientSession, address: str, identity: Identity, limits: PeerLimits,
               expected: bytes | None = None, vet: Vet | None = None) -> Link:
    """Connect to `address` (normalised http(s)://host:port), authenticate both ways, return the Link.

    A device this node knows nothing of is asked to present first (see Identity). If it answers
    that it knows nothing of this node either (two groups admitted about the same time, each
    configured with the other's address: neither can prove itself to the other), one of them must
    show its chain first. At an address with no device on record (`expected` None: one just added,
    a `solnet sync ADDRESS`) it is the dialler, which chose the address, as before 2026-12-05: it
    dials again and presents first (trust on first contact: a stranger that speaks the protocol and
    says "not_a_member" there still gets the credentials). At an address where a device proved
    itself before, or which a device announced, an unknown key in its place (someone on the path,
    an address that changed hands) gets nothing: no fallback.

    `vet`: given the connected socket's peername and sockname, why it is not to be used (None: it
    is); then DialSkipped, closed before the handshake begins.

    Raises HandshakeError (refused, or the peer is not a member), DialSkipped or OSError/aiohttp errors."""
    try:
        return await _dial(session, address, identity, limits, present_to_unknown=False, vet=vet)
    except _NeitherKnows:
        if expected is not None:
            raise _unproven("said it knows nothing of this node, at an address where another device answered "
                            "before or which another device announced") from None
        return await _dial(session, address, identity, limits, present_to_unknown=True, vet=vet)


async def _dial(session: aiohttp.ClientSession, address: str, identity: Identity, limits: PeerLimits, *,
                present_to_unknown: bool, vet: Vet | None) -> Link:
    url = address.replace("http://", "ws://", 1).replace("https://", "wss://", 1) + SYNC_PATH
    ws = await session.ws_connect(
        url, timeout=aiohttp.ClientWSTimeout(ws_close=2), max_msg_size=limits.max_frame_bytes + _FRAME_OVERHEAD,
        autoping=False,  # Link.receive answers pings; liveness follows progress (see the module's docstring)
    )
    known: list[bool] = []  # what `_vet_responder` made of the device that answered
    try:
        peer, local = ws.get_extra_info("peername"), ws.get_extra_info("sockname")
        why = vet(peer[:2], local[:2]) if vet is not None and peer and local else None
        if why is not None:
            raise DialSkipped(why)
        hs = Initiator(identity.network_id, identity.device,
                       lambda device: known.append(_vet_responder(identity, device)))
        await ws.send_bytes(hs.hello())
        reply = await _recv_handshake(ws, limits.connect_timeout_s)
        finish, keys = hs.finish(reply)
        await ws.send_bytes(finish)
    except BaseException:
        await ws.close()
        raise
    link = Link(ws, SecureChannel(keys), keys.peer_device, outbound=True, address=address, limits=limits,
                peer_seals_liveness=keys.peer_seals_liveness)
    try:
        await _exchange_credentials(link, identity, limits, ask_first=not (known[0] or present_to_unknown))
    except BaseException:
        await link.close()
        raise
    return link


def _any_key(device: bytes) -> None:
    """The listener checks the dialler's membership after the credentials exchange (see Identity),
    not inside the handshake: a device that joined after our last sync shows its chain first."""


def _vet_responder(identity: Identity, device: bytes) -> bool:
    """The dialler's check of the device that answered, inside the handshake, before message 3
    (which reveals the dialler's device id) goes: True for a member (the dialler presents first,
    as ever), False for a key this node's trust graph holds nothing of (a member it has not heard
    of yet, or a stranger: asked to present first); HandshakeError for one this node refuses
    (revoked, frozen, blocked, banned), which then learns nothing of the dialler."""
    try:
        identity.check_peer(device)
    except HandshakeError:
        if not identity.unknown(device):
            raise
        return False
    return True


class _NeitherKnows(HandshakeError):
    """A device this node knows nothing of, asked to present first, said it knows nothing of this
    node either (see `dial`)."""


def _unproven(why: str) -> HandshakeError:
    """The refusal of a peer asked to present first that did not prove itself a member. What it
    said is not repeated: nothing it says can be believed (a stranger could claim this device is
    revoked), and a stranger must not be called revoked either."""
    return HandshakeError(NOT_A_MEMBER, "its device key is unknown here, and asked to show its credentials first, "
                                        f"it {why}", ours=True)


async def _exchange_credentials(link: Link, identity: Identity, limits: PeerLimits,
                                progress: Progress | None = None, slot_check: SlotCheck | None = None,
                                signed: Signed | None = None, *, ask_first: bool = False) -> None:
    """Credentials first, as the link's protocol says: the dialler presents its own, each side
    stores the peer's (verified like any event) and checks its membership, then the listener
    asks `slot_check` whether the member may have a link now and only then presents its own.
    A dialler that `ask_first` presents nothing (see LinkProtocol.open): the listener presents
    first if it counts the dialler a member, and is refused unless it proves it is one."""
    await _carry_out(link, identity, link.protocol.open(ask_first=ask_first))
    try:
        message = await _while_progressing(link.receive(None), limits.connect_timeout_s, progress)
    except asyncio.TimeoutError:
        if ask_first:
            raise _unproven(f"sent nothing for {limits.connect_timeout_s:.0f} s") from None
        raise HandshakeError("protocol", f"no credentials from the peer in {limits.connect_timeout_s:.0f} s") from None
    except LinkClosed as exc:
        if link.ws.close_code == WSCloseCode.TRY_AGAIN_LATER:  # a listener over its budget of members' handshakes
            raise HandshakeError("protocol", f"the peer closed the connection: {BUSY}") from None
        if ask_first and link.peer_error is not None and link.peer_error.text == NOT_A_MEMBER:
            raise _NeitherKnows(NOT_A_MEMBER, "neither side knows the other's device") from None
        if ask_first:
            raise _unproven("closed the connection") from None
        refusal = link.peer_error
        told = told_refusal(refusal.text, link.peer_device) if refusal is not None and refusal.code == "refused" \
            else None
        if told is not None:
            # The peer checked our credentials and refused this device (it may have just learned,
            # from those very credentials, that this device is revoked), or has no link slot for it.
            raise told from None
        if refusal is not None and refusal.code == "refused":  # a refusal in words this version cannot read
            raise HandshakeError("protocol", "the peer refused this device with a reason this node cannot read "
                                 "(not a node of this network, or of a newer version)") from None
        raise HandshakeError("protocol", f"no credentials from the peer ({exc})") from None
    try:
        [admit] = link.protocol.receive(message)
    except RemoteProtocolError:
        raise HandshakeError("protocol", "the peer did not present its credentials first") from None
    assert isinstance(admit, Admit)
    if signed is not None:
        signed(link.peer_device, admit.events)
    await identity.admit_credentials(link.peer_device, admit.events, None)
    identity.check_peer(link.peer_device)
    if slot_check is not None:
        slot_check(link)
    own = _held(identity.credentials())
    # What the link's pings ask for (LinkProtocol.tick): an event the peer presented (it holds its
    # chain), or, from a dialler that presented nothing (it asked first), one of ours certifying
    # our own chain, as it picks the one it answers (below).
    proof = _held(admit.events)
    if proof is None and not ask_first:
        proof = await identity.ping_proof(bytes(identity.device.public), identity.credentials()) or own
    # The one event the peer's pings ask for is answered past the repeats' budget (node/net/
    # peer_policy.py `answerable`, at most once a ping's interval: node/net/peer_link.py): the one
    # of ours this node presented. A dialler that asked first presented nothing, and its
    # listener's pings ask for an event of the listener's (charged as repeats, they went
    # unanswered once its group's were spent, and the listener cut the link): only one that
    # certifies the listener's own chain and is stored here byte for byte. Not the smallest wire
    # that decodes: a stub (an event's header and signature, its body left out) decodes, and a
    # listener adding the stub of any event this node holds had it sent whole, free, at each ask.
    # Not, after presenting, the peer's: a peer would name any stored event so.
    answered = await identity.ping_proof(link.peer_device, admit.events) if ask_first else own
    link.proof = None if answered is None else (answered.author, answered.seq)
    await _carry_out(link, identity, link.protocol.credentials_accepted(proof.id if proof is not None else None))


def _held(wires: tuple[bytes, ...]) -> Event | None:
    """The smallest of `wires` that reads as an event (None if none does): the peer's answer to
    each ping carries it whole."""
    for wire in sorted(wires, key=len):
        try:
            return decode_event(wire)
        except InvalidEvent:
            continue
    return None


async def _carry_out(link: Link, identity: Identity, commands: list) -> None:
    """The credentials exchange's commands: present this node's credentials, or send a message
    (a dialler's credentials holding nothing, asking the listener to present first)."""
    for command in commands:
        assert isinstance(command, (Present, Send))
        await link.send(Credentials(identity.credentials()) if isinstance(command, Present) else command.message)


async def accept(request: web.Request, identity: Identity, limits: PeerLimits,
                 progress: Progress | None = None, slot_check: SlotCheck | None = None,
                 signed: Signed | None = None, replied: Replied | None = None,
                 may_reply: MayReply | None = None,
                 allowance: Allowance | None = None) -> tuple[web.WebSocketResponse, Link | None]:
    """Server side of the handshake on an incoming websocket. A refused peer gets the connection
    closed and nothing else: no network data, no reason beyond the close. `slot_check` may refuse a
    member with no link slot for it (HandshakeError), once its credentials are checked; `signed` is
    told the dialler's device key as soon as its signature is checked, and its credentials as they come;
    `may_reply` is asked, once the hello came and is for this network, whether to reply to it;
    `replied` is told the CPU time the whole handshake took, when one the node replied to ends
    without a link (see Replied); `allowance` bounds the time the credentials take to judge.

    Deadlines: the peer may stay silent at most `connect_timeout_s` at a time (judged by `progress`,
    the bytes received on the connection, when given), and the whole exchange may last at most
    `handshake_timeout_s`."""
    # No permessage-deflate: sync frames are encrypted (nothing to gain), and a stranger's 4 KiB
    # frame would unpack to 4 MiB on the event loop before the handshake could refuse it.
    ws = web.WebSocketResponse(max_msg_size=limits.max_frame_bytes + _FRAME_OVERHEAD, autoping=False, compress=False)
    cpu = time.thread_time()  # (the upgrade runs on this thread, between awaits)
    await ws.prepare(request)
    cpu = time.thread_time() - cpu
    answered = False  # a reply made
    judged: list[tuple[_OwnSteps, asyncio.Future]] = []  # the credentials' admission (at most one)

    async def admit(device: bytes, events: tuple[bytes, ...], _: float | None) -> None:
        # The exchange asks for no bound (None, as a dialler does): the listener's allowance is it.
        # A task of its own, shielded: a handshake ended while its credentials were judged (its
        # deadline, a stranger can time it to) would have dropped what the database thread spent
        # on them, uncharged; it ends as if the deadline had come just after, and is charged then.
        bound = allowance() if allowance is not None else None
        own = _OwnSteps(identity.admit_credentials(device, events, bound))
        job = asyncio.ensure_future(own)
        judged.append((own, job))
        await asyncio.shield(job)

    def answer() -> bool:
        nonlocal answered
        answered = may_reply is None or may_reply()
        return answered

    steps = _OwnSteps(_respond(ws, request, replace(identity, admit_credentials=admit), limits, progress, slot_check,
                               signed, answer))
    link = None
    try:
        link = await steps
    finally:
        charge = replied if answered and link is None else None
        spent = cpu + steps.cpu
        if judged:
            own, job = judged[0]
            job.add_done_callback(lambda job: _charge(charge, spent + own.cpu, job))
        elif charge is not None:
            charge(spent)
    return ws, link


def _charge(replied: Replied | None, spent: float, job: asyncio.Future) -> None:
    """Tell `replied` (if any) a handshake's CPU time: `spent` on this thread, and what its finished
    `job` of admitting credentials says it took on another (none if it failed: its exception is
    retrieved here, raised in the handshake already or come after it ended)."""
    failed = job.cancelled() or job.exception() is not None
    if replied is not None:
        replied(spent + (0.0 if failed else job.result() or 0.0))


class _OwnSteps:
    """Awaits a coroutine, adding up the CPU time (this thread's) of its own steps: what it runs
    between its awaits (and what the coroutines it awaits run), not what other tasks run while it
    waits. A stranger's handshake is charged what it cost (node/hello_budget.py): its reply was
    ~0.2 ms here, the whole of it (message 3, its credentials opened, decoded and judged) 2.4-3 ms
    and more, and only the reply was counted until 2026-12-07, so the budget let strangers take
    ~15 times its share of a core."""

    def __init__(self, coro: Coroutine[Any, Any, T]) -> None:
        self._coro = coro
        self.cpu = 0.0

    def __await__(self) -> Generator[Any, Any, T]:
        send, throw = self._coro.send, self._coro.throw
        value: Any = None
        error: BaseException | None = None
        while True:
            started = time.thread_time()
            try:
                yielded = throw(error) if error is not None else send(value)
            except StopIteration as done:
                return done.value
            finally:
                self.cpu += time.thread_time() - started
            try:
                value, error = (yield yielded), None
            except BaseException as exc:  # (a cancellation, passed on to the coroutine)
                value, error = None, exc


async def _respond(ws: web.WebSocketResponse, request: web.Request, identity: Identity, limits: PeerLimits,
                   progress: Progress | None, slot_check: SlotCheck | None, signed: Signed | None,
                   may_reply: MayReply) -> Link | None:
    """`accept`'s handshake once the websocket is up: the link, or None (the connection closed)."""
    link = None
    try:
        async with asyncio.timeout(limits.handshake_timeout_s):
            hs = Responder(identity.network_id, identity.device, _any_key)
            hello = await _recv_handshake(ws, limits.connect_timeout_s, progress)
            # Another network's or a malformed hello is refused here, before the budget is asked:
            # it costs no key work, and must cost members no reply (node/hello_budget.py).
            hs.check_hello(hello)
            if not may_reply():
                await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=BUSY.encode())
                return None
            await ws.send_bytes(hs.reply(hello))
            keys = hs.accept(await _recv_handshake(ws, limits.connect_timeout_s, progress))
            if keys.peer_device == bytes(identity.device.public):
                raise HandshakeError("protocol", "a connection from this node to itself")
            if signed is not None:
                signed(keys.peer_device, None)
            link = Link(ws, SecureChannel(keys), keys.peer_device, outbound=False, address=None, limits=limits,
                        peer_seals_liveness=keys.peer_seals_liveness)
            link.dialled_at = request.host.lower()
            await _exchange_credentials(link, identity, limits, progress, slot_check, signed)
    except (HandshakeError, TimeoutError) as exc:
        if isinstance(exc, TimeoutError):
            exc = HandshakeError("protocol", f"the handshake took longer than {limits.handshake_timeout_s:.0f} s")
        identity.refusals.say(exc.reason)
        if exc.reason == OVER_BUDGET:  # told as a hello over its budget is, in clear: not the peer's fault
            await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=BUSY.encode())
        if link is not None:
            await link.close(None if exc.reason == OVER_BUDGET else "refused", exc.told())
        await ws.close()
        return None
    except (ConnectionError, RuntimeError, aiohttp.ClientError, LinkClosed):
        await ws.close()
        return None
    return link
