"""The running node's watch of its group key signing elsewhere (node/group_key_marks.py), said in its log.

At the node's start, and after each batch a link stored (an event released from the pending queue
moves the key's head too), the group key's events above this home's mark are read from the store, a
page per call on the database thread, each event once; one run at a time (a batch while one runs
asks for one more run). The log names only the devices and groups found anew, at most NAMED_AT_MOST
a line with a count of the rest: a thief's 2,000 vouches once made 2,000 lines each naming every
device found so far (327 MB of log), and a linear search through them blocked the event loop.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from node import group_key_marks
from node.key_elsewhere import NAMED_AT_MOST, GroupKeyAbove
from node.store import StoreError
from node.words import group_key_elsewhere

log = logging.getLogger(f"solnet.{__name__}")


class GroupKeyWatch:
    def __init__(self, db: Callable[..., Awaitable[Any]], store: Any, db_path: Path, network: bytes, group: bytes,
                 started_ms: int) -> None:
        self._on_db_thread, self._store, self._path, self._network = db, store, db_path, network
        self.found = GroupKeyAbove(group, started_ms)
        self.running: asyncio.Task | None = None
        self._again = False
        self._said = False  # the reading said once, even with no device or group named

    def signed(self) -> int:
        """The newest seq this home signed with the group key (0: none said)."""
        return group_key_marks.mark(self._path, self._network, self.found.group) or 0

    def facts(self, restored: bool) -> dict[str, Any] | None:
        """What the status says (node/group_key_marks.py `facts`)."""
        return group_key_marks.facts(self.found, self.signed(), restored)

    def moved(self) -> None:
        """A batch was stored: read what it may have put above the mark (one run at a time)."""
        if self.running is not None and not self.running.done():
            self._again = True
            return
        self.running = asyncio.get_running_loop().create_task(self.judge(), name="group key watch")

    async def judge(self) -> None:
        """Read the group key's events above the mark not read yet; say the devices and groups found anew."""
        while True:
            self._again = False
            more = True
            while more:
                try:
                    new, more = await self._on_db_thread(self._page)
                except StoreError:  # unreadable now: the next batch reads it again
                    return
                if new or not self._said:
                    self._say(new)
            if not self._again:
                return

    def _page(self) -> tuple[list[tuple[str, bytes]], bool]:
        # (on the database thread, as every signing of this node: no event is signed between these reads)
        head = self._store.head(self.found.group)[0]
        if head <= self.found.judged:
            return [], False
        gaps = group_key_marks.not_signed(self._path, self._network, self.found.group, head)
        return group_key_marks.read_page(self._store, self.found, gaps)

    def _say(self, new: list[tuple[str, bytes]]) -> None:
        found = self.found
        seen = found.newest_now or found.first
        if seen is None:
            return
        first, self._said = not self._said, True
        devices = [k.hex() for role, k in new if role == "device"]
        groups = [k.hex() for role, k in new if role == "group"]
        log.warning("%s", group_key_elsewhere(*seen, found.group.hex(), devices[:NAMED_AT_MOST], groups[:NAMED_AT_MOST],
                                              len(devices), len(groups), dict(found.other) if first else None))

    async def close(self) -> None:
        if self.running is not None:
            self.running.cancel()
            await asyncio.gather(self.running, return_exceptions=True)
