"""The clock the tests' waits count in (progress.RunClock): the time a process waited for a CPU it
could have used does not count, the time it did nothing in does. So a wait bounded by it is as
short as ever for a node that hangs or does nothing, and not cut short by a crowded machine."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from node.demo import progress

BUSY = "while True: pass"
WINDOW_S = 1.0  # what the clock is compared with the wall clock over


@contextmanager
def processes(code: str, count: int, cpu: int | None = None) -> Iterator[list[int]]:
    preexec = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
    procs = [subprocess.Popen([sys.executable, "-c", f"print(flush=True)\n{code}"], preexec_fn=preexec,
                              stdout=subprocess.PIPE) for _ in range(count)]
    try:
        for p in procs:  # started: its interpreter's start (which waits to run too) is over
            assert p.stdout is not None and p.stdout.readline() == b"\n"
        yield [p.pid for p in procs]
    finally:
        for p in procs:
            p.kill()
            p.communicate(timeout=10)


def counted(pids: list[int]) -> tuple[float, float]:
    """(the clock's seconds, the wall clock's) over WINDOW_S of wall clock."""
    clock, started = progress.RunClock(lambda: pids), time.monotonic()
    while time.monotonic() - started < WINDOW_S:  # a window measured, not a wait for an event
        time.sleep(0.05)
        clock.now()
    return clock.now(), time.monotonic() - started


def asleep(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "S"


def test_a_process_asleep_has_every_second_counted() -> None:
    with processes("import time; time.sleep(600)", 1) as pids:
        assert progress.wait_progressing(lambda: asleep(pids[0]), lambda: progress.cpu_seconds(pids[0])) is None
        seconds, wall = counted(pids)
    assert abs(seconds - wall) < 0.01, (seconds, wall)  # (nothing waited to run: the wall clock)


def test_processes_that_share_one_cpu_have_only_their_turns_counted() -> None:
    """Three busy processes on one CPU each wait about two thirds of the time to run (more on a
    machine busy besides): at most their turns count."""
    with processes(BUSY, 3, cpu=min(os.sched_getaffinity(0))) as pids:
        seconds, wall = counted(pids)
    assert seconds < 0.5 * wall, (seconds, wall)


def test_a_wait_in_run_time_ends_when_done_and_says_when_not() -> None:
    with processes("import time; time.sleep(600)", 1) as pids:
        assert progress.wait_run_time(lambda: True, 0.0, lambda: pids) is None
        said = progress.wait_run_time(lambda: False, 0.2, lambda: pids, interval=0.01)
    assert said is not None and said.startswith("not done in 0.2 s of the processes' time")
