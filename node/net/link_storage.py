"""The store as a link sees it (node.ports.LinkStorage): every call that reads or writes the store
on the database thread.

A failed write (a full disk, an I/O error), or events to send a peer that are not what their
authors signed (a damaged database), are told to storage health and raised as StorageFailed, with
the problem in words.
"""
from __future__ import annotations

import asyncio
# asyncio's default executor (`prepare` below) imports this when first used: at a node out of file
# descriptors (a flood of connections) the import failed, and with it the link's storing, though
# open links must carry on (tests/integration/test_silent_connections.py). Imported at start.
import concurrent.futures.thread  # noqa: F401
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from events.format import MAX_SEQ
from node.log import EventLog
from node.net.database import DbThread
from node.net.storage_health import StorageHealth
from node.outcome import Outcome
from node.ports import StorageFailed
from node.store import StoreError
from sync.antientropy import Head

T = TypeVar("T")


class LogAccess:
    def __init__(self, db: DbThread, log: Callable[[], EventLog], health: StorageHealth,
                 stopping: Callable[[], bool]) -> None:
        self._db_thread = db
        self._log = log
        self._health = health
        self._stopping = stopping

    @property
    def stopping(self) -> bool:
        return self._stopping()

    def is_group_key(self, author: bytes) -> bool:
        m = self._log().trust.member(author)
        return m is not None and m.role == "group"

    def takes_below(self, author: bytes) -> int | None:
        """The first seq of `author` this node would take no event at (its revocation point, else
        2^63), None if its trust graph does not know it (no certified member)."""
        m = self._log().trust.member(author)
        return None if m is None else MAX_SEQ if m.revoked_from is None else m.revoked_from

    def fork_points(self) -> dict[bytes, int]:
        return self._log().trust.forks

    async def heads(self) -> list[Head]:
        return [Head(a, s, i) for a, s, i in await self._events_for_peer(self._log().store.heads)]

    async def round_heads(self, device: bytes) -> tuple[list[Head], int]:
        """The heads, and the seq up to which a peer is known to hold `device`'s events (node-wide,
        over every peer and link: node/own_unsent.py `held`), in one call on the database thread."""
        from node import own_unsent

        def read() -> tuple[list[Head], int]:
            store = self._log().store
            return [Head(a, s, i) for a, s, i in store.heads()], own_unsent.held(store, device) if device else 0

        # (a damaged head is said as the damage it is: node/store/errors.py check_heads)
        return await self._events_for_peer(read)

    async def range_wire(self, author: bytes, first: int, last: int, limit: int) -> list[tuple[int, bytes]]:
        return await self._events_for_peer(self._log().store.range_wire, author, first, last, limit)

    async def fork_evidence(self, author: bytes) -> list[bytes]:
        return await self._events_for_peer(self._log().store.fork_evidence, author)

    async def wires_by_id(self, ids: list[bytes]) -> list[bytes]:
        return await self._events_for_peer(self._log().store.wires_by_id, ids)

    async def _events_for_peer(self, read: Callable[..., T], *args: Any) -> T:
        """Stored events to send a peer; StorageFailed if they cannot be read as their authors signed
        them (a damaged database: node.store.events): the operator is told, the peer is sent nothing."""
        try:
            return await self._db_thread.run(read, *args)
        except StoreError as exc:
            raise StorageFailed(self._health.failed(exc)) from exc

    async def known(self, ids: list[bytes]) -> Collection[bytes]:
        return await self._db_thread.run(self._log().store.known, ids)

    async def missing_bodies(self, limit: int) -> list[bytes]:
        return await self._db_thread.run(self._log().store.missing_bodies, limit)

    async def prepare(self, wires: list[bytes]) -> Any:
        # Not on the database thread: preparing reads nothing stored (it hands the wires to the
        # ingest workers, starting one if need be), and behind a commit there it started nothing
        # until that commit ended (node/net/link_ingest.py prepares the next batches meanwhile).
        return await asyncio.to_thread(self._log().prepare, wires)

    async def commit(self, group: list[Any]) -> list[list[Outcome]]:
        try:
            return await self._db_thread.run(self._log().commit_group, group)
        except StoreError as exc:
            raise StorageFailed(self._health.failed(exc)) from exc
