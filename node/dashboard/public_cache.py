"""The public pages and feeds (`--public-dashboard`), worked out once for every visitor at a time.

Anyone may ask for them, as often as they like, and each answer was worked out anew: the read
models read on the database thread that also stores what peers send, then a page or a feed made
(an iCalendar of 200 actions took 77 ms here, several times that on a Pi), so a few visitors
asking in a loop kept the node from storing alerts. Now the data is read once for all visitors
while nothing new is stored and the trust graph stays as it was (for at most MAX_AGE_S: alerts
expire, actions pass), and at most once every MIN_AGE_S however often the log changes; visitors
asking meanwhile wait for the same read. Each answer (a page in a language, a feed, a region's
calendar) is kept with the data it was made from, the most recently asked MAX_ANSWERS of them.
"""
from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

MIN_AGE_S = 2.0    # the data is read again at most this often
MAX_AGE_S = 30.0   # ... and at least this often, even if nothing new was stored
MAX_ANSWERS = 64   # pages and feeds kept (region calendars: any region name may be asked for)

T = TypeVar("T")


class PublicCache(Generic[T]):
    def __init__(self, read: Callable[[], Awaitable[T]], version: Callable[[], Hashable],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._read = read  # the data of the public pages (on the database thread)
        # What the log is at (the newest row stored, the trust graph's version): the data is read
        # again once it changes. Not the row alone: a fork found takes a thief's public alert out
        # of the log and stores no row, and the alert stayed on the page as live for MAX_AGE_S.
        self._version = version
        self._clock = clock
        self._data: tuple[Hashable, float, T] | None = None  # (version, when read, data)
        self._reading: asyncio.Future[T] | None = None
        self._answers: OrderedDict[Hashable, tuple[T, Any]] = OrderedDict()
        self._making: dict[Hashable, tuple[T, asyncio.Future[Any]]] = {}  # answers being made, and from what

    async def data(self) -> T:
        """The data of the public pages: as read a moment ago, or read now (once, for everyone asking)."""
        now, version = self._clock(), self._version()
        if self._data is not None:
            read_at_version, at, data = self._data
            age = now - at
            if age < MIN_AGE_S or (read_at_version == version and age < MAX_AGE_S):
                return data
        if self._reading is None:
            self._reading = asyncio.ensure_future(self._read_now(version, now))
        # Shielded: a visitor who leaves does not cancel the read the others wait for.
        return await asyncio.shield(self._reading)

    async def _read_now(self, version: Hashable, now: float) -> T:
        try:
            data = await self._read()
            self._data = (version, now, data)
            return data
        finally:
            self._reading = None

    async def answer(self, key: Hashable, make: Callable[[T], Awaitable[Any]]) -> Any:
        """The answer `key` (a page, a feed) made by `make` from the current data, made once per data:
        visitors asking while it is being made wait for that making. (Each made it again until
        2026-12-07: 24 visitors asking for the calendar at once had it made 24 times, 77 ms each
        here for 200 actions, again at each reading of the data.)"""
        data = await self.data()
        kept = self._answers.get(key)
        if kept is not None and kept[0] is data:
            self._answers.move_to_end(key)
            return kept[1]
        making = self._making.get(key)
        if making is None or making[0] is not data:
            making = self._making[key] = (data, asyncio.ensure_future(make(data)))
            making[1].add_done_callback(lambda done, key=key, making=making: self._made(key, making))
        # Shielded: a visitor who leaves does not cancel the making the others wait for.
        return await asyncio.shield(making[1])

    def _made(self, key: Hashable, making: tuple[T, asyncio.Future[Any]]) -> None:
        """A making of `key` ended: its answer is kept (the most recently asked MAX_ANSWERS)."""
        if self._making.get(key) is making:
            del self._making[key]
        data, done = making
        if done.cancelled() or done.exception() is not None:  # (told to those who waited for it)
            return
        self._answers[key] = (data, done.result())
        self._answers.move_to_end(key)
        while len(self._answers) > MAX_ANSWERS:
            self._answers.popitem(last=False)
