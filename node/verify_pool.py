"""Ed25519 verification of a batch on all cores.

libsodium calls through cffi release the GIL, so plain threads verify in parallel; on a 2-core
machine this lets the store's own work overlap with signature checks.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from events.errors import InvalidEvent
from events.format import Event

_MIN_PARALLEL = 64  # below this the thread hand-off costs more than it saves
_pool: ThreadPoolExecutor | None = None


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _verify_chunk(events: list[Event]) -> list[InvalidEvent | None]:
    out: list[InvalidEvent | None] = []
    for ev in events:
        try:
            ev.verify()
            out.append(None)
        except InvalidEvent as exc:
            out.append(exc)
    return out


def verify_all(events: list[Event]) -> list[InvalidEvent | None]:
    """For each event: None if its signature verifies, else the InvalidEvent that says why not."""
    global _pool
    workers = _workers()
    if len(events) < _MIN_PARALLEL or workers == 1:
        return _verify_chunk(events)
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="verify")
    size = -(-len(events) // workers)
    chunks = [events[i : i + size] for i in range(0, len(events), size)]
    return [r for part in _pool.map(_verify_chunk, chunks) for r in part]
