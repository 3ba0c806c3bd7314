"""A running node: its parts assembled, started and stopped in order.

`Node` is built from a home and its keys (and the options of `solnet run`); it owns no loop of its
own but starts those of its parts: the connector and the rounds (links.py), the watcher
(watcher.py), the status saver (status_saver.py). It does not serve HTTP: the CLI builds the web
app around it (node/webapp.py, `create_app(node, options)`), and the app's lifecycle starts and
stops it. `solnet sync` uses it without an app (`start(background=False)`, `sync_once`).

To the web it is a `node.ports.WebNode`: the store through `db`, publishing that gossips at once,
live facts, and the live views' change feed.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from aiohttp import web

from crypto.keystore import NodeKeys
from events.format import Event
from node import (audience, chain_gate, cut_off, heard_before, hidden_own, own_marks, own_unsent, publishing, revoked_here,
                  verify_pool)
from node.home import Home
from node.linked_twice import SHOWN_MS
from node.log import MAX_CLOCK_SKEW_MS, EventLog, now_ms
from node.net import admin_requests
from node.net.admin_socket import AdminSocket
from node.net.credentials import Credentials
from node.net.database import DbThread
from node.net.gossip_router import GossipRouter
from node.net.group_commit import GroupCommit, Outcome
from node.net.group_key_watch import GroupKeyWatch
from node.net.link_storage import LogAccess
from node.net.links import Links, dropped_words
from node.net.peer_directory import PeerDirectory
from node.net import peer_views
from node.net.peer_link import RoundResult
from node.net.peer_policy import PeerPolicy
from node.net.route import Route
from node.net.status_saver import StatusSaver
from node.net.storage_health import StorageHealth
from node.net.watcher import ChangeFeed, Watcher
from node.ports import StorageFailed, WipeBegun
from node.store import StorageFull, StoreError
from node.words import local_time, own_stamped_ahead
from sync.handshake import DISK_FULL, NOT_A_MEMBER, OVER_BUDGET, REVOKED, UNAVAILABLE, HandshakeError
from sync.peers import PeerLimits
from sync.proxy import ProxyAddress
from sync.transport import Identity, RefusalLog

log = logging.getLogger(f"solnet.{__name__}")
T = TypeVar("T")
R = TypeVar("R")
WATCHED_KINDS = ("node.announce",)  # own events the watcher acts on (beyond gossip), wherever stored


class Node:
    def __init__(self, home: Home, keys: NodeKeys, *, listen: tuple[str, int] | None = None,
                 peers: list[str] | None = None, limits: PeerLimits | None = None,
                 sync_interval_s: float = 30.0, rng: random.Random | None = None,
                 proxy: ProxyAddress | None = None, proxy_follows_config: bool = False) -> None:
        self.home = home
        self.refused_as_revoked: dict[str, Any] | None = None  # a member peer refused this device as revoked
        self._refusals = RefusalLog()  # incoming connections refused, said at most once a minute per reason
        self.keys = keys
        self.listen = listen
        # `proxy_follows_config`: the proxy came from the home's config (not --proxy or
        # $SOLNET_PROXY), so a `solnet proxy` while the node runs applies at once.
        self.route = Route(proxy, limits or PeerLimits(), follows_config=proxy_follows_config)
        rng = rng or random.Random()
        self._db_thread = DbThread()
        self._log: EventLog | None = None
        self.bound_port: int | None = None
        self._started_ms: int | None = None  # set by start(background=True): a running node
        self._heard_before: int | None = None  # when its home last heard from a peer before that start
        self._start_recorded = False  # chain_gate.node_started written (a full disk may delay it)
        self.group_watch: GroupKeyWatch | None = None  # on the home holding the group key (start)
        self._restored = False  # it started on a home restored from a backup or copied (chain_gate.node_started)
        self._own_ahead: tuple[int, int] | None = None  # this device's tail stamped ahead (store.stamped_after)
        self._own_ahead_held = False  # and a peer holds it: this clock was set back under it
        self._tasks: list[asyncio.Task] = []
        self._wiped = False  # halt_network(forget_peers=True): the dashboard's panic wipe ran
        self._lock_fd: int | None = None  # the home's node lock (Home.lock_node), held while running

        own = f"http://{listen[0]}:{listen[1]}" if listen else None
        device = bytes(keys.device.public)
        self.health = StorageHealth(home.path)
        self.directory = PeerDirectory(self._db_thread, self._opened, rng, extra=peers or [], own_address=own,
                                       own_device=device)
        self.policy = PeerPolicy(self.route.limits, self._opened, lambda: self.directory.book, self.directory.name_of,
                                 blocked=lambda: self.directory.blocks.blocked_keys())
        self.router = GossipRouter(lambda: self.links.open(), self.policy.is_member, rng)
        # What a connecting peer presents and was new here (a new group's chain) goes on at once.
        self.credentials = Credentials(self._db_thread, self._opened, keys, new=self.router.own)
        self.links = Links(route=self.route, rng=rng, sync_interval_s=sync_interval_s,
                           identity=self.identity, directory=self.directory, policy=self.policy,
                           storage=LogAccess(self._db_thread, self._opened, self.health, lambda: self.stopping),
                           gossip=self.router, health=self.health, round_completed=self._round_completed,
                           refused_as_revoked=self._refused_as_revoked, accepted=self._accepted_by,
                           listening=lambda: (self.listen[0], self.bound_port) if self.listen and self.bound_port else None)
        self.feed = ChangeFeed()
        self.commits = GroupCommit(self._db_thread, self._opened, self._committed)
        self.admin_socket = AdminSocket(home.path, partial(admin_requests.serve, self))
        # What ends its logins at its user's word (`solnet end-sessions`): the dashboard's sessions, the API's token
        self.sign_outs: list[Callable[[], int]] = []
        self.watcher = Watcher(self._db_thread, self._opened, keys, feed=self.feed, router=self.router,
                               credentials=self.credentials, drop_revoked=self._drop_revoked,
                               learn_announced=self.directory.learn_announced, failed=self.storage_failed)
        self._hidden_own = hidden_own.Watch(audience.opener_of(self), bytes(keys.device.public))
        self.saver = StatusSaver(self._db_thread, self._opened, facts=self._facts, directory=self.directory,
                                 views=self.peer_views, storage=self.health, devices=self.policy.devices,
                                 removed=self._peers_changed,
                                 follow_route=lambda: self.links.follow_route(home, self._db_thread))

    # --- the store ------------------------------------------------------------------------------
    def _opened(self) -> EventLog:
        if self._log is None:
            raise RuntimeError("the node is not started: its log is not open")
        return self._log

    @property
    def log(self) -> EventLog:
        return self._opened()

    def _open_log(self) -> EventLog:
        """Open the home's log on the database thread, which owns its store from then on (a
        statement from any other thread is refused: node/store/owner.py) until the node stops."""
        opened = self.home.log()
        opened.store.set_owner_thread()
        return opened

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the node's one database thread."""
        return await self._db_thread.run(fn, *args)

    @property
    def limits(self) -> PeerLimits:
        return self.route.limits

    def identity(self) -> Identity:
        """What one connection shows and checks. A device this node does not know whose credentials
        were refused as revoked is refused as revoked, not as no member: a group revoked from seq 1
        takes its devices' vouches out with its chain, and its devices then hear the news
        (node/revoked_here.py) rather than that they are unknown. One whose credentials were left
        unjudged for want of time (node/hello_budget.py `take_allowance`: a group's first contact while
        the budget is spent) is told to try again later, as a hello over the budget is: told it was
        no member, its node showed its people a refusal."""
        presented_revoked = presented_unjudged = False

        async def admit(device: bytes, events: tuple[bytes, ...], cpu_s: float | None) -> float:
            nonlocal presented_revoked, presented_unjudged
            presented_revoked, cpu, presented_unjudged = await self._admit_credentials(device, events, cpu_s)
            return cpu

        def check(device: bytes) -> None:
            try:
                self.policy.check_peer(device)
            except HandshakeError as exc:
                if exc.reason == NOT_A_MEMBER and self.log.trust.member(device) is None:
                    if presented_revoked:
                        raise HandshakeError(REVOKED, "that device's group is revoked", ours=True) from None
                    if presented_unjudged:
                        raise HandshakeError(OVER_BUDGET, "its credentials wait for time to judge them",
                                             ours=True) from None
                raise

        # One log of refusals for every connection: one each (its default) said every refusal, a
        # revoked device dialling every few seconds a line each time (an SD card's wear)
        return Identity(self.log.network_id, self.keys.device, check, self.credentials.ours, admit, self._refusals,
                        unknown=lambda device: self.log.trust.member(device) is None,
                        ping_proof=self.credentials.ping_proof)

    async def _admit_credentials(self, device: bytes, events: tuple[bytes, ...],
                                 cpu_s: float | None = None) -> tuple[bool, float, bool]:
        """Store the credentials the peer of `device` presented (judged for `cpu_s` of the database
        thread at most: None, no bound); whether some were refused as revoked, the CPU time that
        took on the database thread, and whether some were left unjudged for want of time. If the database fails (damaged, a full disk), the peer is told this node cannot
        check it now (not that it is no member), and the operator is told why."""
        try:
            return await self.credentials.admit(device, events, cpu_s)
        except StorageFull as exc:  # the peer is told which, as the operator is
            self.storage_failed(exc)
            raise HandshakeError(DISK_FULL, "this node's disk is full") from exc
        except StoreError as exc:
            self.storage_failed(exc)
            raise HandshakeError(UNAVAILABLE, "this node's database cannot be used now") from exc

    # --- lifecycle ------------------------------------------------------------------------------
    async def start(self, *, background: bool = True) -> None:
        """Open the node; with `background`, also take the home's lock (HomeError if a node runs on
        it already) and run the peer loops (dialling, rounds, watcher, saver). If it fails half-way,
        what it opened is closed again before the error goes up."""
        if background:
            self._lock_fd = await self.db(self.home.lock_node)
        verify_pool.node_started()  # (after a node's stop in this process, none was started)
        try:
            await self._start(background)
        except BaseException:
            await self.route.close()
            self._db_thread.shutdown()
            if self._log is not None:
                self._log.store.clear_owner_thread()
                self._log.store.close()
            self._release_lock()
            raise

    async def _start(self, background: bool) -> None:
        self._log = await self.db(self._open_log)
        await self.db(self._log.store.attach_checkpointer)  # no commit waits for a checkpoint (node/store/checkpointer.py)
        if background:
            # Before this run saves over them: when the home last heard from a peer (its "cut off"
            # counts from then if no peer answers now, not from this start: node/heard_before.py)
            with contextlib.suppress(StoreError):
                self._heard_before = await self.db(heard_before.last_heard, self._log)
            # Restore without forking (node/chain_gate.py): own publishing waits for the first
            # complete round. The start is this node's first write; on a full disk (or a database
            # held by another writer) the node still runs, serves what it holds and fetches the rest
            # once there is room: the start is recorded before it signs anything (record_start in
            # _signed) or by its first complete round, so the gate holds meanwhile.
            self._started_ms = now_ms()
            self.health.running = True
            with contextlib.suppress(StorageFailed):  # said by StorageHealth
                await self.record_start()
        device = bytes(self.keys.device.public)  # before any link: what it held of its own chain
        try:
            own_head: int | None = (await self.db(self._log.store.head, device))[0]
        except StoreError:  # unreadable: only what is signed while it runs is said
            own_head = None
        self.links.watch_own_key(device, self._started_ms or now_ms(), own_head)
        if self.keys.group is not None:  # the group key's events this home did not sign (node/group_key_marks.py)
            self.group_watch = GroupKeyWatch(self.db, self._log.store, self.home.db_path, self._log.network_id,
                                             bytes(self.keys.group.public), self._started_ms or now_ms())
            self.links.group_key_moved = self.group_watch.moved
            await self.group_watch.judge()  # (said at the start: what a restart, a sync or an import left)
        with contextlib.suppress(StoreError):  # unreadable: the next complete round reads it again
            await self._read_own_stamped_ahead()
        if background:
            with contextlib.suppress(StoreError):  # unreadable: the next refusal says it
                self._say_refused_as_revoked(await self.db(self._refusal_news))
        await self.directory.load()
        self.feed.last_n = await self.db(self.log.store.last_n)
        await self.credentials.refresh()
        self.route.open()
        if not background:
            return
        # No signature worker is started here: the first batch big enough to ship starts one, and it
        # ends when idle (node/verify_pool.py), so a node at rest carries none on a Pi.
        self.links.start()
        self._tasks += [asyncio.create_task(self.watcher.run(), name="watcher"),
                        asyncio.create_task(self.saver.run(), name="saver")]
        try:  # this user's commands hand their events to this node (admin_socket.py)
            await self.admin_socket.start()
        except OSError as exc:  # they unlock the keystore themselves instead, as with no node running
            log.warning("the local channel for this user's commands is off (%s): `solnet publish` unlocks the "
                        "keystore itself", exc.strerror or exc)

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    async def serving(self, port: int) -> None:
        """The web app listens on `port`: said in the log, and saved at once (for `solnet
        dashboard-link` and `status`) rather than at the next save."""
        self.bound_port = port
        if self.listen is not None:
            log.info("listening for peers on %s:%d", self.listen[0], port)
        await self.saver.save_now()

    async def halt_network(self, *, forget_peers: bool = False) -> None:
        """Stop the peer loops and close every link; the store stays open (the first half of
        `stop`). The dashboard's panic wipe calls it with `forget_peers`, so nothing arrives while
        it wipes and the peer list it deletes is not saved back when the node stops; and from its first
        moment the node signs nothing more (`_signed`): a publish after the wipe's part on the database
        made the marks of what this home signed anew, naming its keys (node/own_marks.py)."""
        if forget_peers:
            self._wiped = True  # (before anything is awaited: a publish arriving meanwhile is refused)
        await self.admin_socket.close()  # first: a command starting now signs by itself
        await self.links.halt()
        if self.group_watch is not None:
            await self.group_watch.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if forget_peers:
            self.directory.forget()

    @property
    def stopping(self) -> bool:
        """The node is shutting down: links end without storing what they still hold."""
        return self.links.stopping

    async def stop(self) -> None:
        """Stop cleanly: no new work, links closed, the batch being stored finishes, state saved."""
        await self.halt_network()
        await self.route.close()
        await asyncio.sleep(0)
        self._db_thread.shutdown()  # the running ingest, if any, commits or rolls back whole
        if self._log is not None:
            self._log.store.clear_owner_thread()  # (the database thread has ended: the rest is done here)
            # After a panic wipe nothing is written back (its home may be gone, too); `solnet sync`
            # beside a running node leaves the status to that node, which knows more than one round.
            running = self._started_ms is not None
            if not self._wiped and (running or not self.home.node_running()):
                try:
                    self.saver.save(always=True, running=running)  # when this node was last seen
                except StoreError as exc:  # a full disk: the last status is lost, nothing else; stop on
                    self.storage_failed(exc)
            if running and not self._wiped:
                try:  # (a node that never gets here, killed or cut off, leaves its pid: node/chain_gate.py)
                    chain_gate.node_stopped(self._log.store)
                except (StoreError, OSError) as exc:  # then it counts as not stopped cleanly: sync first
                    log.warning("could not record a clean stop (%s): the next publish with no node running "
                                "waits for a sync with a peer", exc)
            self._log.store.close()
        # A batch's prepare may still run on asyncio's executor (LogAccess.prepare, not waited for):
        # from here it starts no worker, and examines its batch in this process, for nobody.
        verify_pool.node_stopped()
        self._release_lock()  # last: until here `solnet status` says the node runs

    # --- links ----------------------------------------------------------------------------------
    async def accept_link(self, request: web.Request, progress: Callable[[], int] | None = None,
                          authenticated: Callable[[], None] | None = None,
                          signed: Callable[[bytes, bool], None] | None = None,
                          replied: Callable[[float], None] | None = None,
                          may_reply: Callable[[], bool] | None = None,
                          allowance: Callable[[], float | None] | None = None) -> web.StreamResponse:
        """An incoming peer connection (the sync websocket), served until the link ends."""
        return await self.links.accept(request, progress, authenticated, signed, replied, may_reply, allowance)

    async def sync_once(self, address: str, progress: Callable[[int, int, int], None] | None = None) -> RoundResult:
        """`solnet sync`: see Links.sync_once."""
        return await self.links.sync_once(address, progress)

    async def record_start(self) -> None:
        """Restore without forking: this node's start is on record (chain_gate.node_started) before it
        signs anything, so that its own publishing waits for its first complete round even if a
        recent `solnet sync` is on record. StorageFailed if it cannot be written yet."""
        if self._start_recorded or self._started_ms is None:
            return
        try:
            restored = await self.db(chain_gate.node_started, self.log.store, self._started_ms)
        except StoreError as exc:
            raise StorageFailed(self.storage_failed(exc)) from exc
        self._start_recorded = True
        self._restored = restored
        try:  # (its events coming back are taken as its own when it signs on, until the next start)
            await self.db(own_marks.going_on, self.log.store, restored)
        except StoreError as exc:
            raise StorageFailed(self.storage_failed(exc)) from exc
        if restored:
            log.warning("%s. Nothing is published before that sync completes. If the home this one was copied from "
                        "still runs, stop one of them: two nodes signing with one key fork it", chain_gate.RESTORED)

    async def _round_completed(self, running: bool, peer: bytes, own_held: int | None = None,
                               caught_up: bool = True) -> None:
        """A complete round with `peer`: this home has caught up with the peer's events of its keys
        (a restored home: once enough distinct peers have, node/chain_gate.py), unless some of this
        device's events it sent were not stored here (`caught_up` false: refused as stamped ahead of
        this clock, say; the round then says nothing of the chain); `own_held`: the peer was found
        holding this device's events up to that seq (node/own_unsent.py)."""
        # (every complete round: a fork of this device found meanwhile sets the record back to none)
        await self.db(own_unsent.note, self.log.store, bytes(self.keys.device.public), own_held or 0)
        if (running and self._started_ms is None) or not caught_up:
            return
        await self.db(self._round_on_record, now_ms(), self._started_ms if running else None, peer)
        await self._read_own_stamped_ahead()
        if running:
            self._start_recorded = True  # the round's record names this node's start too

    def _round_on_record(self, now: int, started: int | None, peer: bytes) -> None:
        """chain_gate.round_completed, a restored home counting only peers whose word it still takes. Blocking."""
        # (asked only while restored, of a few peers: an ordinary round reads no blocks for it; built
        # on the first ask, once per round, not once per peer heard: each build reads the blocks)
        built: list[Callable[[bytes], bool]] = []

        def counts(device: bytes) -> bool:
            if not built:
                built.append(heard_before.word_counts(self.log))
            return built[0](device)
        chain_gate.round_completed(self.log.store, now, started, peer, counts)

    async def _refused_as_revoked(self, peer: bytes, forked_at: int | None = None, group_fork: bool = False) -> None:
        """A member peer refused this device as revoked, or (`forked_at`) as frozen by a fork at that
        seq, its own or (`group_fork`) its group's: kept and said (node/revoked_here.py), as that
        peer's word. A fork past this home's own head is said as the key signing elsewhere."""
        try:
            if self.log.trust.member(peer) is None:
                return  # a stranger's word: neither kept (revoked_here.record) nor answered
            if await self.db(publishing.own_keys_revoked, self.log, self.keys) is not None:
                return  # the revocation is here already: its WARNING says more ("has not reached" would be false)
            kept = await self.db(revoked_here.record, self.log, peer, now_ms(), forked_at,
                                bytes(self.keys.device.public), group_fork, self.keys.group is not None)
            self._say_refused_as_revoked(kept or await self.db(revoked_here.load, self.log.store))
        except StoreError as exc:
            self.storage_failed(exc)

    def _refusal_news(self) -> dict[str, Any] | None:
        """The refusal of this device as revoked kept from before, unless the revocation itself is
        here now: its WARNING says more, and "has not reached this node" would be false. Blocking."""
        if publishing.own_keys_revoked(self.log, self.keys) is not None:
            return None
        return revoked_here.load(self.log.store)

    def _say_refused_as_revoked(self, kept: dict[str, Any] | None) -> None:
        """Keep what a peer's refusal of this device said, and log the WARNING once a run: when it
        is new, or at the start of a node whose home kept it from before (`solnet sync`, an earlier run)."""
        if kept is None:
            return
        said, self.refused_as_revoked = self.refused_as_revoked is not None, kept
        # `solnet sync` (no running node) says it once, as its error: not also as a log line
        if not said and self._started_ms is not None:
            log.warning("%s", revoked_here.warning(kept, self.home.config().group_id, local_time(kept["at"])))

    async def _accepted_by(self, peer: bytes) -> None:
        """A complete round with `peer`: a refusal of this device it made is no longer true."""
        try:
            if await self.db(revoked_here.accepted_by, self.log, peer, bytes(self.keys.device.public)):
                # the other peers' word, if some said it too; None: a later refusal is news again
                self.refused_as_revoked = await self.db(revoked_here.load, self.log.store)
        except StoreError as exc:
            self.storage_failed(exc)

    async def _drop_revoked(self) -> None:
        refusals: dict[bytes, HandshakeError] = {}

        def why_not(device: bytes) -> str | None:
            try:
                self.policy.check_peer(device)
            except HandshakeError as exc:
                refusals[device] = exc
                return exc.args[0]  # in words, for the log (the reason code goes to the peer)
            return None

        await self.links.drop(why_not, lambda device: dropped_words(refusals[device]))
        await self.directory.forget_gone_announcers()  # nor dialled at an address it announced

    async def _peers_changed(self, removed: list[str]) -> None:
        """`solnet peers rm/block` took effect: links dialled to removed addresses end, and so do
        links to blocked devices and groups, whichever side dialled."""
        if removed:
            await self.links.close_addresses(removed)
        blocked = self.directory.blocks.blocked_keys()
        if not blocked:
            return

        def why(device: bytes) -> str | None:
            member = self.log.trust.member(device)
            hit = device in blocked or (member is not None and member.group in blocked)
            return "by this node's user" if hit else None

        await self.links.drop(why, lambda _: ("blocked", "this node no longer accepts links from you"),
                              said="is blocked")

    # --- what the web sees (node.ports.WebNode) -------------------------------------------------
    async def publish(self, kind: str, texts: dict[str, str], **options: Any) -> Event:
        """Publish as `solnet publish` does, and gossip the event at once (not at the watcher's next look)."""
        return await self.sign(lambda log, keys: publishing.publish(log, keys, kind, texts,
                                                                    home_region=self._home_region, **options))

    async def publish_and_read(self, read: Callable[[Event], R], kind: str, texts: dict[str, str],
                               **options: Any) -> tuple[Event, R]:
        """`publish`, then `read(event)` on the database thread as soon as the event is committed, in
        the same turn of that thread (the API's answer: one hand-over per publish, not two). The
        event is stored and gossiped even when `read` raises; what it raised is raised here."""
        event, outcome = await self._signed(
            lambda log, keys: publishing.publish(log, keys, kind, texts, home_region=self._home_region, **options),
            read)
        return event, outcome.get()

    def _home_region(self) -> str | None:
        """This home's region (config.json): a publish there is never refused as a region no one
        follows (node/known_regions.py), though its group's profile may not be in the log yet."""
        return self.home.config().region

    async def sign(self, write: Callable[[EventLog, NodeKeys], Event]) -> Event:
        """Run `write` (it signs and appends one event) on the database thread, in a group commit with
        the publishes that arrive meanwhile (group_commit.py), and gossip the event at once."""
        event, _ = await self._signed(write, None)
        return event

    async def _signed(self, write: Callable[[EventLog, NodeKeys], Event],
                      read: Callable[[Event], R] | None) -> tuple[Event, Outcome[R] | None]:
        self._unless_wiped()
        await self.record_start()

        def sign() -> Event:  # (asked again on the database thread: a wipe may have begun while it queued)
            self._unless_wiped()
            return write(self.log, self.keys)
        try:
            if read is None:
                event, outcome = await self.commits.run(sign), None
            else:
                event, outcome = await self.commits.run_then(sign, read)
        except StoreError as exc:  # a full disk: nothing was stored
            raise StorageFailed(self.storage_failed(exc)) from exc
        self.router.own_events([event])
        if self.links.key_elsewhere is not None and event.author == self.links.key_elsewhere.device:
            self.links.key_elsewhere.signed_here(event.seq)  # (answers what a restore explains: key_elsewhere)
        if event.kind in WATCHED_KINDS:
            self.watcher.poke()  # the peer directory learns this node's own announcement at once
        return event, outcome

    def _unless_wiped(self) -> None:
        """Refuse to sign once the dashboard's panic wipe has begun (StorageFailed: nothing was stored)."""
        if self._wiped:
            raise StorageFailed(WipeBegun.MESSAGE) from WipeBegun()

    def _committed(self, last_n: int, plain: bool) -> None:
        """A group of publishes committed: live views follow at once. Unless it stored this node's
        own events and nothing else (gossiped by `_signed` already), the watcher looks now:
        membership and credentials follow a changed trust graph before anything more goes out."""
        self.feed.notify(last_n)
        if not plain:
            self.watcher.poke()

    def storage_failed(self, exc: Exception) -> str:
        return self.health.failed(exc)

    @property
    def last_stored_n(self) -> int:
        return self.feed.last_n

    @property
    def started_ms(self) -> int | None:
        return self._started_ms

    async def wait_for_change(self, since_n: int, timeout: float) -> int:
        """Wait until the log holds events past `since_n` (stored by anyone), or `timeout` seconds;
        returns the newest stored `n`. For live views (the dashboard's event stream)."""
        return await self.feed.wait(since_n, timeout)

    def events_per_second(self) -> float:
        return self.router.events_per_second()

    def live_facts(self) -> dict[str, Any]:
        return {"links": len(self.links), "events_per_s": self.events_per_second(), "port": self.bound_port,
                "cut_off_since": self.cut_off_since(),
                # a damaged database cannot save the status: what the node met, from this process
                "storage_problem": self.health.trouble(), "database_damaged": self.health.damaged() is not None,
                "storage_full": self.health.full(), "space_needed": self.health.needed(),  # (what to free, in words)
                "clock_behind_ms": self.clock_behind_ms(), "own_events_refused": self.own_events_refused(),
                "own_stamped_ahead": self.own_stamped_ahead(),
                "key_elsewhere": self.key_elsewhere(), "group_key_elsewhere": self.group_key_elsewhere(),
                "linked_twice_told": self.linked_twice_told(),
                "linked_twice_told_by": self.links.told_twice_by if self.linked_twice_told() else None,
                "hidden_own": self._hidden_own.last}  # as the status saver last looked (`_facts`)

    def linked_twice_told(self) -> int | None:
        """When a peer last said it holds two links of this device at once, from two places (a copy
        of this home runs: node/linked_twice.py), within the last hour (None: not), while that
        peer's word counts (revoked since, or its group: a mole's, not said)."""
        told = self.links.told_twice
        return told if told is not None and now_ms() - told < SHOWN_MS and self.links.told_twice_counts() else None

    def key_elsewhere(self) -> dict[str, Any] | None:
        """This device's event that a peer brought and this node did not sign (node/key_elsewhere.py):
        the newest signed while it runs, else the first signed while it was stopped (unless a restore
        explains it and this node has signed after it); when, its seq, when it was made."""
        watch = self.links.key_elsewhere
        seen = watch.to_say(self._restored) if watch is not None else None
        if seen is None:
            return None
        config = self.home.config()  # the ids the warning's commands take
        return {"when": seen.when, "seq": seen.seq, "at": seen.at, "device": config.device_id, "group": config.group_id}

    def group_key_elsewhere(self) -> dict[str, Any] | None:
        """The group key's events this home holds and did not sign (on the home holding that key:
        node/group_key_marks.py), as `key_elsewhere`, with the devices it certified and the groups it
        admitted there."""
        return self.group_watch.facts(self._restored) if self.group_watch is not None else None

    def own_events_refused(self) -> dict[str, int] | None:
        """Peers that do not take this device's events (node/clock.py OwnEventsRefused): how many, from
        which seq. Not said while this device's tail is stamped ahead of this clock: that says why, and
        that this clock is right now (`own_stamped_ahead`)."""
        refused = self.links.own_refused.refused(now_ms())
        return {"peers": refused[0], "from_seq": refused[1]} if refused and not self.own_stamped_ahead() else None

    def own_stamped_ahead(self) -> dict[str, Any] | None:
        """This device's newest events, stamped more than MAX_CLOCK_SKEW_MS after this clock: how many,
        and until when peers hold them (node/stamped_ahead.py), as the last complete round (or the
        start) read them. Signed while this clock ran ahead and set right since, unless a peer is known
        to hold them (`held`; `behind_ms`, by how much): it took them when its clock read about their
        stamps, so this clock is the one behind (a Pi set back by a power cut). Said as "they wait at
        peers, this clock is right now", an alert published on that word was stamped days back. None
        when held and peers' events say this clock is behind too (`clock_behind_ms`: that warning
        says it). Either way an expiry is put off by as much (node/log.py `append`: by this device's
        own stamps, whatever a peer says it holds)."""
        tail = self._own_ahead
        now = now_ms()
        until = tail[1] - MAX_CLOCK_SKEW_MS if tail else None
        if not tail or until is None or until <= now or (self._own_ahead_held and self.clock_behind_ms()):
            return None
        return {"events": tail[0], "until": until, "held": self._own_ahead_held, "behind_ms": tail[1] - now}

    async def _read_own_stamped_ahead(self) -> None:
        before = self.own_stamped_ahead()
        device = bytes(self.keys.device.public)
        limit = now_ms() + MAX_CLOCK_SKEW_MS
        tail = await self.db(self.log.store.stamped_after, device, limit)
        held = bool(tail) and await self.db(own_unsent.holds_head, self.log.store, device)
        if not held and (beyond := await self.db(own_unsent.held_beyond_proof, self.log.store, device, limit)):
            # the tail is gone once this clock stamped an event of its own (the newest, stamped by it):
            # what a peer took stamped further ahead than a successor lets in still says it is behind
            tail, held = beyond, True
        self._own_ahead, self._own_ahead_held = tail, held
        told = self.own_stamped_ahead()
        if told is not None and (before is None or (before["events"], before["until"], before["held"])
                                 != (told["events"], told["until"], told["held"])):
            log.warning("%s", own_stamped_ahead(told["events"], told["until"], held_behind_ms=told["behind_ms"]
                                                if told["held"] else None))

    def clock_behind_ms(self) -> int | None:
        """By how much this machine's clock looks behind its peers' (node/clock.py ClockDoubt)."""
        log_ = self._log
        return log_.clock_doubt.behind_ms(now_ms()) if log_ is not None else None

    def cut_off_since(self) -> int | None:
        """Since when this running node has had no link to any peer, once it counts as cut off
        (node/cut_off.py: the one rule; None: it is not, or it does not run its peer loops)."""
        return cut_off.cut_off_since(now_ms(), len(self.links), self.links.quiet_since, self._started_ms,
                                     self._heard_before)

    def _facts(self) -> dict[str, Any]:
        """What the status saver writes of this process: its live facts, and how it listens and dials."""
        return {**self.live_facts(), "listen": list(self.listen) if self.listen else None,
                # a device of this group sealing what this node cannot read (on the database thread, as
                # the saver asks: node/hidden_own.py)
                "hidden_own": self._hidden_own.look(self.log),
                # for `solnet proxy`: whether a change of the home's setting reaches this node
                "proxy": str(self.route.proxy) if self.route.proxy else None,
                "proxy_fixed": not self.route.follows_config}

    def peer_views(self, now: int) -> list[dict[str, Any]]:
        """Every peer, inbound and outbound links alike, unnamed (node/net/peer_views.py)."""
        views = peer_views.merge(self.directory.views(now), *self.links.views())
        # A write failed (a full disk): rounds are held off, and a push that comes is not stored; a
        # link stays up, and its last sync is the last round that stored everything, which was
        # read as "synced just now" while a raid alert could not be stored. Said on every peer.
        not_stored = self.health.trouble()
        for entry in views:  # a peer that dialled in and is gone: its label, as while its link was open
            if not entry.get("label") and entry.get("device") and not entry.get("address"):
                entry["label"] = self.directory.device_label(bytes.fromhex(entry["device"]))
            entry["not_stored"] = not_stored
        return views
