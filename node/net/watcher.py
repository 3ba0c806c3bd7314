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
  - learns the peer addresses of new node.announce events.
Each time it notices anything new it first wakes the live views waiting on `ChangeFeed`.
Events of other authors reach the node through its links and are forwarded by them.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from crypto.keystore import NodeKeys
from node.log import EventLog
from node.net.credentials import Credentials
from node.net.database import DbThread
from node.net.gossip_router import GossipRouter
from node.status import revoked_list
from node.status_text import own_key_warnings

log = logging.getLogger(f"solnet.{__name__}")

WATCH_INTERVAL_S = 0.1
OWN_BATCH = 1000


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
                 learn_announced: Callable[[], Awaitable[None]]) -> None:
        self._db_thread = db
        self._log = log
        self._own = (bytes(keys.device.public), bytes(keys.group.public) if keys.group else b"")
        self._feed = feed
        self._router = router
        self._credentials = credentials
        self._drop_revoked = drop_revoked
        self._learn_announced = learn_announced
        self._poked = asyncio.Event()

    def poke(self) -> None:
        """Look now rather than at the next interval (this process just stored something)."""
        self._poked.set()

    async def run(self) -> None:
        noticed = self._feed.last_n  # set by the node at start
        last_own = await self._db_thread.run(self._last_own_n)
        trust_version = None
        announces = await self._db_thread.run(self._announce_count)
        warned = self._say_own_standing(await self._db_thread.run(self._own_standing), [])
        while True:
            try:  # not asyncio.wait_for: on Python 3.11 it drops a cancellation that comes with a poke
                async with asyncio.timeout(WATCH_INTERVAL_S):
                    await self._poked.wait()
            except TimeoutError:
                pass
            self._poked.clear()
            # One turn of the database thread per look (a look follows every publish of this process).
            look = await self._db_thread.run(self._look, noticed, last_own)
            if look is None:
                continue
            noticed = look.last
            self._feed.notify(look.last)
            # Membership first: nothing new may go to a peer revoked in the same instant.
            if look.trust_version != trust_version:
                trust_version = look.trust_version
                await self._db_thread.run(self._log().refresh_trust)
                await self._credentials.refresh()
                await self._drop_revoked()
                warned = self._say_own_standing(await self._db_thread.run(self._own_standing), warned)
            rows = look.own
            while rows:
                last_own = rows[-1][0]
                self._router.own([(event_id, kind, wire) for _, event_id, kind, wire in rows])
                if len(rows) < OWN_BATCH:
                    break
                rows = await self._db_thread.run(self._own_events_after, last_own)
            if look.announces != announces:
                announces = look.announces
                await self._learn_announced()

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
        return own_key_warnings(group.hex(), device.hex(), revoked_list(event_log))

    def _look(self, noticed: int, last_own: int) -> Look | None:
        """What is new since `noticed` (None: nothing)."""
        store = self._log().store
        last = store.last_n()
        if last <= noticed:
            return None
        return Look(last, store.get_meta("trust_version"), self._own_events_after(last_own), self._announce_count())

    def _last_own_n(self) -> int:
        return self._log().store.last_n_of(self._own)

    def _own_events_after(self, n: int) -> list[tuple[int, bytes, str, bytes]]:
        return self._log().store.events_after(self._own, n, OWN_BATCH)

    def _announce_count(self) -> int:
        return self._log().store.count_of_kind("node.announce")


@dataclass(frozen=True)
class Look:
    """What the watcher found new in one look: the newest `n`, the trust graph's version, this
    node's own events after the last it gossiped (at most OWN_BATCH), how many node.announce."""

    last: int
    trust_version: bytes | None
    own: list[tuple[int, bytes, str, bytes]]
    announces: int
