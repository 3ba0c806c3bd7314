"""Ed25519 verification of a batch on other cores, pipelined with the caller's own work.

Threads do not pay here: each libsodium call releases the GIL, but getting it back after
every 40-µs verification makes the verifier wait behind the main thread's Python work (we
measured ingest at 0.5-0.66 of the single-core verify rate with threads, depending on
sys.setswitchinterval). So signatures are checked in worker processes (spawned once, lazily,
importing only libsodium and msgpack): chunk k+1 is verified there while the main thread stores
chunk k. With one core, or if a worker dies, verification runs inline: slower, never skipped.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import msgpack

from crypto.errors import BadSignature
from crypto.keys import verify_signature
from events.errors import InvalidEvent
from events.format import SIGN_CONTEXT, Event

log = logging.getLogger(f"solnet.{__name__}")

MIN_PARALLEL = 64  # below this, shipping work to another process costs more than it saves
CHUNK = 100
_pool: ProcessPoolExecutor | None = None


def _die_with_parent(parent: int) -> None:
    """Worker initializer: exit when the node process is gone, even if it was killed with -9
    (which runs no cleanup). A watch thread notices the re-parenting within a second.
    Not PR_SET_PDEATHSIG: its "parent" is the *thread* that spawned the worker (the pool spawns
    from whichever thread submits first, e.g. the node's DB thread), so workers would die with
    that thread and break the pool while the node lives on."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    if os.getppid() != parent:
        os._exit(0)
    threading.Thread(target=watch, daemon=True, name="watch-parent").start()


def verify_packed(blob: bytes) -> bytes:
    """Worker side: msgpack list of [public_key, message, signature] -> one byte per item, 1 if valid."""
    out = bytearray()
    for public_key, message, signature in msgpack.unpackb(blob):
        try:
            verify_signature(public_key, message, signature)
            out.append(1)
        except BadSignature:
            out.append(0)
    return bytes(out)


def _verify_inline(events: list[Event]) -> Iterator[tuple[Event, InvalidEvent | None]]:
    for ev in events:
        try:
            ev.verify()
            yield ev, None
        except InvalidEvent as exc:
            yield ev, exc


def _disabled() -> bool:
    """SOLNET_VERIFY_WORKERS=0 keeps verification in the main process (e.g. on a 1-core Pi Zero)."""
    return os.environ.get("SOLNET_VERIFY_WORKERS") == "0"


def _workers() -> int:
    return max(0, (os.cpu_count() or 1) - 1)


def _get_pool() -> ProcessPoolExecutor | None:
    global _pool
    if _pool is None and _workers() > 0 and not _disabled():
        _pool = ProcessPoolExecutor(max_workers=_workers(), mp_context=multiprocessing.get_context("spawn"),
                                    initializer=_die_with_parent, initargs=(os.getpid(),))
    return _pool


def start() -> None:
    """Spawn the worker processes now (a node does this at start-up, so the first sync batch does not wait)."""
    global _pool
    pool = _get_pool()
    if pool is not None:
        try:
            pool.submit(verify_packed, msgpack.packb([])).result()
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            log.warning("cannot start signature worker processes (%s); verifying in the main process", exc)
            _pool = None


def shutdown() -> None:
    """Stop the worker processes (a node calls this on clean shutdown; exit does it anyway)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


class Verification:
    """Signature checks of a list of events, started at once; `results()` yields them in order."""

    def __init__(self, events: list[Event]) -> None:
        global _pool
        self.events = events
        self._chunks: list[list[Event]] = []
        self._futures: list[Future[bytes]] = []
        pool = _get_pool() if len(events) >= MIN_PARALLEL else None
        if pool is None:
            return
        # A small first chunk: the consumer can start storing sooner.
        bounds = [0, min(len(events), CHUNK // 4)]
        while bounds[-1] < len(events):
            bounds.append(min(len(events), bounds[-1] + CHUNK))
        self._chunks = [events[a:b] for a, b in zip(bounds, bounds[1:])]
        try:
            for chunk in self._chunks:
                self._futures.append(pool.submit(verify_packed, msgpack.packb(
                    [[ev.header.author, SIGN_CONTEXT + ev.header_bytes, ev.signature] for ev in chunk],
                    use_bin_type=True)))
        except (BrokenProcessPool, RuntimeError):
            _pool = None
            self._chunks, self._futures = [], []

    def results(self) -> Iterator[tuple[Event, InvalidEvent | None]]:
        """(event, None if its signature verifies else why not), in the order given."""
        global _pool
        if not self._futures:
            yield from _verify_inline(self.events)
            return
        for index, (chunk, future) in enumerate(zip(self._chunks, self._futures)):
            try:
                flags = future.result()
            except BrokenProcessPool:
                log.warning("signature worker process died; verifying the rest of this batch in the main process")
                _pool = None
                for rest in self._chunks[index:]:
                    yield from _verify_inline(rest)
                return
            for ev, ok in zip(chunk, flags):
                yield ev, None if ok else ev.bad_signature()
