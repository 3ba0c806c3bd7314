"""A hostile peer for tests: an asyncio client that speaks solnet's real sync wire protocol
(websocket, the sync.handshake exchange, SecureChannel frames, sync.messages) and misbehaves
on purpose, plus the in-process setup it needs (a member group admitted by the target network's
founder through node.membership, device keys, signed events) and probes of the target node.

Every wait is bounded. Nothing here starts or stops processes: the test module does that.
"""
from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import aiohttp
from aiohttp import web

from crypto.keys import SigningKey
from crypto.keystore import NodeKeys
from events.canonical import pack
from events.format import Event
from node import membership
from node.demo import localnet, progress
from node.home import PASSPHRASE_ENV, Home
from node.log import EventLog
from node.store import Store
from signing_author import Author  # noqa: F401 (the hostile tests take it from here)
from sync.channel import ChannelError, SecureChannel
from sync.handshake import Initiator, Responder
from sync.messages import Credentials, End, Error, Heads, IHave, IWant, Message, Offer, Push, Same, decode, encode
from sync.transport import SYNC_PATH

PASSPHRASE = "hostile peers get nothing"
T = TypeVar("T")
POLL_S = 0.1  # how often a wait in the node's time reads its clock


async def wait_for(awaitable: Awaitable[T], seconds: float, clock: progress.RunClock | None = None) -> T:
    """asyncio.wait_for with `seconds` in the node's time (`clock`'s, else from now: the RunClock of
    this test's process and those below it, the node under attack among them): the time a loaded
    machine kept them from running does not count, so a bound of a few seconds on an answer fails
    a node that does not answer, not a crowded CI. TimeoutError once they pass (or
    progress.LAST_RESORT_S of the wall clock)."""
    task = asyncio.ensure_future(awaitable)
    try:
        # (most answers come at once: the clock, which reads /proc, is read only for those that do not)
        await asyncio.wait([task], timeout=min(seconds, POLL_S))
        clock, started = clock or progress.RunClock(progress.ours), time.monotonic()
        while not task.done():
            if clock.now() > seconds or time.monotonic() - started > progress.LAST_RESORT_S:
                raise asyncio.TimeoutError(f"not within {seconds:g} s of the node's time "
                                           f"({time.monotonic() - started:.0f} s of wall clock)")
            await asyncio.wait([task], timeout=POLL_S)
        return task.result()
    finally:
        if not task.done():
            task.cancel()


