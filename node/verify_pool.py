"""Ed25519 verification of a batch on other cores, pipelined with the caller's own work.

Threads do not pay here: each libsodium call releases the GIL, but getting it back after every
40-µs verification makes the verifier wait behind the main thread's Python work (ingest ran at
0.5-0.66 of the single-core verify rate with threads). So signatures are checked in worker
processes: plain children (`python -m node.verify_worker`) that import only the crypto binding,
a few MiB each, with no multiprocessing machinery (its resource-tracker process alone took
13 MiB, and its spawned workers re-imported the whole CLI: 29 MiB each).

A batch is cut into chunks queued for the workers, so they verify batch k+1 while the main
thread stores batch k. When the main thread needs a chunk's answer before a worker has it, it
verifies the newest chunk still queued itself instead of waiting ("work stealing"): both cores
verify whenever the store is not the bottleneck, so ingest can beat one core's verify rate. If a
worker dies, its chunk and the rest are verified in the main process: slower, never skipped.

How many workers: one per CPU this process may run on (os.sched_getaffinity) beyond the first,
and a single one with less than 1 GiB of memory (a Pi Zero 2 W has 512 MiB).
SOLNET_VERIFY_WORKERS=N sets the number (0: verify in the main process, e.g. on one core).
"""
from __future__ import annotations

import collections
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from crypto.errors import BadSignature
from crypto.keys import verify_signature
from events.errors import InvalidEvent
from events.format import SIGN_CONTEXT, Event

log = logging.getLogger(__name__)

MIN_PARALLEL = 64  # below this, shipping work to another process costs more than it saves
CHUNK = 100
LOW_MEMORY = 1 << 30  # below this much memory, one worker at most
_ROOT = Path(__file__).resolve().parents[1]


def worker_count() -> int:
    """How many worker processes this machine should run (see the module docstring)."""
    wanted = os.environ.get("SOLNET_VERIFY_WORKERS")
    if wanted is not None and wanted.strip().isdigit():
        return int(wanted)
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    workers = max(0, cpus - 1)
    return min(workers, 1) if _memory_bytes() < LOW_MEMORY else workers


