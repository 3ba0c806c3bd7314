"""The virtual clock: a queue of actions due at simulated times, run in order (ties by insertion)."""
from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self._queue: list[tuple[float, int, Callable[..., Any], tuple]] = []
        self._count = 0

    def at(self, when: float, action: Callable[..., Any], *args: Any) -> None:
        """Run `action(*args)` at simulated time `when` (now, if that is past)."""
        heapq.heappush(self._queue, (max(when, self.now), self._count, action, args))
        self._count += 1

    def after(self, delay: float, action: Callable[..., Any], *args: Any) -> None:
        self.at(self.now + delay, action, *args)

    def run_until(self, end: float) -> None:
        """Run every action due up to `end`, then stand at `end`."""
        while self._queue and self._queue[0][0] <= end:
            when, _, action, args = heapq.heappop(self._queue)
            self.now = when
            action(*args)
        self.now = max(self.now, end)