def cli(home: Path, *args: str, serving: int | None = None) -> subprocess.CompletedProcess:
    """`solnet --home HOME ARGS...`, with the test passphrase. Waited for while it advances (its CPU,
    its output, and the CPU of the node it talks to, pid `serving`), not for a fixed time that a
    loaded machine overruns: killed and failed after progress.STALL_S without any."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    env[PASSPHRASE_ENV] = PASSPHRASE
    # Verify inline in CLI commands: with worker processes, `solnet sync` of many events is killed by
    # SIGPIPE about one run in four (a bug; see test_sync_worker_lifecycle.py). The node under attack
    # keeps the default workers.
    env["SOLNET_VERIFY_WORKERS"] = "0"
    command = [*localnet.solnet_command(), "--home", str(home), *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, stdin=subprocess.DEVNULL)
        try:
            stuck = progress.wait_progressing(
                lambda: proc.poll() is not None,
                lambda: (progress.cpu_seconds(proc.pid), os.fstat(out.fileno()).st_size, os.fstat(err.fileno()).st_size,
                         serving and progress.cpu_seconds(serving)))
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        out.seek(0)
        err.seek(0)
        said = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    assert stuck is None, f"`solnet {' '.join(args)}`: {stuck}\n{said[0][-2000:]}\n{said[1][-2000:]}"
    return subprocess.CompletedProcess(command, proc.returncode, *said)


# --- in-process membership ----------------------------------------------------------------------

def certify_device(log: EventLog, group: SigningKey) -> SigningKey:
    """A fresh device key certified by `group` (its vouch appended to `log`)."""
    key = SigningKey.generate()
    log.append(group, "member.vouch", {"subject": bytes(key.public), "role": "device", "encryption_key": os.urandom(32)})
    return key


@dataclass
class Mole:
    """A member group that turned hostile: admitted by the founder's invite, holding its group key,
    so it can certify as many device keys as the tests need (one per attack, since bans are per device)."""

    home: Home
    log: EventLog
    keys: NodeKeys

    @classmethod
    def admit(cls, root: Path, founder_log: EventLog, founder_keys: NodeKeys, name: str = "Mole") -> Mole:
        home = Home(root / name.lower())
        config, keys = membership.prepare_group(home, name, "london", PASSPHRASE)
        token, _ = membership.invite(founder_log, founder_keys, bytes(keys.group.public), [], bytes(founder_keys.group.public))
        log = membership.join(home, token, keys)
        return cls(home, log, keys)

    @property
    def network_id(self) -> bytes:
        return self.log.network_id

    def new_device(self) -> SigningKey:
        """A fresh device key certified by this group (the vouch travels in `credentials()`)."""
        return certify_device(self.log, self.keys.group)

    def credentials(self) -> tuple[bytes, ...]:
        """Every event this mole holds: the founder's chain up to our vouch, then our group's chain."""
        return tuple(self.log.store.wire(e[7:10]) for e in self.log.store.all_events())


def forge(ev: Event) -> bytes:
    """The wire form of `ev` with one bit of its signature flipped."""
    sig = bytearray(ev.signature)
    sig[7] ^= 0x01
    return pack([ev.header_bytes, bytes(sig), ev.body])


# --- the wire double -----------------------------------------------------------------------------

class PeerClosed(Exception):
    """The node closed the connection. `error` is the Error message it sent first, if any."""

    def __init__(self, why: str, error: Error | None = None, received: list | None = None) -> None:
        super().__init__(why)
        self.error = error
        self.received = received or []


def _any_key(device: bytes) -> None:
    """The double trusts whoever answers: it is the node under test that must check."""


@dataclass
class HostilePeer:
    session: aiohttp.ClientSession | None
    ws: aiohttp.ClientWebSocketResponse
    channel: SecureChannel | None = None
    node_device: bytes | None = None
    sent_handshake: list[bytes] = field(default_factory=list)  # msg1, msg3 as sent: for replays
    node_credentials: tuple[bytes, ...] | None = None
    drained: int = 0
    _drainer: asyncio.Task | None = None

    # -- connecting --
    @classmethod
    async def open(cls, address: str, timeout: float = 5.0) -> HostilePeer:
        """Just the websocket, nothing sent (for attacks on the handshake itself)."""
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout))
        try:
            ws = await wait_for(session.ws_connect(f"http://{address}{SYNC_PATH}", max_msg_size=0,
                                                   autoping=True), timeout)
        except BaseException:
            await session.close()
            raise
        return cls(session, ws)

    @classmethod
    async def connect(cls, address: str, network_id: bytes, device: SigningKey,
                      credentials: tuple[bytes, ...] = (), *, timeout: float = 5.0) -> HostilePeer:
        """A full, well-formed dial: handshake, our credentials, the node's credentials.
        Raises PeerClosed if the node refuses us (with the Error it sent, if any)."""
        peer = await cls.open(address, timeout)
        try:
            await peer.handshake(network_id, device, timeout=timeout)
            await peer.send(Credentials(credentials))
            reply = await peer.receive(timeout)
            if not isinstance(reply, Credentials):
                raise AssertionError(f"the node answered our credentials with {reply!r}")
            peer.node_credentials = reply.events
        except BaseException:
            await peer.close()
            raise
        return peer

    async def handshake(self, network_id: bytes, device: SigningKey, *, timeout: float = 5.0) -> None:
        hs = Initiator(network_id, device, _any_key)
        hello = hs.hello()
        await self.send_frame(hello)
        reply = await self.receive_frame(timeout)
        finish, keys = hs.finish(reply)
        await self.send_frame(finish)
        self.sent_handshake = [hello, finish]
        self.channel = SecureChannel(keys)
        self.node_device = keys.peer_device

    # -- sending --
    # Sends wait as long as the node reads at its budgets' pace (a loaded machine stretches it):
    # their bounds are on a hang only, progress.STALL_S
    async def send_frame(self, data: bytes, timeout: float = progress.STALL_S) -> None:
        """Raw websocket bytes (before the handshake, or a frame we forged ourselves)."""
        await asyncio.wait_for(self.ws.send_bytes(data), timeout)

    async def try_send_frame(self, data: bytes) -> bool:
        """Like send_frame, but False (not an exception) if the node cut us off while we sent."""
        try:
            await asyncio.wait_for(self.ws.send_bytes(data), progress.STALL_S)
        except (ConnectionError, aiohttp.ClientError):
            return False
        return True

    async def send_plain(self, plaintext: bytes, timeout: float = progress.STALL_S) -> None:
        """Arbitrary bytes sealed as the next channel frame (the node will try to decode them)."""
        await asyncio.wait_for(self.ws.send_bytes(self.channel.seal(plaintext)), timeout)

    async def send(self, message: Message) -> None:
        await self.send_plain(encode(message))

    # -- receiving --
    async def receive_frame(self, timeout: float = 5.0) -> bytes:
        """The next frame, within `timeout` s of the node's time (`wait_for`)."""
        msg = await wait_for(self.ws.receive(), timeout)
        if msg.type != aiohttp.WSMsgType.BINARY:
            raise PeerClosed(f"connection closed ({msg.type.name}, {msg.data!r}, {msg.extra!r})")
        return msg.data

    async def receive(self, timeout: float = 5.0) -> Message:
        """The next message; PeerClosed if the node closed (after an Error message or not)."""
        data = await self.receive_frame(timeout)
        try:
            message = decode(self.channel.open(data))
        except ChannelError as exc:  # the node's frames arrived out of order (see test_hostile_frames.py)
            raise PeerClosed(f"garbled frame from the node: {exc}") from None
        if isinstance(message, Error):
            try:
                await asyncio.wait_for(self.ws.receive(), 2)
            except (asyncio.TimeoutError, aiohttp.ClientError):
                pass
            raise PeerClosed(f"the node closed with {message.code}: {message.text}", message)
        return message

    async def wait_closed(self, timeout: float) -> PeerClosed:
        """Read until the node closes; return how (messages received on the way are kept)."""
        received: list = []
        clock = progress.RunClock(progress.ours)  # (`timeout`: in the node's time, as `receive_frame`'s)
        while True:
            left = timeout - clock.now()
            if left <= 0:
                raise AssertionError(f"the node did not close the connection within {timeout} s of its time; "
                                     f"got {received}")
            try:
                if self.channel is None:
                    received.append(await self.receive_frame(left))
                else:
                    received.append(await self.receive(left))
            except PeerClosed as closed:
                closed.received = received
                return closed
            except asyncio.TimeoutError:
                continue
            except (aiohttp.ClientError, ConnectionError) as exc:
                return PeerClosed(f"connection broke: {exc!r}", None, received)

    def start_draining(self) -> None:
        """Read and count whatever the node sends, in the background (until close)."""
        async def drain() -> None:
            try:
                while True:
                    await self.receive(3600)
                    self.drained += 1
            except (PeerClosed, asyncio.TimeoutError, aiohttp.ClientError, ConnectionError):
                pass
        self._drainer = asyncio.create_task(drain())

    async def close(self) -> None:
        if self._drainer is not None:
            self._drainer.cancel()
            await asyncio.wait({self._drainer}, timeout=5)  # bounded: a reader that ignores the cancel must not hang us
        try:
            await asyncio.wait_for(self.ws.close(), 2)
        except Exception:
            pass
        if self.session is not None:
            # Every step of closing is bounded: once (CI, 2026-12-01) closing the flood test's peer
            # never returned and the run hung with the link still open.
            try:
                await asyncio.wait_for(self.session.close(), 5)
            except (asyncio.TimeoutError, Exception):
                pass

    async def __aenter__(self) -> HostilePeer:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()