def _memory_bytes() -> int:
    """Physical memory, or the cgroup's limit when that is lower (a container, a systemd MemoryMax)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        total = 1 << 40
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total


class _Job:
    """A chunk of events to verify; `flags` gets one byte per event (None: verify it in the main process)."""

    __slots__ = ("events", "payload", "done", "flags", "taken")

    def __init__(self, events: list[Event]) -> None:
        self.events = events
        self.payload = b"".join(b"".join((ev.header.author, ev.signature, len(ev.header_bytes).to_bytes(2, "big"),
                                          ev.header_bytes)) for ev in events)
        self.done = threading.Event()
        self.flags: bytes | None = None
        self.taken = False


def _verify_here(events: list[Event]) -> bytes:
    out = bytearray()
    for ev in events:
        try:
            verify_signature(ev.header.author, SIGN_CONTEXT + ev.header_bytes, ev.signature)
            out.append(1)
        except BadSignature:
            out.append(0)
    return bytes(out)


class _Worker:
    """One worker process and the thread that feeds it jobs from the pool's queue."""

    def __init__(self, pool: _Pool) -> None:
        self.pool = pool
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen([sys.executable, "-m", "node.verify_worker", SIGN_CONTEXT.hex()],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=str(_ROOT))
        self.alive = True
        self.thread = threading.Thread(target=self._run, name="verify-worker", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (job := self.pool.take()) is not None:
            try:
                self.proc.stdin.write(len(job.payload).to_bytes(4, "big") + job.payload)
                self.proc.stdin.flush()
                head = self.proc.stdout.read(4)
                answer = self.proc.stdout.read(int.from_bytes(head, "big")) if len(head) == 4 else b""
                if len(answer) != len(job.events):
                    raise OSError("the signature worker ended")
                job.flags = answer
            except (OSError, ValueError) as exc:
                self.alive = False
                log.warning("a signature worker process stopped (%s); verifying in the main process", exc)
                job.done.set()
                return
            job.done.set()

    def stop(self, timeout: float) -> None:
        try:
            self.proc.stdin.close()  # the worker ends at end of input
        except OSError:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.thread.join(timeout)


class _Pool:
    def __init__(self, size: int) -> None:
        self.queue: collections.deque[_Job] = collections.deque()
        self.cond = threading.Condition()
        self.closed = False
        self.workers = [_Worker(self) for _ in range(size)]

    def submit(self, job: _Job) -> None:
        with self.cond:
            self.queue.append(job)
            self.cond.notify()

    def take(self) -> _Job | None:
        """Worker side: the oldest queued job (None once the pool is shut down)."""
        with self.cond:
            while not self.queue and not self.closed:
                self.cond.wait()
            if self.closed:
                return None
            job = self.queue.popleft()
            job.taken = True
            return job

    def steal(self) -> _Job | None:
        """Main-thread side: the newest job no worker has started, if any."""
        with self.cond:
            if not self.queue:
                return None
            job = self.queue.pop()
            job.taken = True
            return job

    def alive(self) -> bool:
        return any(w.alive for w in self.workers)

    def shutdown(self, timeout: float = 10.0) -> None:
        with self.cond:
            self.closed = True
            for job in self.queue:  # never started: the main thread verifies them if it still waits
                job.done.set()
            self.queue.clear()
            self.cond.notify_all()
        for worker in self.workers:
            worker.stop(timeout)


_pool: _Pool | None = None
_pool_lock = threading.Lock()


def _get_pool() -> _Pool | None:
    global _pool
    with _pool_lock:
        if _pool is None or not _pool.alive():
            if _pool is not None:
                _pool.shutdown(1.0)
                _pool = None
            size = worker_count()
            if size > 0:
                try:
                    _pool = _Pool(size)
                except OSError as exc:
                    log.warning("cannot start signature worker processes (%s); verifying in the main process", exc)
        return _pool


def start() -> None:
    """Start the worker processes now (a node does this at start-up, so the first sync batch does not wait)."""
    _get_pool()


def shutdown() -> None:
    """Stop the worker processes (a node calls this on clean shutdown; they also end when it dies)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown()
            _pool = None


def worker_pids() -> list[int]:
    """The process ids of the running workers (for tests and resource reports)."""
    pool = _pool
    return [w.proc.pid for w in pool.workers if w.alive and w.proc.poll() is None] if pool else []


def _verify_inline(events: list[Event]) -> Iterator[tuple[Event, InvalidEvent | None]]:
    for ev, ok in zip(events, _verify_here(events)):
        yield ev, None if ok else ev.bad_signature()


class Verification:
    """Signature checks of a list of events, started at once; `results()` yields them in order."""

    def __init__(self, events: list[Event]) -> None:
        self.events = events
        self._jobs: list[_Job] = []
        self._pool = _get_pool() if len(events) >= MIN_PARALLEL else None
        if self._pool is None:
            return
        # A small first chunk: the consumer can start storing sooner.
        bounds = [0, min(len(events), CHUNK // 4)]
        while bounds[-1] < len(events):
            bounds.append(min(len(events), bounds[-1] + CHUNK))
        for a, b in zip(bounds, bounds[1:]):
            job = _Job(events[a:b])
            self._jobs.append(job)
            self._pool.submit(job)

    def results(self) -> Iterator[tuple[Event, InvalidEvent | None]]:
        """(event, None if its signature verifies else why not), in the order given."""
        if not self._jobs:
            yield from _verify_inline(self.events)
            return
        for job in self._jobs:
            while not job.done.is_set():
                stolen = self._pool.steal()
                if stolen is not None:  # verify it here rather than wait for a worker
                    stolen.flags = _verify_here(stolen.events)
                    stolen.done.set()
                else:
                    job.done.wait(0.05)  # a worker has it: wait, looking again now and then
                    if not job.done.is_set() and not self._pool.alive():
                        break
            if job.flags is None:
                yield from _verify_inline(job.events)
            else:
                for ev, ok in zip(job.events, job.flags):
                    yield ev, None if ok else ev.bad_signature()
