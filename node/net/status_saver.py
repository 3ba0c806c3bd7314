"""What `solnet status` and `solnet dashboard-link` read about a running node: saved as it changes.

Every SAVE_INTERVAL_S the node looks at each peer's health (named by group, with its current lag)
and its own runtime facts (pid, port, links, events/s, the peers that reached it only by dialling
in, storage trouble, penalised devices) and writes them into the store if they changed (or once a
minute: when it was last seen, the counts and times of failed dials, and when each peer last
synced), picks up `solnet peers add/rm/block` made by other processes, and every
EXPIRY_TICKS saves drops the bodies of expired events.
`solnet proxy` in another process is taken up at the same pace. A full disk is said once and
retried at the next save; the node keeps running.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from node.log import EventLog, now_ms
from node.net.database import DbThread
from node.net.peer_directory import PeerDirectory
from node.status import name_peers
from node.net.storage_health import StorageHealth
from node.store import StoreError
from sync.peers import DevicePenalties

log = logging.getLogger(f"solnet.{__name__}")

SAVE_INTERVAL_S = 2.0
# Facts that did not change are written again at most this often: `saved` tells when a node that
# crashed was last seen. An idle node on an SD card writes little (DESIGN section 1: few disk writes).
UNCHANGED_SAVE_MS = 60_000
# What changes with every failed dial (a configured peer that is down is tried every few seconds)
# or with time alone: saved with the rest, but a change in these alone waits for that minute.
TICKING = ("failures", "next_attempt", "last_attempt", "penalty")
# ... and of the node's own facts, the rate of events stored from peers (over the last 10 s): each
# event a peer sends a quiet node raised it and, 10 s later, brought it back to 0: two writes of the
# status (every peer's row and the runtime's) per event. Measured (one event every 12 s), the node
# wrote 61 KiB per event received, 47 KiB without them: at one event a minute ~0.85 MiB an hour more
# on an SD card, near an idle node's whole hour. A running node's `status` and dashboard ask it for
# the live rate; the saved one is at most a minute old. The same for the free space the node needs
# (node/net/storage_health.py needed: 1 MiB and the write-ahead log's size, which moves with every
# write: each round wrote the status again for it).
RUNTIME_TICKING = ("events_per_s", "space_needed")
EXPIRY_TICKS = 15  # every 30 s: expired alerts and offers vanish from disk, not only from view


def _steady(peer: dict[str, Any]) -> dict[str, Any]:
    """What of a peer's health makes a write due when it changes: not what TICKING names, and of
    every peer, whether it ever synced, not when (each of its rounds is a new time: that is written
    with the rest, or within the minute: no write of its own per round on an SD card). A running
    node's `status` asks it for the live time; only a node that died leaves the saved one, a
    minute old at most. Only a peer that dials in was so; each round with a peer this node dials
    wrote the card, 120 times an hour each at the default interval, however idle."""
    out = {k: v for k, v in peer.items() if k not in TICKING}
    if out.get("last_sync"):
        out["last_sync"] = True
    return out


class StatusSaver:
    def __init__(self, db: DbThread, log_: Callable[[], EventLog], *, facts: Callable[[], dict[str, Any]],
                 directory: PeerDirectory, views: Callable[[int], list[dict[str, Any]]],
                 storage: StorageHealth, devices: DevicePenalties,
                 removed: Callable[[list[str]], Awaitable[None]],
                 follow_route: Callable[[], Awaitable[None]] | None = None) -> None:
        self._db_thread = db
        self._log = log_
        self._facts = facts  # listen, port, links, events/s, storage problem, clock: this process's live facts
        self._directory = directory
        self._views = views  # every peer, inbound links too (Node.peer_views)
        self._storage = storage
        self._devices = devices
        self._removed = removed  # close the links to addresses removed by `solnet peers rm`
        self._follow_route = follow_route  # take up a `solnet proxy` made meanwhile
        self._saved: tuple[Any, ...] | None = None  # what the last write held, and when

    def save(self, views: list[dict[str, Any]] | None = None, *, always: bool = False, running: bool = True) -> None:
        """Write peer health and this node's runtime facts, if they changed since the last write or
        UNCHANGED_SAVE_MS passed (`always`: at once). Blocking: on the database thread (or after it
        stopped). Not `running` (`solnet sync`): peer health only; the runtime facts are the running
        node's (its pid, its port: `status`, `dashboard-link`)."""
        now = now_ms()
        log_ = self._log()
        store = log_.store
        peers = name_peers(log_, self._views(now) if views is None else views)
        runtime = {"pid": os.getpid(), **self._facts(), "inbound": [peer for peer in peers if peer["address"] is None],
                   "penalised_devices": self._devices.penalised(now)}
        steady = [_steady(peer) for peer in peers]
        facts = (steady, {**{k: v for k, v in runtime.items() if k not in RUNTIME_TICKING},
                          "inbound": [peer for peer in steady if peer["address"] is None]})
        if not always and self._saved is not None and self._saved[0] == facts \
                and 0 <= now - self._saved[1] < UNCHANGED_SAVE_MS:
            return
        with store.write():
            for peer in peers:
                if peer["address"] is not None:
                    store.save_peer_state(peer["address"], json.dumps(peer))
            if running:
                store.set_meta("runtime", json.dumps({**runtime, "saved": now}).encode())
        self._saved = (facts, now)

    async def save_now(self) -> None:
        """Save at once (e.g. the port, as soon as the node listens); a full disk is said, not raised."""
        try:
            await self._db_thread.run(self.save, self._views(now_ms()))
        except StoreError as exc:
            self._storage.failed(exc)

    async def run(self) -> None:
        ticks = 0
        while True:
            await asyncio.sleep(SAVE_INTERVAL_S)
            ticks += 1
            try:
                if ticks % EXPIRY_TICKS == 0:
                    dropped = await self._db_thread.run(self._log().purge_expired)
                    if dropped:
                        log.info("dropped the bodies of %d expired events", dropped)
                await self._removed(await self._directory.reconcile())
                if self._follow_route is not None:
                    await self._follow_route()
                await self._db_thread.run(self.save, self._views(now_ms()))
            except StoreError as exc:  # a full disk: say so, keep running, try again later
                self._storage.failed(exc)
