"""A running node: the store, the sync server and client, gossip, and their loops.

All database work runs on one dedicated thread, in order (SQLite connections are not to be
shared across threads, and ingest of a batch is one transaction that a shutdown waits for, so no
batch is ever half-written). The event loop keeps the network moving meanwhile.

Loops: the connector dials configured and announced peers as their backoff allows; each outbound
link runs an anti-entropy round at once and then every `sync_interval` (with jitter); the watcher
notices events stored by anyone (this node's ingest, or `solnet publish` in another process) and
gossips the new ones; peer state is saved for `solnet status` every few seconds, and changes made
by other processes (`solnet peers add/rm`, `solnet proxy`) are picked up at the same pace.

A running node holds its home's lock (Home.lock_node) from start to stop: one node per home.
Logs name peers by the same per-node label as `solnet peers` and the dashboard (`peer~1a2b3c`),
never by IP address.
"""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import os
import random
import shutil
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from crypto.keystore import NodeKeys
from events.canonical import unpack
from events.errors import InvalidEvent
from node import chain_gate, verify_pool
from node.home import Home, HomeError
from node.listener import HEAD_LIMIT_S, ConnectionGuard, GuardedSite, raise_open_files_limit
from node.log import EventLog, now_ms
from node.outcome import Outcome
from node.peer_link import PeerLinkHandler, RoundCut, RoundResult
from node.render import connection_problem
from node.store import StorageFull, StoreError
from sync.gossip import SeenIds, is_priority, plan, repair_plan
from sync.handshake import HandshakeError
from sync.messages import IHave, Push
from sync.peers import AddressError, PeerBook, PeerLimits, TokenBucket, normalize_address
from sync.proxy import ProxyAddress, ProxyFailure, check_route, client_session, parse_proxy
from sync.transport import Identity, Link, LinkClosed, accept, dial

log = logging.getLogger("solnet")
T = TypeVar("T")

WATCH_INTERVAL_S = 0.1
SAVE_INTERVAL_S = 2.0
CONNECT_INTERVAL_S = 0.5
MAX_INBOUND = 64
# Through Tor, reaching an onion service often takes several seconds (circuits are built on
# demand); the direct default would give up before a healthy peer answers.
PROXY_CONNECT_TIMEOUT_S = 30.0
STORAGE_RETRY_S = 60.0  # after a full disk, anti-entropy rounds wait this long before trying again,
STORAGE_FREED_BYTES = 1 << 20  # ... or until this much space has been freed
STORAGE_POLL_S = 2.0


