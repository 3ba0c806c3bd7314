"""Waiting on something that is getting there: bounded by how long it goes without progress, not
by a fixed number of seconds. On a loaded machine (30 runnable processes on 2 cores) a node's start
takes ten times as long as on a quiet one while it never stops advancing; a node that hangs stops
advancing at once, whatever the load. Used by localnet (a node's start), the demo and the tests.
And a clock for waits on something the nodes do in their own time (`RunClock`, `wait_run_time`):
it leaves out the time they waited for a CPU that others' processes held."""
from __future__ import annotations

import os
import select
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

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
    ticks = _cpu_ticks(f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat", 2)
    return None if ticks is None else ticks * _TICK_S


def _cpu_ticks(stat: str, count: int) -> int | None:
    """The first `count` CPU times in a /proc stat file (utime, stime, cutime: its reaped children's
    user time, cstime), in clock ticks; None if the process is gone."""
    try:
        fields = Path(stat).read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return sum(int(tick) for tick in fields[11:11 + count])


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


def _cpu_with_reaped(pid: int) -> float:
    """The CPU time of process `pid` and of its children it has reaped (a command a test ran and
    waited for, a worker a node replaced): 0 if it is gone."""
    return (_cpu_ticks(f"/proc/{pid}/stat", 4) or 0) * _TICK_S


def ours() -> list[int]:
    """This process and those below it (a test's nodes, their workers, the commands it runs)."""
    return family(os.getpid())


_gone_lock = threading.Lock()
_gone_waits = [0.0]  # the seconds the commands `run_counted` ran waited for a CPU, in all


def run_counted(cmd: Sequence[str], *, timeout: float, **options: Any) -> subprocess.CompletedProcess[str]:
    """subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **options), counting the
    time the command waited for a CPU where RunClock finds it: read as it exits, before it is reaped
    (once gone, a process's waits are nowhere, and a wait whose polls ran commands counted their
    seconds in full however long the commands had waited to run)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        with subprocess.Popen(cmd, stdout=out, stderr=err, **options) as proc:
            exited = False
            try:
                exited = _exits_within(proc.pid, timeout)
                if exited:
                    waited = _waits_to_run(proc.pid)  # (a zombie: its main thread's, the others are gone)
                    with _gone_lock:
                        _gone_waits[0] += sum(waited.values())
            finally:
                if not exited:  # (its time is up, or this process was interrupted)
                    proc.kill()
            returncode = proc.wait()
        said = [_text(out), _text(err)]
    if not exited:
        raise subprocess.TimeoutExpired(cmd, timeout, output=said[0], stderr=said[1])
    return subprocess.CompletedProcess(cmd, returncode, said[0], said[1])


def _exits_within(pid: int, timeout: float) -> bool:
    """Whether child `pid` exits within `timeout` seconds; it is left unreaped. Told by Linux's
    pidfd where the kernel gives one (5.3 and later, and not refused by a container's seccomp
    filter), else by asking waitid without reaping, in polls as Popen.wait(timeout) makes them."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return _polled_exit(pid, timeout)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(max(0, int(timeout * 1000))))
    finally:
        os.close(fd)


def _polled_exit(pid: int, timeout: float) -> bool:
    """`_exits_within` without a pidfd: waitid(WNOWAIT) leaves the child unreaped."""
    deadline, delay = time.monotonic() + timeout, 0.0005
    while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(delay, left))  # (a poll bounded by `timeout`, as Popen.wait's)
        delay = min(2 * delay, 0.05)
    return True


def _text(file: Any) -> str:
    """What text=True makes of a command's output in `file`: decoded, its line ends as newlines."""
    file.seek(0)
    return file.read().decode(errors="replace").replace("\r\n", "\n").replace("\r", "\n")


class RunClock:
    """Seconds as the processes `pids()` had them: the time since it was made, less the time in
    which one of their threads could run but waited for a CPU that others' processes held. On a
    quiet machine it keeps the wall clock; on a loaded one a second in which a node waited 14/15 of
    its turn counts 1/15, while an idle node (asleep on a timer, on a socket, or hung on a lock) is
    not waiting to run and its seconds count in full. So a bound on it fails a node that does
    nothing as soon as it would on a quiet machine, but not a node that the machine's other work
    keeps from running.

    Two things keep it following the processes' progress. Their own work crowding the CPUs is
    progress: a second counts at least the share of this machine's CPUs they used in it (else
    three busy processes a CPU counted a third of each second, and a failure waited for pytest's
    timeout). And the commands `run_counted` ran (a wait's polls) count their waits to run too:
    gone by the next reading, they had counted in full."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self._pids = pids
        self._cpus = len(os.sched_getaffinity(0))
        self._at = time.monotonic()
        self._waits, self._cpu, self._gone = self._read()
        self.seconds = 0.0

    def _read(self) -> tuple[dict[tuple[int, int], float], float, float]:
        pids = self._pids()
        waits = {(pid, tid): s for pid in pids for tid, s in _waits_to_run(pid).items()}
        return waits, sum(map(_cpu_with_reaped, pids)), _gone_waits[0]

    def now(self) -> float:
        """The seconds counted so far (read when called)."""
        at, (waits, cpu, gone) = time.monotonic(), self._read()
        passed = at - self._at
        # the thread kept waiting longest in this interval stands for all: a node waiting to run
        # is held up wherever in it the waiting thread is (a thread new since the last reading
        # waited within the interval); the commands run in it ran one after another
        waited = max([gone - self._gone, *(s - self._waits.get(key, 0.0) for key, s in waits.items())])
        used = max(0.0, cpu - self._cpu) / self._cpus  # (less, where a process left was not reaped by one of them)
        self.seconds += max(passed - min(passed, waited), min(passed, used))
        self._at, self._waits, self._cpu, self._gone = at, waits, cpu, gone
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
