"""Waiting on something that is getting there: bounded by how long it goes without progress, not
by a fixed number of seconds. On a loaded machine (30 runnable processes on 2 cores) a node's start
takes ten times as long as on a quiet one while it never stops advancing; a node that hangs stops
advancing at once, whatever the load. Used by localnet (a node's start), the demo and the tests.
And a clock for waits on something the nodes do in their own time (`RunClock`, `wait_run_time`):
it leaves out the time they waited for a CPU."""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Hashable
from pathlib import Path

STALL_S = 30.0
"""How long a thing waited on may go without any sign of progress before it is judged stuck: a
runnable process on a machine at load 30 gets some CPU many times a second."""
LAST_RESORT_S = 600.0
"""The wall-clock bound that remains: only a thing that keeps advancing without ever arriving
meets it (a loop that burns CPU; a node's start is also bounded by its CPU, see localnet)."""

_TICK_S = 1 / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user and system, every thread) of process `pid` and of the processes it
    started that still run (a node's workers), or None if `pid` is gone."""
    own = own_cpu_seconds(pid)
    if own is None:
        return None
    return own + sum(cpu_seconds(child) or 0.0 for child in _children(pid))


def own_cpu_seconds(pid: int, thread: int | None = None) -> float | None:
    """The CPU time (user and system, every thread) of process `pid` alone, or of its thread
    `thread` only (its main thread: `pid`); None if it is gone."""
    stat = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    try:
        fields = Path(stat).read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) * _TICK_S  # utime, stime


def family(pid: int) -> list[int]:
    """`pid` and the processes below it that still run (a node and its workers)."""
    return [pid, *(p for child in _children(pid) for p in family(child))]


def _children(pid: int) -> list[int]:
    """Its direct children, from each thread's list (Linux; none where it is not kept)."""
    found: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                found += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
            except OSError:
                continue
    except OSError:
        return []
    return found


def file_size(path: Path | None) -> int:
    """Bytes in `path` (a log that grows as its writer goes on), 0 if there is none yet."""
    try:
        return path.stat().st_size if path is not None else 0
    except OSError:
        return 0


def wait_progressing(done: Callable[[], bool], progress: Callable[[], Hashable], *, stall_s: float = STALL_S,
                     last_resort_s: float = LAST_RESORT_S, interval: float = 0.1,
                     sleep: Callable[[float], None] = time.sleep) -> str | None:
    """Poll `done` until true: None then. `progress()` tells how far the thing waited on has come
    (any value that changes as it advances: a count of rows, a process's CPU time, a log's size);
    the wait gives up when it has not changed for `stall_s` seconds, or after `last_resort_s`
    seconds in all, and says which, in a sentence for the failure message. `sleep` waits between
    polls (the demo's also heeds Ctrl-C)."""
    started = last_change = time.monotonic()
    seen = progress()
    while True:
        if done():
            return None
        now = time.monotonic()
        now_at = progress()
        if now_at != seen:
            seen, last_change = now_at, now
        if now - last_change > stall_s:
            return None if done() else f"no progress in {stall_s:.0f} s (still at {seen!r})"
        if now - started > last_resort_s:
            return None if done() else f"not done after {last_resort_s:.0f} s, though still progressing"
        sleep(interval)


def _waits_to_run(pid: int) -> dict[int, float]:
    """For each thread of process `pid`: the seconds it has spent runnable, waiting for a CPU
    (/proc's schedstat, Linux); empty if the process is gone or the kernel keeps no such count."""
    waits: dict[int, float] = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return waits
    for tid in tids:
        try:
            waits[int(tid)] = int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            continue
    return waits


def ours() -> list[int]:
    """This process and those below it (a test's nodes, their workers, the commands it runs)."""
    return family(os.getpid())


class RunClock:
    """Seconds as the processes `pids()` had them: the time since it was made, less the time in
    which one of their threads could run but waited for a CPU. On a quiet machine it keeps the wall
    clock; on a loaded one a second in which a node waited 14/15 of its turn counts 1/15, while an
    idle node (asleep on a timer, on a socket, or hung on a lock) is not waiting to run and its
    seconds count in full. So a bound on it fails a node that does nothing as soon as it would on a
    quiet machine, but not a node that the machine's other work keeps from running."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self._pids = pids
        self._at = time.monotonic()
        self._waits = self._read()
        self.seconds = 0.0

    def _read(self) -> dict[tuple[int, int], float]:
        return {(pid, tid): s for pid in self._pids() for tid, s in _waits_to_run(pid).items()}

    def now(self) -> float:
        """The seconds counted so far (read when called)."""
        at, waits = time.monotonic(), self._read()
        passed = at - self._at
        # the thread kept waiting longest in this interval stands for all: a node waiting to run
        # is held up wherever in it the waiting thread is (a thread new since the last reading
        # waited within the interval)
        waited = max((s - self._waits.get(key, 0.0) for key, s in waits.items()), default=0.0)
        self.seconds += passed - min(passed, max(0.0, waited))
        self._at, self._waits = at, waits
        return self.seconds


def wait_run_time(done: Callable[[], bool], seconds: float, pids: Callable[[], list[int]] = ours, *,
                  interval: float = 0.1, last_resort_s: float = LAST_RESORT_S) -> str | None:
    """Poll `done` until true: None then. Else, once `seconds` of the processes' `RunClock` (or
    `last_resort_s` of the wall clock) have passed, a sentence for the failure message."""
    clock, started = RunClock(pids), time.monotonic()
    while not done():
        waited = time.monotonic() - started
        if clock.now() > seconds:
            return None if done() else (f"not done in {seconds:g} s of the processes' time "
                                        f"({waited:.0f} s of wall clock)")
        if waited > last_resort_s:
            return None if done() else (f"not done after {last_resort_s:.0f} s of wall clock, "
                                        "the processes kept from running")
        time.sleep(interval)
    return None