class NodeRuntime:
    def __init__(self, home: Home, keys: NodeKeys, *, listen: tuple[str, int] | None = None,
                 peers: list[str] | None = None, limits: PeerLimits | None = None,
                 sync_interval_s: float = 30.0, rng: random.Random | None = None,
                 proxy: ProxyAddress | None = None, proxy_follows_config: bool = False) -> None:
        self.home = home
        self.keys = keys
        self.listen = listen
        self.limits = limits or PeerLimits()
        self.proxy = proxy  # every outbound peer connection goes through it; never a direct fallback
        # True when the proxy came from the home's config (not --proxy or $SOLNET_PROXY): then a
        # `solnet proxy` while the node runs applies at once.
        self.proxy_follows_config = proxy_follows_config
        self._direct_limits = self.limits
        if proxy is not None and self.limits.connect_timeout_s < PROXY_CONNECT_TIMEOUT_S:
            self.limits = dataclasses.replace(self.limits, connect_timeout_s=PROXY_CONNECT_TIMEOUT_S)
        self._lock_fd: int | None = None
        self._config_seen: tuple[int, int] | None = None  # config.json (inode, mtime) when last read
        self.sync_interval_s = sync_interval_s
        self.rng = rng or random.Random()
        self.peerbook = PeerBook(self.rng)
        self.device_book = PeerBook(self.rng)  # penalties by device key, whichever side dialled
        self.seen = SeenIds()
        self.links: dict[int, tuple[Link, PeerLinkHandler]] = {}
        self._dialling: set[str] = set()
        self._tasks: list[asyncio.Task] = []
        self._buckets: dict[bytes, TokenBucket] = {}
        self._byte_buckets: dict[bytes, TokenBucket] = {}
        self._stopping = asyncio.Event()
        self._db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
        self._extra_peers = [normalize_address(p) for p in (peers or [])]
        self._ingested: deque[tuple[float, int]] = deque(maxlen=600)
        self._label_key = b""
        self._started_ms: int | None = None  # set by start(background=True): a running node
        self._storage_problem: tuple[float, str, int | None] | None = None  # (monotonic time, problem, free bytes)
        self.log: EventLog
        self.http: aiohttp.ClientSession | None = None
        self.runner: web.AppRunner | None = None
        self.bound_port: int | None = None
        self._changed = asyncio.Event()  # set, then replaced, each time the log grows: wakes every waiter once
        self.dashboard_options: Any = None  # node.dashboard.DashboardOptions, set by `solnet run`
        self._wiped = False  # halt_network(forget_peers=True): the dashboard's panic wipe ran
        self.guard = ConnectionGuard()  # sized to the open-files limit by start()

    # --- plumbing -------------------------------------------------------------------------------
    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db_thread, fn, *args)

    def label(self, address: str) -> str:
        """A stable per-node alias for a peer address, for logs (not reversible without this node's key)."""
        return "peer~" + hashlib.blake2b(address.encode(), digest_size=3, key=self._label_key).hexdigest()

    def peer_name(self, link: Link) -> str:
        """How logs name the peer of a link: the label `solnet peers` shows for the address we
        dialled; for a peer that dialled us (no address), a label of the same form from its key."""
        return self.label(link.address or self._device_address(link.peer_device))

    def said_of(self, link: Link, problem: object) -> str:
        """A problem text from the link layer, which names the peer by its key prefix: named by
        `peer_name` instead, so one peer has one name in the logs."""
        return str(problem).replace(link.name, self.peer_name(link))

    def is_group_key(self, author: bytes) -> bool:
        m = self.log.trust.member(author)
        return m is not None and m.role == "group"

    def check_peer(self, device: bytes) -> None:
        m = self.log.trust.member(device)
        if m is None or m.role != "device":
            raise HandshakeError("not_a_member", "that key is not a certified device of this network")
        if m.revoked_from is not None:
            raise HandshakeError("revoked", "that device key is revoked")
        group = self.log.trust.member(m.group)
        if group is None or group.revoked_from is not None:
            raise HandshakeError("revoked", "that device's group is revoked")
        known = self.device_book.get(self._device_address(device))
        if known is not None and known.is_banned(now_ms()):
            raise HandshakeError("not_a_member", "that device is banned here for sending invalid data")

    @staticmethod
    def _device_address(device: bytes) -> str:
        return f"http://d{device.hex()[:40]}:1"

    def identity(self) -> Identity:
        return Identity(self.log.network_id, self.keys.device, self.check_peer, self._credentials, self._admit_credentials)

    def _credentials(self) -> tuple[bytes, ...]:
        return self._credential_events

    def _credential_chain(self) -> tuple[bytes, ...]:
        """The group-key chains that certify this device: its group, the group that admitted it, ...
        up to a founder (group-key chains hold only membership events and profiles: small)."""
        store, trust = self.log.store, self.log.trust
        member = trust.member(bytes(self.keys.device.public))
        chain: list[bytes] = []
        group = member.group if member else None
        visited: set[bytes] = set()
        while group is not None and group not in visited and len(chain) < 900:
            visited.add(group)
            chain[:0] = store.chain_wires(group)  # admitters first, so a reader can verify in order
            g = trust.member(group)
            group = g.admitted_by if g else None
        return tuple(chain)

    async def _admit_credentials(self, events: tuple[bytes, ...]) -> None:
        if events:
            outcomes = await self.db(self.log.ingest_credentials, list(events))
            if any(o.status == "accepted" for o in outcomes):
                self._credential_events = await self.db(self._credential_chain)

    # --- lifecycle ------------------------------------------------------------------------------
    async def start(self, *, background: bool = True) -> None:
        """Open the node; with `background`, also take the home's lock (HomeError if a node runs on
        it already), serve (if listening) and run the peer loops. If it fails half-way (a port in
        use), what it opened is closed again before the error goes up."""
        if background:
            self._lock_fd = await self.db(self.home.lock_node)
        try:
            await self._start(background)
        except BaseException:
            await self._close_started()
            raise

    async def _close_started(self) -> None:
        """Undo a start that failed: the web server, the client session, the store, the lock."""
        if self.runner is not None:
            await self.runner.cleanup()
        if self.http is not None:
            await self.http.close()
        self._db_thread.shutdown(wait=True)
        if getattr(self, "log", None) is not None:
            self.log.store.close()
        self._release_lock()

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    async def _start(self, background: bool) -> None:
        self.log = await self.db(self.home.log)
        self._label_key = await self.db(self._node_label_key)
        for address, source, state in await self.db(self.log.store.peer_rows):
            self.peerbook.add(address, source)
        for address in self._extra_peers:
            self.peerbook.add(address, "config")
            await self.db(self._insert_peer, address, "config")
        await self._learn_announced_peers()
        self._last_n = await self.db(self.log.store.last_n)
        self._credential_events = await self.db(self._credential_chain)
        self.http = client_session(self.proxy, self.limits.connect_timeout_s)
        if not background:
            return
        # Restore without forking (node/chain_gate.py): own publishing waits for the first complete round.
        self._started_ms = now_ms()
        await self.db(chain_gate.node_started, self.log.store, self._started_ms)
        # Silent connections must not exhaust the descriptors (node/listener.py): use all we may have.
        self.guard = ConnectionGuard.for_open_files(raise_open_files_limit())
        if self.listen is not None:
            from node.webapp import build_app
            self.runner = web.AppRunner(build_app(self), access_log=None, handle_signals=False,
                                        keepalive_timeout=HEAD_LIMIT_S)
            await self.runner.setup()
            site = GuardedSite(self.runner, self.listen[0], self.listen[1], self.guard)
            await site.start()
            self.bound_port = site.port
            log.info("listening for peers on %s:%d", self.listen[0], self.bound_port)
            try:  # this address, for `solnet dashboard-link` and `status`, at once rather than at the first save
                await self.db(self._save_peers)
            except StoreError as exc:  # a full disk: serve anyway, the saver retries
                self.storage_failed(exc)
        # Signature workers are spawned off the event loop: serving starts without waiting for them.
        asyncio.get_running_loop().run_in_executor(None, verify_pool.start)
        self._tasks += [asyncio.create_task(self._connector(), name="connector"),
                        asyncio.create_task(self._watcher(), name="watcher"),
                        asyncio.create_task(self._saver(), name="saver")]

    def _node_label_key(self) -> bytes:
        key = self.log.store.get_meta("peer_label_key")
        if key is None:
            key = os.urandom(16)
            with self.log.store.write():
                self.log.store.set_meta("peer_label_key", key)
        return key

    async def halt_network(self, *, forget_peers: bool = False) -> None:
        """Stop the peer loops and close every link; the store stays open (the first half of
        `stop`). The dashboard's panic wipe calls it with `forget_peers`, so nothing arrives while
        it wipes and the peer list it deletes is not saved back when the node stops."""
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(link.close("shutdown", "node stopping") for link, _ in list(self.links.values())),
                             return_exceptions=True)
        if forget_peers:
            self.peerbook = PeerBook(self.rng)
            self._wiped = True

    @property
    def stopping(self) -> bool:
        """The node is shutting down: links end without storing what they still hold."""
        return self._stopping.is_set()

    @property
    def last_stored_n(self) -> int:
        """The newest stored `n` this node has noticed (what a live page already shows)."""
        return self._last_n

    async def stop(self) -> None:
        """Stop cleanly: no new work, links closed, the batch being stored finishes, state saved."""
        await self.halt_network()
        if self.runner is not None:
            await self.runner.cleanup()
        if self.http is not None:
            await self.http.close()
        await asyncio.sleep(0)
        self._db_thread.shutdown(wait=True)  # the running ingest, if any, commits or rolls back whole
        if not self._wiped:  # after a panic wipe nothing is written back (its home may be gone, too)
            self._save_peers()
        self.log.store.close()
        verify_pool.shutdown()
        self._release_lock()  # last: until here `solnet status` says the node runs

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    # --- links ----------------------------------------------------------------------------------
    async def _on_incoming(self, request: web.Request) -> web.StreamResponse:
        inbound = sum(1 for link, _ in self.links.values() if not link.outbound)
        if inbound >= MAX_INBOUND or self._stopping.is_set():
            return web.Response(status=503, text="busy")
        transport = request.transport
        ws, link = await accept(request, self.identity(), self.limits,
                                progress=lambda: self.guard.bytes_received(transport))
        if link is not None:
            self.guard.authenticated(transport)
            await self._serve(link)
        return ws

    async def _serve(self, link: Link) -> None:
        handler = PeerLinkHandler(self, link)
        self.links[link.number] = (link, handler)
        log.info("%s connected (%s)", self.peer_name(link), "outbound" if link.outbound else "inbound")
        rounds = asyncio.create_task(self._rounds(link, handler)) if link.outbound else None
        try:
            await handler.serve()
        finally:
            self.links.pop(link.number, None)
            if rounds:
                rounds.cancel()
            if link.address and self.peerbook.get(link.address) is not None:  # not removed meanwhile
                self.peerbook.disconnected(link.address, now_ms(), None if self._stopping.is_set() else "connection closed")
            log.info("%s disconnected", self.peer_name(link))

    async def _rounds(self, link: Link, handler: PeerLinkHandler) -> None:
        """Anti-entropy with the peer we dialled: at once, then periodically with jitter."""
        while not link.closed:
            if self.storage_trouble():  # the disk is full: wait, rather than stream events to fail again
                await asyncio.sleep(STORAGE_POLL_S)
                continue
            try:
                await handler.run_round()  # as long as it makes progress (the link's watchdog)
            except LinkClosed as exc:
                log.info("%s: anti-entropy round stopped: %s", self.peer_name(link), self.said_of(link, exc))
                await link.close("timeout", "round did not finish")
                return
            await asyncio.sleep(self.sync_interval_s * self.rng.uniform(0.7, 1.3))

    def round_finished(self, link: Link, result: RoundResult) -> None:
        if self._started_ms is not None:  # a running node: it has caught up with this peer's events of its keys
            self._tasks.append(asyncio.create_task(
                self.db(chain_gate.round_completed, self.log.store, now_ms(), self._started_ms)))
        if link.address and self.peerbook.get(link.address) is not None:
            self.peerbook.synced(link.address, now_ms(), received=result.received, sent=result.sent, lag=result.lag)
        if not result.in_sync:
            log.info("%s: synced, received %d, sent %d in %.1f s", self.peer_name(link), result.received, result.sent,
                     result.seconds)

    async def _connector(self) -> None:
        while True:
            now = now_ms()
            for peer in self.peerbook.due(now):
                if peer.address not in self._dialling and not self.peerbook.is_banned(peer.address, now):
                    self._dialling.add(peer.address)
                    self._tasks.append(asyncio.create_task(self._dial(peer.address)))
            self._tasks = [t for t in self._tasks if not t.done()]
            await asyncio.sleep(CONNECT_INTERVAL_S)

    async def dial_link(self, address: str) -> Link:
        """Connect to a peer and authenticate, by the configured route (ProxyFailure if the route
        is the problem: the proxy is down, or a Tor address without a proxy)."""
        check_route(address, self.proxy)
        return await asyncio.wait_for(dial(self.http, address, self.identity(), self.limits),
                                      self.limits.connect_timeout_s * 2)

    async def _dial(self, address: str) -> None:
        try:
            link = await self.dial_link(address)
        except (HandshakeError, ProxyFailure, OSError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            # In words, never with the address (proxy and handshake messages hold none).
            why = str(exc) if isinstance(exc, (HandshakeError, ProxyFailure)) else connection_problem(exc)
            delay = self.peerbook.connect_failed(address, now_ms(), why)
            log.info("cannot reach %s (%s); next try in %.0f s", self.label(address), why, delay / 1000)
            return
        finally:
            self._dialling.discard(address)
        self.peerbook.connected(address, now_ms(), link.peer_device)
        await self._serve(link)

    # --- ingest limits and penalties --------------------------------------------------------------
    async def limit_rate(self, link: Link, events: int) -> None:
        """Hold a peer to its budget of unsolicited (pushed) events per second: waiting here stops
        reading its link (TCP back-pressure). Ranges we asked for in anti-entropy are bounded by
        the heads we compared and by the bytes/s limit, so they are not held to it."""
        bucket = self._buckets.setdefault(link.peer_device, TokenBucket(self.limits.max_events_per_s, self.limits.events_burst))
        amount = min(events, self.limits.events_burst)
        while not bucket.take(amount, now_ms()):
            await asyncio.sleep(bucket.wait_ms(amount, now_ms()) / 1000)

    async def limit_bytes(self, link: Link, size: int) -> None:
        """Hold a peer to its bytes/s budget by pausing reads from it (TCP back-pressure)."""
        bucket = self._byte_buckets.setdefault(link.peer_device, TokenBucket(self.limits.max_bytes_per_s, self.limits.bytes_burst))
        amount = min(size, self.limits.bytes_burst)
        while not bucket.take(amount, now_ms()):
            await asyncio.sleep(bucket.wait_ms(amount, now_ms()) / 1000)

    def penalize(self, link: Link, reason: str | None, count: int = 1) -> bool:
        """Charge a peer for invalid data; True if it is now banned (the caller disconnects)."""
        if not reason:
            return False
        now = now_ms()
        device_address = self._device_address(link.peer_device)
        self.device_book.add(device_address, "config")
        banned = self.device_book.penalize(device_address, reason, now, count)
        if link.address:
            banned = self.peerbook.penalize(link.address, reason, now, count) or banned
        log.warning("%s sent invalid data: %d x %s (penalty now %.0f)", self.peer_name(link), count, reason,
                    self.device_book.get(device_address).current_penalty(now))
        if banned:
            log.warning("%s sent too much invalid data (%s); disconnected and banned for an hour", self.peer_name(link),
                        reason)
        return banned

    # --- storage trouble ------------------------------------------------------------------------
    def storage_failed(self, exc: Exception) -> str:
        """A write failed (disk full, I/O error; SQLite rolled it back whole): a received batch, or a
        publish from the API or the dashboard.
        A running node says so to its operator at most once a minute and holds off anti-entropy
        rounds until space is freed or a while has passed (each round would stream events only to
        fail again). Returns the problem, for `solnet sync`."""
        problem = "the disk is full" if isinstance(exc, StorageFull) else f"the database cannot be written ({exc})"
        now = time.monotonic()
        if self._started_ms is not None and (self._storage_problem is None
                                             or now - self._storage_problem[0] > STORAGE_RETRY_S):
            log.warning("%s: nothing more can be stored until some space is freed (nothing stored is lost; "
                        "events from peers are fetched again)", problem)
        self._storage_problem = (now, problem, self._free_bytes())
        return problem

    def storage_trouble(self) -> str | None:
        """The storage problem that still holds: none once STORAGE_RETRY_S have passed, or once
        someone freed space on the home's file system since it happened."""
        if self._storage_problem is None:
            return None
        at, problem, free_then = self._storage_problem
        freed = free_then is not None and (self._free_bytes() or 0) > free_then + STORAGE_FREED_BYTES
        if freed or time.monotonic() - at >= STORAGE_RETRY_S:
            self._storage_problem = None
            return None
        return problem

    def _free_bytes(self) -> int | None:
        try:
            return shutil.disk_usage(self.home.path).free
        except OSError:
            return None

    # --- gossip ---------------------------------------------------------------------------------
    def _gossip_targets(self) -> dict[str, Link]:
        """Open links to peers that are members right now (a revocation takes effect at once,
        before the link to the revoked peer is even closed)."""
        targets = {}
        for n, (link, _) in self.links.items():
            if link.closed:
                continue
            try:
                self.check_peer(link.peer_device)
            except HandshakeError:
                continue
            targets[str(n)] = link
        return targets

    async def gossip(self, items: list[tuple[bytes, str, bytes]], source: Link | None) -> None:
        """Send new events on: full to a few neighbours (alerts to all), ids to the others."""
        targets = self._gossip_targets()
        pushes: dict[str, list[bytes]] = {}
        urgent: dict[str, list[bytes]] = {}
        announces: dict[str, list[bytes]] = {}
        for event_id, kind, wire in items:
            p = plan(kind, targets, str(source.number) if source else None, self.rng)
            for t in p.push:
                (urgent if is_priority(kind) else pushes).setdefault(t, []).append(wire)
            for t in p.announce:
                announces.setdefault(t, []).append(event_id)
        for t, wires in urgent.items():
            targets[t].offer(Push(tuple(wires)), urgent=True)
        for t, wires in pushes.items():
            targets[t].offer(Push(tuple(wires)))
        for t, ids in announces.items():
            targets[t].offer(IHave(tuple(ids)))

    async def forward(self, accepted: list[tuple[Outcome, bytes]], *, source: Link, gossip: bool,
                      repair: bool = False) -> None:
        """Events a peer gave us travel on: pushed ones by gossip; from anti-entropy, live alerts by
        gossip and, when `repair` (a small round), the others by id to every other neighbour."""
        self._ingested.append((time.monotonic(), len(accepted)))
        items, repaired = [], []
        for outcome, wire in accepted:
            kind = outcome.kind or ""
            if gossip or is_priority(kind):
                items.append((outcome.id, kind, wire))
            elif repair:
                repaired.append(outcome.id)
        if items:
            await self.gossip(items, source)
        if repaired:
            targets = self._gossip_targets()
            for t in repair_plan(targets, str(source.number)).announce:
                targets[t].offer(IHave(tuple(repaired)))

    async def _watcher(self) -> None:
        """Gossip this node's own new events, however they were stored (published by this process
        or by `solnet publish` in another terminal); keep the trust graph and credentials current
        when another process stores membership events. Events of other authors reach us through
        the network and are forwarded by the ingest path, so they are not looked at here."""
        own = (bytes(self.keys.device.public), bytes(self.keys.group.public) if self.keys.group else b"")
        last_own = await self.db(self._last_own_n, own)
        trust_version = None
        announces = await self.db(self._announce_count)
        while True:
            await asyncio.sleep(WATCH_INTERVAL_S)
            last = await self.db(self.log.store.last_n)
            if last <= self._last_n:
                continue
            self._last_n = last
            self._changed.set()
            self._changed = asyncio.Event()
            # Membership first: nothing new may go to a peer revoked in the same instant.
            version = await self.db(self.log.store.get_meta, "trust_version")
            if version != trust_version:
                trust_version = version
                await self.db(self.log.refresh_trust)
                self._credential_events = await self.db(self._credential_chain)
                await self._drop_revoked_links()
            while True:
                rows = await self.db(self._own_events_after, own, last_own)
                if not rows:
                    break
                last_own = rows[-1][0]
                fresh = [(event_id, kind, wire) for _, event_id, kind, wire in rows if self.seen.add(event_id)]
                if fresh:
                    await self.gossip(fresh, None)
            count = await self.db(self._announce_count)
            if count != announces:
                announces = count
                await self._learn_announced_peers()

    def _last_own_n(self, own: tuple[bytes, bytes]) -> int:
        return self.log.store.last_n_of(own)

    def _own_events_after(self, own: tuple[bytes, bytes], n: int) -> list[tuple[int, bytes, str, bytes]]:
        return self.log.store.events_after(own, n, 1000)

    def _announce_count(self) -> int:
        return self.log.store.count_of_kind("node.announce")

    async def _drop_revoked_links(self) -> None:
        for link, _ in list(self.links.values()):
            try:
                self.check_peer(link.peer_device)
            except HandshakeError as exc:
                log.warning("%s is no longer a member (%s); disconnecting", self.peer_name(link), exc.reason)
                await link.close("revoked", "your key is no longer certified in this network")

    async def _learn_announced_peers(self) -> None:
        own = {f"http://{self.listen[0]}:{self.listen[1]}"} if self.listen else set()
        for addresses in await self.db(self._announced_addresses):
            for text in addresses:
                try:
                    address = normalize_address(text)
                except AddressError:
                    continue
                if address not in own and self.peerbook.get(address) is None:
                    self.peerbook.add(address, "announce")
                    await self.db(self._insert_peer, address, "announce")

    def _announced_addresses(self) -> list[list[str]]:
        rows = self.log.store.bodies_of_kind("node.announce", not_by=bytes(self.keys.device.public))
        out = []
        for body in rows:
            try:
                out.append(unpack(body)["addresses"])
            except (InvalidEvent, KeyError, TypeError):
                continue
        return out

    async def wait_for_change(self, since_n: int, timeout: float) -> int:
        """Wait until the log holds events past `since_n` (stored by anyone), or `timeout` seconds;
        returns the newest stored `n`. For live views (the dashboard's event stream).
        An Event, not a Condition: in Python 3.11 a wait_for around Condition.wait that is cancelled
        (a page closed, the node stopping) may never finish, and a stopping node hung on it."""
        if self._last_n <= since_n:
            try:
                await asyncio.wait_for(self._changed.wait(), timeout)
            except asyncio.TimeoutError:
                pass
        return self._last_n

    # --- status ---------------------------------------------------------------------------------
    def events_per_second(self) -> float:
        now = time.monotonic()
        recent = sum(n for t, n in self._ingested if now - t <= 10)
        return recent / 10

    def _insert_peer(self, address: str, source: str) -> None:
        with self.log.store.write():
            self.log.store.save_peer(address, source)

    def _save_peers(self, states: list[tuple[str, str]] | None = None) -> None:
        """Write peer health (for `solnet status`) and this node's runtime facts."""
        now = now_ms()
        store = self.log.store
        if states is None:
            states = self._peer_states(now)
        with store.write():
            for address, state in states:
                store.save_peer_state(address, state)
            store.set_meta("runtime", json.dumps({
                "pid": os.getpid(), "saved": now, "listen": list(self.listen) if self.listen else None,
                "port": self.bound_port, "links": len(self.links), "events_per_s": self.events_per_second(),
                "storage_problem": self.storage_trouble(),
                # for `solnet proxy`: whether a change of the home's setting reaches this node
                "proxy": str(self.proxy) if self.proxy else None, "proxy_fixed": not self.proxy_follows_config,
                # by device key, whichever side dialled: inbound peers have no address in the peer list
                "penalised_devices": [
                    {**{k: v for k, v in p.to_json(now).items() if k not in ("address", "source")},
                     "device": p.address[8:48]}
                    for p in self.device_book.all() if p.current_penalty(now) > 0 or p.is_banned(now)],
            }).encode())

    def peer_views(self, now: int) -> list[dict[str, Any]]:
        """Every known peer's health as this node sees it now, with its log label."""
        return [{**p.to_json(now), "label": self.label(p.address)} for p in self.peerbook.all()]

    def _peer_states(self, now: int) -> list[tuple[str, str]]:
        return [(view["address"], json.dumps(view)) for view in self.peer_views(now)]

    async def _reconcile_peers(self) -> None:
        """Pick up `solnet peers add/rm` made by other processes."""
        rows = {address: source for address, source, _ in await self.db(self.log.store.peer_rows)}
        for address, source in rows.items():
            if self.peerbook.get(address) is None:
                self.peerbook.add(address, source)
        for peer in self.peerbook.all():
            if peer.address not in rows and peer.source == "config" and peer.address not in self._extra_peers:
                self.peerbook.remove(peer.address)
                for link, _ in list(self.links.values()):
                    if link.address == peer.address:
                        await link.close("removed", "peer removed")

    async def _follow_proxy_setting(self) -> None:
        """Pick up `solnet proxy URL|off` made while this node runs: from then on every new peer
        connection takes the new route, and links opened by the old route are closed (they are
        dialled again by the new one), so a node set up for Tor stops talking directly at once."""
        try:
            info = self.home.config_path.stat()
            changed = (info.st_ino, info.st_mtime_ns)  # written whole and renamed into place: a new inode
        except OSError:  # (out of file descriptors, ...) the next tick looks again
            return
        if changed == self._config_seen:
            return
        try:
            text = (await self.db(self.home.config)).proxy
        except HomeError:
            return
        self._config_seen = changed
        try:
            proxy = parse_proxy(text) if text else None
        except ValueError as exc:
            log.warning("this node's proxy setting is not usable (%s); peer connections keep their route", exc)
            return
        if proxy == self.proxy:
            return
        self.proxy = proxy
        self.limits = self._direct_limits if proxy is None else dataclasses.replace(
            self._direct_limits, connect_timeout_s=max(self._direct_limits.connect_timeout_s, PROXY_CONNECT_TIMEOUT_S))
        old, self.http = self.http, client_session(proxy, self.limits.connect_timeout_s)
        outbound = [link for link, _ in list(self.links.values()) if link.outbound]
        await asyncio.gather(*(link.close("route", "the node's route to its peers changed") for link in outbound),
                             return_exceptions=True)
        if old is not None:
            await old.close()
        if proxy is None:
            log.warning("peer connections are direct from now on (`solnet proxy off`)")
        else:
            log.warning("peer connections go through the proxy at %s from now on; never directly", proxy.where)

    async def _saver(self) -> None:
        ticks = 0
        while True:
            await asyncio.sleep(SAVE_INTERVAL_S)
            ticks += 1
            try:
                if ticks % 15 == 0:  # every 30 s: expired alerts and offers vanish from disk, not only from view
                    dropped = await self.db(self.log.purge_expired)
                    if dropped:
                        log.info("dropped the bodies of %d expired events", dropped)
                await self._reconcile_peers()
                if self.proxy_follows_config:
                    await self._follow_proxy_setting()
                await self.db(self._save_peers, self._peer_states(now_ms()))
            except StoreError as exc:  # a full disk: say so, keep running, try again later
                self.storage_failed(exc)

    # --- one-shot sync --------------------------------------------------------------------------
    async def sync_once(self, address: str, progress: Callable[[int, int], None] | None = None) -> RoundResult:
        """Dial `address`, run one anti-entropy round, close. For `solnet sync`.

        Our round ends once we have stored what the peer sent; the peer may still be storing what
        we sent. So when we sent anything, a second round (one round trip when in sync) follows:
        the peer begins it only after storing, so on return the peer holds what we sent.
        No deadline: a slow node takes as long as it needs. RoundCut if the link ends first; its
        `result` counts what was stored (the batches that had arrived are stored before that).
        `progress(received, expected)` is called after each stored batch."""
        address = normalize_address(address)
        link = await self.dial_link(address)
        handler = PeerLinkHandler(self, link)
        handler.progress = progress
        self.links[link.number] = (link, handler)
        reader = asyncio.create_task(handler.serve())
        result: RoundResult | None = None
        try:
            result = await handler.run_round()
            if result.sent:
                result.add(await handler.run_round())
        except RoundCut as cut:
            if result is not None:  # cut in the confirming round: report both rounds
                result.add(cut.result)
                cut.result = result
            raise
        finally:
            await link.drain()
            await link.close()
            try:
                await reader  # ends at once: the link is closed and nothing is left to store
            finally:
                reader.cancel()
                self.links.pop(link.number, None)
        self.peerbook.add(address, self.peerbook.get(address).source if self.peerbook.get(address) else "config")
        self.peerbook.synced(address, now_ms(), received=result.received, sent=result.sent, lag=result.lag)
        await self.db(chain_gate.round_completed, self.log.store, now_ms(), None)
        return result