# --- probes of the node under test ---------------------------------------------------------------

async def honest_round(address: str, network_id: bytes, device: SigningKey, credentials: tuple[bytes, ...] = (),
                       timeout: float = progress.STALL_S) -> float:
    """A second, honest connection runs a complete anti-entropy round (claiming to hold exactly the
    node's heads, so nothing is streamed). Returns the seconds it took, dial included. Gossip the
    node pushes meanwhile (Push, IHave) is read and ignored. `timeout` bounds each step, a bound on
    a hang only: the seconds a round takes follow the machine's load; callers judge the node's work
    (its CPU) or what it did, not them."""
    started = time.monotonic()
    peer = await HostilePeer.connect(address, network_id, device, credentials, timeout=timeout)

    async def next_round_message() -> Message:
        while True:
            message = await peer.receive(timeout)
            if not isinstance(message, (Push, IHave, IWant)):
                return message

    try:
        await peer.send(Offer(bytes(32), 0))
        heads = await next_round_message()
        if isinstance(heads, Same):
            return time.monotonic() - started
        assert isinstance(heads, Heads), heads
        await peer.send(heads)  # the same heads back: nothing to send either way
        await peer.send(End(0))
        end = await next_round_message()
        assert end == End(0), end
    finally:
        await peer.close()
    return time.monotonic() - started


