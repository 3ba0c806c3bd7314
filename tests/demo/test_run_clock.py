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


def test_a_process_crowded_out_by_others_has_only_its_turns_counted() -> None:
    """A busy process sharing one CPU with two others' (not among the processes the clock counts)
    waits about two thirds of the time to run (more on a machine busy besides): at most its turns
    count, and what the others ran is not its progress."""
    with processes(BUSY, 3, cpu=min(os.sched_getaffinity(0))) as pids:
        seconds, wall = counted(pids[:1])
    assert seconds < 0.5 * wall, (seconds, wall)


def cpu_of(pids: list[int]) -> float:
    return sum(progress.own_cpu_seconds(pid) or 0.0 for pid in pids)


def test_processes_crowding_each_other_out_count_the_share_of_the_cpus_they_had() -> None:
    """Three busy processes a CPU wait two thirds of the time to run for one another: that is their
    own work going on, not a crowded machine holding them back. Counted as the turns of the one
    kept waiting longest, a wait on them stalled at a third of the wall clock (less on a machine
    busy besides), and a real failure waited for pytest's timeout: each second counts at least the
    share of the CPUs they had (all of it, on a machine with nothing else to run)."""
    cpus = len(os.sched_getaffinity(0))
    with processes(BUSY, 3 * cpus) as pids:
        clock, before, started = progress.RunClock(lambda: pids), cpu_of(pids), time.monotonic()
        # until they have had half a second of every CPU (however long a loaded machine takes)
        while cpu_of(pids) - before < 0.5 * cpus and time.monotonic() - started < progress.LAST_RESORT_S:
            time.sleep(0.05)
            clock.now()
        seconds, share = clock.now(), (cpu_of(pids) - before) / cpus
    slack = 2 * len(pids) / os.sysconf("SC_CLK_TCK") / cpus  # (the CPU times are read in clock ticks)
    assert share >= 0.5 and seconds >= share - slack, (seconds, share)


def test_the_commands_a_wait_runs_count_their_waits_to_run() -> None:
    """A wait's polls run commands (`solnet status`, a query): gone by the clock's next reading,
    their waits for a CPU were nowhere, and a poll of a command that two other processes kept
    from running counted in full. progress.run_counted reads them as the command exits."""
    cpu = min(os.sched_getaffinity(0))
    command = [sys.executable, "-c", f"import os; os.sched_setaffinity(0, {{{cpu}}})\n"
                                     "import time; t = time.thread_time()\n"
                                     "while time.thread_time() - t < 0.3: pass"]
    with processes(BUSY, 2, cpu=cpu):
        clock, started = progress.RunClock(lambda: [os.getpid()]), time.monotonic()
        done = progress.run_counted(command, timeout=120)
        seconds, wall = clock.now(), time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert seconds < 0.75 * wall, (seconds, wall)  # (it ran about a third of its time, its start included)


def test_a_command_run_counted_answers_as_subprocess_run_does() -> None:
    done = progress.run_counted([sys.executable, "-c", "import sys; print('out\\r\\nline'); "
                                                       "print('err', file=sys.stderr); sys.exit(3)"], timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\nline\n", "err\n")
    try:
        progress.run_counted([sys.executable, "-c", "print('begun', flush=True); import time; time.sleep(60)"],
                             timeout=0.5)
    except subprocess.TimeoutExpired as exc:
        assert exc.output in ("", "begun\n")  # (what it said before its time was up, as subprocess.run keeps it)
    else:
        raise AssertionError("a command past its timeout was not stopped")


# A kernel without pidfd_open, made in a process of its own: a seccomp filter answers the call
# ENOSYS, as Linux before 5.3 does (a container's filter that does not know it answers EPERM).
# pidfd_open is call 434 on every architecture.
_WITHOUT_PIDFD = """
import ctypes, errno, os, struct, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
steps = [(0x20, 0, 0, 0), (0x15, 0, 1, 434), (0x06, 0, 0, 0x00050000 | errno.ENOSYS), (0x06, 0, 0, 0x7fff0000)]
code = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *step) for step in steps))
class Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
program = Program(len(steps), ctypes.addressof(code))
if libc.prctl(38, 1, 0, 0, 0) or libc.prctl(22, 2, ctypes.byref(program), 0, 0):  # no new privileges; the filter
    sys.exit(f"no seccomp filter: {os.strerror(ctypes.get_errno())}")
try:
    os.pidfd_open(os.getpid())
except OSError as exc:
    assert exc.errno == errno.ENOSYS, exc
else:
    sys.exit("the filter let pidfd_open through")
from node.demo import progress
done = progress.run_counted([sys.executable, "-c", "print('answered')"], timeout=60)
print(done.returncode, done.stdout.strip(), progress._gone_waits[0] > 0)  # (its waits read before it was reaped)
try:
    progress.run_counted([sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.5)
except subprocess.TimeoutExpired:
    print("stopped")
"""


def test_a_command_run_counted_where_the_kernel_has_no_pidfd_open() -> None:
    """run_counted waits for a command's exit without reaping it: with Linux's pidfd_open where the
    kernel has it, else without (a CI machine's older kernel or container refused it, and every
    command the integration tests ran failed with ENOSYS)."""
    done = subprocess.run([sys.executable, "-c", _WITHOUT_PIDFD], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (0, "0 answered True\nstopped\n"), done.stderr

def test_a_wait_in_run_time_ends_when_done_and_says_when_not() -> None:
    with processes("import time; time.sleep(600)", 1) as pids:
        assert progress.wait_run_time(lambda: True, 0.0, lambda: pids) is None
        said = progress.wait_run_time(lambda: False, 0.2, lambda: pids, interval=0.01)
    assert said is not None and said.startswith("not done in 0.2 s of the processes' time")
