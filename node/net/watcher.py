"""Noticing what was stored by anyone: this process or another one on the same home.

`solnet publish` in another terminal writes into the home while the node runs, and nothing tells
the node but the store itself: the watcher looks every WATCH_INTERVAL_S (at once when poked, after
this process stored something) and then, in this order,
  - keeps the trust graph and this node's credentials current when membership changed, and
    closes links to peers that are no longer members (nothing new may reach a peer revoked in
    the same instant); if this node's own keys no longer count (revoked, or forked: a copy in
    other hands), it says so in the log, once per change, with what to do;
  - gossips this node's own new events (those this process published went out already: the
    router has seen them);
  - gossips the events another process stored (`solnet import` of a bundle brought on a USB
    stick: a raid alert from a group cut off), as those a peer pushed are: their alerts first,
    then the rest in stored order, at most FOREIGN_BATCH of each per look. What this process
    stored itself (from peers, by their links, which send it on as they should) is told apart by
    the row numbers its own transactions gave (Store.stored_elsewhere). Imported events waited
    for the next anti-entropy round, 20-35 s a hop;
  - learns the peer addresses of new node.announce events.
Each time it notices anything new it first wakes the live views waiting on `ChangeFeed`.
Events of other authors that reach the node through its links are forwarded by them.
A database that fails a turn (a changed byte, a full disk) is said as any request's failure is,
and the turn is taken again, from where it stopped, every FAILED_PAUSE_S.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from crypto.keystore import NodeKeys
from node.log import EventLog
from node.net.credentials import Credentials
from node.net.database import DbThread
from node.net.gossip_router import GossipRouter
from node.status import revoked_list
from node.status_text import own_key_warnings, revoked_by_our_devices
from node.store import StoreError
from sync.gossip import PRIORITY_KINDS

log = logging.getLogger(f"solnet.{__name__}")

WATCH_INTERVAL_S = 0.1
OWN_BATCH = 1000
FOREIGN_BATCH = 1000  # events stored by another process gossiped per look (then the next look goes on)
FAILED_PAUSE_S = 2.0  # between turns while the database fails: each would fail again at once


class ChangeFeed:
    """The newest stored `n` this node has noticed, and waiting for it to grow. One Event per
    growth, set and replaced: every waiter wakes once, and a waiter that is cancelled (a page
    closed, the node stopping) leaves nothing behind, as a Condition's lock could."""

    def __init__(self) -> None:
        self.last_n = 0
        self._grew = asyncio.Event()

    def notify(self, n: int) -> None:
        if n > self.last_n:
            self.last_n = n
            self._grew.set()
            self._grew = asyncio.Event()

    async def wait(self, since_n: int, timeout: float) -> int:
        """Wait until the log holds events past `since_n` (stored by anyone), or `timeout` seconds;
        the newest stored `n`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.last_n <= since_n:
            left = deadline - loop.time()
            if left <= 0:
                break
            try:  # asyncio.timeout, as in Watcher.run: a cancellation is never dropped
                async with asyncio.timeout(left):
                    await self._grew.wait()
            except TimeoutError:
                break
        return self.last_n


class Watcher:
    def __init__(self, db: DbThread, log: Callable[[], EventLog], keys: NodeKeys, *, feed: ChangeFeed,
                 router: GossipRouter, credentials: Credentials, drop_revoked: Callable[[], Awaitable[None]],
                 learn_announced: Callable[[], Awaitable[None]], failed: Callable[[Exception], object]) -> None:
        self._db_thread = db
        self._log = log
        self._own = (bytes(keys.device.public), bytes(keys.group.public) if keys.group else b"")
        self._feed = feed
        self._router = router
        self._credentials = credentials
        self._drop_revoked = drop_revoked
        self._learn_announced = learn_announced
        self._failed = failed  # a read or write failed: said to the operator (StorageHealth)
        self._poked = asyncio.Event()

    def poke(self) -> None:
        """Look now rather than at the next interval (this process just stored something)."""
        self._poked.set()

    async def run(self) -> None:
        last = self._feed.last_n  # set by the node at start: what was stored before went by rounds
        seen = Seen(last, foreign=last, foreign_alerts=last)
        try:
            await self._begin(seen)
        except StoreError as exc:
            self._failed(exc)
        while True:
            try:  # not asyncio.wait_for: on Python 3.11 it drops a cancellation that comes with a poke
                async with asyncio.timeout(WATCH_INTERVAL_S if seen.failures == 0 else FAILED_PAUSE_S):
                    await self._poked.wait()
            except TimeoutError:
                pass
            self._poked.clear()
            # A database that cannot be read or written (a changed byte, a full disk) is said as any
            # request's failure is (node/net/storage_health.py), and the turn is taken again: this
            # task ended at the first one, and nothing stored by others reached peers or live views
            # after it, nor did a revocation close its peer's link.
            try:
                if seen.last_own is None:
                    await self._begin(seen)
                await self._turn(seen)
                seen.failures = 0
            except StoreError as exc:
                seen.failures += 1
                self._failed(exc)

    async def _begin(self, seen: Seen) -> None:
        """What the node holds as the watcher starts: its own newest event, the announcements it
        learned at start, and what its operator must hear of its keys."""
        last_own = await self._db_thread.run(self._last_own_n)  # first, as the node's start left it
        seen.announces = await self._db_thread.run(self._announce_count)
        seen.warned = self._say_own_standing(await self._db_thread.run(self._own_standing), seen.warned)
        seen.last_own = last_own  # (set last: None says the start is still to be read)

    async def _turn(self, seen: Seen) -> None:
        """One look at what is new, and what it asks for. `seen` moves on only past what was done:
        a turn that fails is taken again from there."""
        assert seen.last_own is not None
        # One turn of the database thread per look (a look follows every publish of this process).
        look = await self._db_thread.run(self._look, seen)
        if look is None:
            return
        self._feed.notify(look.last)
        # Membership first: nothing new may go to a peer revoked in the same instant.
        if look.trust_version != seen.trust_version:
            await self._db_thread.run(self._log().refresh_trust)
            await self._credentials.refresh()
            await self._drop_revoked()
            seen.warned = self._say_own_standing(await self._db_thread.run(self._own_standing), seen.warned)
            seen.trust_version = look.trust_version
        rows = look.own
        while rows:
            seen.last_own = rows[-1][0]
            self._router.own([(event_id, kind, wire) for _, event_id, kind, wire in rows])
            if len(rows) < OWN_BATCH:
                break
            rows = await self._db_thread.run(self._own_events_after, seen.last_own)
        # Alerts first: a bundle of thousands of events must not hold back the raid alert in it.
        # (`own` sends on those not seen yet: the alerts are among the rest too)
        for rows in (look.foreign_alerts, look.foreign):
            self._router.own([(event_id, kind, wire) for _, event_id, kind, wire in rows])
        seen.foreign_alerts, seen.foreign = look.foreign_alerts_upto, look.foreign_upto
        if look.announces != seen.announces:
            await self._learn_announced()
            seen.announces = look.announces
        seen.noticed = look.last

    @staticmethod
    def _say_own_standing(warnings: list[str], said: list[str]) -> list[str]:
        for warning in warnings:
            if warning not in said:
                log.warning("%s", warning)
        return warnings

    # --- on the database thread ------------------------------------------------------------------
    def _own_standing(self) -> list[str]:
        """What the operator must hear of this node's own keys (node.status_text.own_key_warnings)."""
        device, group = self._own
        event_log = self._log()
        group = group or (event_log.trust.group_of(device) or b"")
        revoked = revoked_list(event_log)
        return own_key_warnings(group.hex(), device.hex(), revoked) + revoked_by_our_devices(group.hex(), revoked)

    def _look(self, seen: Seen) -> Look | None:
        """What is new since `seen.noticed`, or since the trust graph's version (None: nothing), and
        the next of the events stored by another process not gossiped yet. A fork found changes the
        graph without a new row (it takes the forked key's events out): the link of the device it
        froze must still be dropped at once."""
        assert seen.last_own is not None
        store = self._log().store
        last, version = store.last_n(), store.get_meta("trust_version")
        if last <= seen.noticed and version == seen.trust_version and min(seen.foreign, seen.foreign_alerts) >= last:
            return None
        alerts = store.stored_elsewhere(seen.foreign_alerts, last, FOREIGN_BATCH, kinds=sorted(PRIORITY_KINDS))
        others = store.stored_elsewhere(seen.foreign, last, FOREIGN_BATCH)
        alerts_upto = alerts[-1][0] if len(alerts) == FOREIGN_BATCH else max(last, seen.foreign_alerts)
        others_upto = others[-1][0] if len(others) == FOREIGN_BATCH else max(last, seen.foreign)
        store.forget_written(min(alerts_upto, others_upto))
        return Look(max(last, seen.noticed), version, self._own_events_after(seen.last_own), self._announce_count(),
                    alerts, alerts_upto, others, others_upto)

    def _last_own_n(self) -> int:
        return self._log().store.last_n_of(self._own)

    def _own_events_after(self, n: int) -> list[tuple[int, bytes, str, bytes]]:
        return self._log().store.events_after(self._own, n, OWN_BATCH)

    def _announce_count(self) -> int:
        return self._log().store.count_of_kind("node.announce")


@dataclass
class Seen:
    """How far the watcher got: the newest `n` it looked past, this node's newest event it
    gossiped (None: not read yet), the trust graph's version and the count of node.announce it
    acted on, the warnings about its keys it said, and how many turns in a row failed."""

    noticed: int
    last_own: int | None = None
    trust_version: bytes | None = None
    announces: int | None = None
    warned: list[str] = field(default_factory=list)
    failures: int = 0
    foreign: int = 0  # the events another process stored are gossiped up to this row
    foreign_alerts: int = 0  # and their alerts up to this one


@dataclass(frozen=True)
class Look:
    """What the watcher found new in one look: the newest `n`, the trust graph's version, this
    node's own events after the last it gossiped (at most OWN_BATCH), how many node.announce, and
    the alerts and the events another process stored not gossiped yet (at most FOREIGN_BATCH of
    each), with the row up to which each of those is then gossiped."""

    last: int
    trust_version: bytes | None
    own: list[tuple[int, bytes, str, bytes]]
    announces: int
    foreign_alerts: list[tuple[int, bytes, str, bytes]] = field(default_factory=list)
    foreign_alerts_upto: int = 0
    foreign: list[tuple[int, bytes, str, bytes]] = field(default_factory=list)
    foreign_upto: int = 0