def node_db_snapshot(db_path: Path, dest: Path) -> Path:
    """A consistent copy of a running node's database (SQLite online backup, WAL included)."""
    if dest.exists():
        dest.unlink()
    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return dest


@dataclass(frozen=True)
class DbState:
    """What a node's database holds: each event's author, and each projection row with the id of
    the event that made it."""

    authors: dict[bytes, bytes]  # event id -> author
    rows: frozenset[tuple]  # (source event id, tbl, lww key number, region, t, ref, vts, group key number)

    def rows_of(self, ids) -> frozenset[tuple]:
        return frozenset(r for r in self.rows if r[0] in ids)


def db_state(db_copy: Path) -> DbState:
    db = sqlite3.connect(db_copy)
    try:
        authors = dict(db.execute("SELECT id, key FROM events JOIN keys ON k = a"))
        rows = frozenset(db.execute(
            "SELECT e.id, p.tbl, p.lww, p.region, p.t, p.ref, p.vts, p.g FROM proj p JOIN events e ON e.n = p.n"))
    finally:
        db.close()
    return DbState(authors, rows)


def rebuild_matches_incremental(db_copy: Path) -> bool:
    """On a copy: the read models rebuilt from the log equal the incrementally maintained ones."""
    log = EventLog(Store(db_copy))
    try:
        before = log.store.projection_dump()
        log.rebuild()
        return log.store.projection_dump() == before
    finally:
        log.store.close()


def query(db_path: Path, sql: str, args: tuple = ()) -> list[tuple]:
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def proc_memory_mib(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process, from /proc/PID/status, in MiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


# --- a hostile peer that the node dials ------------------------------------------------------------

class HostileServer:
    """A fake peer on 127.0.0.1 that the node under test dials: it answers the handshake as the
    responder, presents `credentials`, then hands the connection (a HostilePeer) to `script`;
    ("done", its result) or ("failed", the exception) goes to `results`."""

    def __init__(self, network_id: bytes, device: SigningKey, credentials: tuple[bytes, ...], script) -> None:
        self.network_id, self.device, self.credentials, self.script = network_id, device, credentials, script
        self.runner: web.AppRunner | None = None
        self.port: int | None = None
        self.results: asyncio.Queue = asyncio.Queue()

    async def start(self) -> int:
        app = web.Application()
        app.router.add_get(SYNC_PATH, self._handle)
        self.runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.port

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        peer = HostilePeer(None, ws)  # type: ignore[arg-type]
        try:
            hs = Responder(self.network_id, self.device, _any_key)
            await peer.send_frame(hs.reply(await peer.receive_frame()))
            keys = hs.accept(await peer.receive_frame())
            peer.channel, peer.node_device = SecureChannel(keys), keys.peer_device
            node_credentials = await peer.receive()
            assert isinstance(node_credentials, Credentials), node_credentials
            peer.node_credentials = node_credentials.events
            await peer.send(Credentials(self.credentials))
            await self.results.put(("done", await self.script(peer)))
        except BaseException as exc:  # hand any failure to the test, which awaits results
            await self.results.put(("failed", exc))
        finally:
            await ws.close()
        return ws
