"""The node's one database thread: every read and write of the store runs on it, in order.

SQLite connections are not to be shared across threads, and ingest of a batch is one transaction
that a shutdown waits for, so no batch is ever half-written. The event loop keeps the network
moving meanwhile.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class DbThread:
    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the database thread, after the work queued before it."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    def shutdown(self) -> None:
        """Wait for the work queued (the batch being stored commits or rolls back whole), then stop."""
        self._thread.shutdown(wait=True)
