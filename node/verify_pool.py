"""Ingest's CPU work on other cores: decoding and checking a batch's events, pipelined with the caller's own work.

Everything about a received event that needs no state (decode, canonical form, id, signature,
the body's rules, its read-model row: events/examine.py) is done in worker processes, so the
ingesting process is left with the checks that need the log and with the writes. Threads do not
pay here: each libsodium call releases the GIL, but getting it back after every 40-µs
verification makes the verifier wait behind the main thread's Python work. The workers are plain
children (`python -m node.verify_worker`) that import only the pure event modules, with no
multiprocessing machinery (its resource-tracker process alone took 13 MiB, and its spawned
workers re-imported the whole CLI: 29 MiB each). Wires go to them as bytes and come back as one
msgpack message per chunk: no pickled objects.

A batch is cut into chunks queued for the workers, so they examine batch k+1 while the main
thread stores batch k. When the main thread needs a chunk's answer before a worker has it, it
examines the newest chunk still queued itself instead of waiting ("work stealing"): both cores
work whenever the store is not the bottleneck, so ingest can beat one core's verify rate. If a
worker dies, its chunk and the rest are examined in the main process: slower, never skipped. The next
batch starts a new worker; if that
one fails too (with none answering between), the next waits RETRY_FIRST_S, twice as long after each
further failure up to RETRY_MAX_S. Started again at each batch, a worker that could not start (a
broken install, memory it could not get) cost a Pi an interpreter's start and a warning in its log
for every batch of a sync, hundreds of each.

Which code: a worker runs the code on disk when it starts, the node the code it loaded at its own
start. After an upgrade without a restart the two differ, and a worker would judge events by other
rules than the node's own (or misread its requests): the node gives each worker the fingerprint of
its code (node/verify_worker.py `code_fingerprint`, taken when this module is imported, with the
event modules: ~1-5 ms); a worker whose code differs ends unready, and the node starts no other
until it is restarted (it examines every batch itself meanwhile), and says so once in its log.

When: a worker starts with the first batch big enough to ship and ends after IDLE_S without a chunk.
It takes no chunk before it says it is ready (its imports done: READY, node/verify_worker.py), so
meanwhile the main thread examines them all here: nothing waits for its start. (A chunk written into
the pipe of a worker still importing could not be taken back, and the node's database thread, which
examines, waited for the start: 0.1-0.25 s a cold batch, seconds on a Pi at 1/8 of a core.) One not
ready after READY_WAIT_S is killed, a failure like any other (one stuck starting kept its ~18 MiB
until the node stopped: only a worker taking chunks counts IDLE_S). A node
at rest, or syncing one event at a time with peers in step, runs none. A node started one at boot
and kept it: its ~18 MiB resident (11 MiB of its own) took a 100k-event node after the dashboard
from 64.6 to 82.6 MiB, over a Pi Zero 2 W's whole-tree budget (DESIGN section 10: < 80 MiB).

How many workers: one per CPU this process may use beyond the first (the CPUs it may run on,
os.sched_getaffinity, or fewer by its cgroup's CPU quota), and a single one with less than 1 GiB
of memory (a Pi Zero 2 W has 512 MiB).
SOLNET_VERIFY_WORKERS=N sets the number (0: all in the main process, e.g. on one core).
"""
from __future__ import annotations

import collections
import logging
import math
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import msgpack

from crypto.errors import BadSignature
from crypto.keys import verify_signature
from events.examine import Examined, count_records, examine_all, examine_records, read_records, unpack_records
from events.format import SIGN_CONTEXT, Event
from node.environment import child_environment
from node.verify_worker import CODE_CHANGED, READY, code_fingerprint

log = logging.getLogger(f"solnet.{__name__}")

MIN_PARALLEL = 64  # below this, shipping work to another process costs more than it saves
CHUNK = 100
IN_FLIGHT = 2  # chunks sent to one worker before reading its first answer
LOW_MEMORY = 1 << 30  # below this much memory, one worker at most
# A worker idle this long ends (the next big batch starts another, ~50 ms of a core to import): the
# batches of a sync follow each other within a second, even on a Pi; rounds in step ship none.
IDLE_S = 60.0
RETRY_FIRST_S = 10.0  # after a worker failed, the batches of this long are examined here before another starts
RETRY_MAX_S = 600.0
# A worker starts in ~50 ms of a core, 2-3 s on a Pi held to 1/8 of one: one not ready after this is stuck.
READY_WAIT_S = 60.0
_ROOT = Path(__file__).resolve().parents[1]
# The code this process runs, taken now: it imported the event modules above from this tree just before.
_CODE = code_fingerprint(_ROOT)
CGROUP_ROOT = Path("/sys/fs/cgroup")


def worker_count() -> int:
    """How many worker processes this machine should run (see the module docstring)."""
    wanted = os.environ.get("SOLNET_VERIFY_WORKERS")
    if wanted is not None and wanted.strip().isdigit():
        return int(wanted)
    workers = max(0, _usable_cpus() - 1)
    return min(workers, 1) if _memory_bytes() < LOW_MEMORY else workers


def _usable_cpus(cgroups: Path | None = None, own: str | None = None) -> int:
    """The CPUs this process may really use: those it may run on (os.sched_getaffinity), fewer
    when the CPU quota of its cgroup or of one above it is lower (a systemd CPUQuota=, a
    container's --cpus; a quota of 1.5 cores counts as 2). Counting cores alone, a node held to
    1/8 of a core started a worker (15 MiB) that added no CPU, only competition for the same
    eighth. `own`: /proc/self/cgroup's text."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    quotas = _cgroup_values(cgroups, own, "cpu", ("cpu.max", "cpu.cfs_quota_us"), _cores)
    return max(1, min([cpus, *quotas]))


def _cores(folder: Path, name: str) -> int | None:
    """The cores a cgroup's CPU quota allows, rounded up (None: no quota there). v2's cpu.max
    reads "QUOTA PERIOD" or "max PERIOD"; v1 has cpu.cfs_quota_us (-1: none) and cpu.cfs_period_us."""
    try:
        if name == "cpu.max":
            quota, _, period = (folder / name).read_text().strip().partition(" ")
        else:
            quota = (folder / name).read_text().strip()
            period = (folder / "cpu.cfs_period_us").read_text().strip()
    except OSError:
        return None
    if not quota.isdigit() or not period.isdigit() or int(quota) == 0 or int(period) == 0:
        return None
    return -(-int(quota) // int(period))


def _memory_bytes(cgroups: Path | None = None, own: str | None = None) -> int:
    """Physical memory, or the lowest memory limit of this process's cgroup and those above it
    when that is lower (a container, a systemd MemoryMax). `own`: /proc/self/cgroup's text."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        total = 1 << 40
    limits = _cgroup_values(cgroups, own, "memory", ("memory.max", "memory.limit_in_bytes"), _bytes)
    return min([total, *limits])


def _bytes(folder: Path, name: str) -> int | None:
    try:
        text = (folder / name).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _cgroup_values(cgroups: Path | None, own: str | None, controller: str, names: tuple[str, str],
                   read: Callable[[Path, str], int | None]) -> list[int]:
    """The limits `read` finds in this process's cgroup and in each one above it (each bounds it):
    `names` is the file for cgroup v2 and for v1's `controller` hierarchy. Only the top ones were
    read once: a systemd unit's MemoryMax (/sys/fs/cgroup/system.slice/solnet.service/memory.max)
    went unseen, and a machine with cores to spare started a worker for each under a limit meant
    for a Pi."""
    cgroups = CGROUP_ROOT if cgroups is None else cgroups
    if own is None:
        try:
            own = Path("/proc/self/cgroup").read_text()
        except OSError:
            own = ""
    limits = []
    for line in own.splitlines():
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if not controllers:
            mount, name = cgroups, names[0]
        elif controller in controllers.split(","):
            # v1 mounts a hierarchy under its controllers' joined name ("cpu,cpuacct"), most
            # systems with a link per controller beside it
            mount, name = cgroups / controllers, names[1]
            if not mount.is_dir():
                mount = cgroups / controller
        else:
            continue
        folder = mount / path.strip().lstrip("/")
        while True:  # (inside a container its own cgroup is the mount itself: found on the way up)
            value = read(folder, name)
            if value is not None:
                limits.append(value)
            if folder == mount or mount not in folder.parents:
                break
            folder = folder.parent
    return limits


class _Restarts:
    """When a worker may be started again after workers failed (see the module docstring). A worker's
    failure is recorded by its thread, or by `_Worker.retire_broken` when its answer cannot be read;
    an answer that can be read, by `Examination.results`; the pool's maker asks `may_start`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failures = 0  # failures in a row, none answered since
        self.retry_at = 0.0  # time.monotonic() before which no worker starts
        self.code_changed = False  # a worker found other code on disk than this process runs: none starts

    def may_start(self) -> bool:
        return not self.code_changed and time.monotonic() >= self.retry_at

    def found_code_changed(self) -> None:
        with self.lock:
            if self.code_changed:
                return
            self.code_changed = True
        log.warning("the solnet code on disk is not the code this node started with (it was upgraded or "
                    "changed, e.g. `git pull && pip install` or a package upgrade, without a restart of the "
                    "node). The node goes on with its own code and starts no ingest worker, which would run "
                    "the new one: it examines the events it syncs in its own process (slower, nothing is "
                    "skipped). Restart the node to run the new version and use its worker again.")

    def failed(self, why: object) -> None:
        with self.lock:
            self.failures += 1
            # (a worker killed once is replaced at the next batch; one that fails again waits)
            wait = 0.0 if self.failures == 1 else min(RETRY_MAX_S, RETRY_FIRST_S * 2 ** min(self.failures - 2, 16))
            self.retry_at = time.monotonic() + wait
        when = "at the next batch" if not wait else f"in {wait:.0f} s"
        log.warning("an ingest worker process stopped or could not start (%s); the node goes on, examining "
                    "the events it syncs in its own process (slower, nothing is skipped), and tries a new "
                    "worker %s. If this repeats, look for what ends it: memory (`dmesg | grep -i kill`), "
                    "or a solnet install changed under the running node (restart the node after an upgrade)",
                    why, when)

    def reset(self) -> None:
        with self.lock:
            self.failures, self.retry_at, self.code_changed = 0, 0.0, False

    def answered(self) -> None:
        if self.failures:
            with self.lock:
                self.failures = 0


_restarts = _Restarts()


class _Job:
    """A chunk of wires to examine; `records` gets one record per wire: a worker's answer as it came
    (msgpack), or a list when examined here (None: examine them here)."""

    __slots__ = ("wires", "done", "records", "taken", "worker")

    def __init__(self, wires: list[bytes]) -> None:
        self.wires = wires
        self.done = threading.Event()
        self.records: bytes | list | None = None
        self.taken = False
        self.worker: _Worker | None = None  # the worker whose answer `records` is


def verify_here(events: list[Event]) -> bytes:
    """One byte per event, 1 if its signature verifies (in this process)."""
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
        # (not the passphrase: node/environment.py `child_environment` says why)
        env = {**child_environment(),
               "PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))}
        self.proc = subprocess.Popen([sys.executable, "-m", "node.verify_worker", *filter(None, [_CODE])],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=str(_ROOT))
        self.alive = True
        self.retired = False  # ended for want of work (IDLE_S), not by a failure
        self.failed = False  # its failure counted (`_failed`): once, by its thread or by `retire_broken`
        self._failing = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="verify-worker", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        """Keep up to IN_FLIGHT chunks sent ahead, so the worker finds its next request in the
        pipe while this thread waits for the GIL to read an answer (the main thread holds it for
        up to the switch interval, 5 ms, about the time a worker takes for a chunk; fed one chunk
        at a time, the worker waited that long between chunks). Answers are small (lengths, not
        bytes), so a worker never blocks writing one while this thread writes a request."""
        sent: collections.deque[_Job] = collections.deque()
        try:
            # (until it is ready every chunk stays queued for the main thread to take: one that
            # never is, or dies starting, leaves them all there)
            said = self._first_word()
            if said == CODE_CHANGED:
                self.alive = False
                if not self.pool.closed:
                    _restarts.found_code_changed()
                return
            if said != READY:
                raise OSError("the ingest worker ended as it started")
            while True:
                job = self.pool.take(self, wait=not sent) if len(sent) < IN_FLIGHT else None
                if job is not None:
                    payload = msgpack.packb(job.wires, use_bin_type=True)
                    self.proc.stdin.write(len(payload).to_bytes(4, "big") + payload)
                    self.proc.stdin.flush()
                    sent.append(job)
                    continue
                if not sent:
                    if self.retired:  # idle: the process ends at the end of its input
                        self._end_process(10.0)
                    return  # (or the pool is shut down: its shutdown stops the process)
                job = sent[0]
                head = self.proc.stdout.read(4)
                answer = self.proc.stdout.read(int.from_bytes(head, "big")) if len(head) == 4 else b""
                # Kept packed until the batch is stored (`Examination.results`): ~230 bytes an
                # event, where unpacked records took ~940. A link holds up to GROUP + AHEAD batches
                # examined ahead (node/net/link_ingest.py), 3,000 events; answers waiting held
                # 2.1-2.6 MiB at the ingest's traced peak, and its RSS peak fell 0.3-0.4 MiB (the
                # tree is at its 80 MiB budget in a catch-up: issue 15). Its length is read here.
                if count_records(answer) != len(job.wires):
                    raise OSError("the ingest worker ended")
                # (it counts as answered once the batch reads it: `Examination.results`)
                job.records, job.worker = answer, self
                sent.popleft().done.set()
        except (OSError, ValueError, msgpack.UnpackException) as exc:
            self.alive = False
            if not self.pool.closed:  # (a node stopping ends its workers: no failure)
                self._failed(exc)
            for job in sent:  # without records: the main thread examines them itself
                job.done.set()

    def _first_word(self) -> bytes:
        """What the worker says first (READY, CODE_CHANGED, or less at its end), waiting READY_WAIT_S
        at most: then it is killed. Read from the pipe itself, before its buffered reader holds any."""
        fd = self.proc.stdout.fileno()
        poller = select.poll()  # (select() refuses a descriptor above 1023)
        poller.register(fd, select.POLLIN)
        said, deadline = b"", time.monotonic() + READY_WAIT_S
        while len(said) < len(READY):
            left = deadline - time.monotonic()
            if left <= 0 or not poller.poll(math.ceil(left * 1000)):
                self.proc.kill()
                self.proc.wait(5)
                raise OSError(f"the ingest worker was not ready {READY_WAIT_S:g} s after it started: it was stopped")
            part = os.read(fd, len(READY) - len(said))
            if not part:
                break
            said += part
        return said

    def retire_broken(self, why: str) -> None:
        """End a worker that answered what cannot be read (`Examination.results`): its process is
        killed, so its thread ends (the chunks it was sent are examined here) and no batch counts on
        it; the failure is counted here as a worker's that stopped (`_Restarts.failed`), so a new one
        is tried, later each time one fails again. (Counted by its thread, it was not counted when
        that thread was waiting for a chunk: the next batch shut the pool, and a closed pool's
        workers fail nothing. A new interpreter every batch, without a word in the log.)"""
        self._failed(why)
        self.alive = False
        try:
            self.proc.kill()
        except OSError:
            pass

    def _failed(self, why: object) -> None:
        with self._failing:
            if self.failed:
                return
            self.failed = True
        _restarts.failed(why)

    def _close_input(self) -> None:
        try:
            self.proc.stdin.close()  # the worker ends at end of input
        except OSError:
            pass

    def _end_process(self, timeout: float) -> None:
        self._close_input()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def stop(self, timeout: float) -> None:
        self._end_process(timeout)
        self.thread.join(timeout)


class _Pool:
    def __init__(self, size: int) -> None:
        self.queue: collections.deque[_Job] = collections.deque()
        self.cond = threading.Condition()
        self.closed = False
        self.last_submit = time.monotonic()  # (the pool is made for a batch about to be submitted)
        self.workers: list[_Worker] = []
        try:
            for _ in range(size):
                self.workers.append(_Worker(self))
        except OSError:  # those started end with it, not left waiting for jobs of a pool never used
            self.shutdown(1.0)
            raise

    def submit(self, job: _Job) -> None:
        with self.cond:
            self.last_submit = time.monotonic()
            self.queue.append(job)
            self.cond.notify()

    def take(self, worker: _Worker, wait: bool = True) -> _Job | None:
        """Worker side: the oldest queued job (None once the pool is shut down, or if there is
        none and `wait` is false). None too when the pool got no job for IDLE_S: then `worker`
        is marked retired here, under the lock, so no new batch counts on it (it ends)."""
        with self.cond:
            while wait and not self.queue and not self.closed:
                left = self.last_submit + IDLE_S - time.monotonic()
                if left <= 0:
                    worker.retired = True
                    return None
                self.cond.wait(left)
            if self.closed or not self.queue:
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
        """Whether a worker may still take jobs (none: the next batch makes a new pool). A worker whose
        process has ended is not, though its thread may not have seen it yet (busy, or under load): the
        batch after a worker was killed found the old pool "alive", made no new one, and went on
        without a worker."""
        return any(w.alive and not w.retired and w.proc.poll() is None for w in self.workers)

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
# A node stopped (`node_stopped`): no pool is started until a node starts again. A batch's prepare
# still running on asyncio's executor thread when the node stopped (Node.stop does not wait for
# it) otherwise started a new pool after the shutdown, its processes (~18 MiB each) left for IDLE_S.
_stopped = False
_examined_here = 0  # events of shipped chunks examined in this process (stolen, or a worker died)


def examined_here() -> int:
    """How many events of chunks meant for the workers this process examined itself (benchmarks
    report it: the main process's CPU per event includes them)."""
    return _examined_here


def _get_pool() -> _Pool | None:
    global _pool
    with _pool_lock:
        if _stopped:
            return None  # (the batch is examined in this process: `Examination`)
        if _pool is None or not _pool.alive():
            if _pool is not None:
                _pool.shutdown(1.0)
                _pool = None
            size = worker_count()
            if size > 0 and _restarts.may_start():
                try:
                    _pool = _Pool(size)
                except OSError as exc:
                    _restarts.failed(exc)
        return _pool


def start() -> None:
    """Start the worker processes now (benchmarks do, so the first sync batch does not wait)."""
    node_started()
    _get_pool()


def node_started() -> None:
    """A node starts: batches may start worker processes again (none is started now)."""
    global _stopped
    with _pool_lock:
        _stopped = False


def node_stopped() -> None:
    """A node stopped cleanly: stop the worker processes, and start none until a node starts again."""
    global _stopped
    with _pool_lock:
        _stopped = True
    shutdown(allow=False)


def shutdown(*, allow: bool = True) -> None:
    """Stop the worker processes (they also end when the process dies); with `allow`, the next big
    batch may start new ones (unless a node stopped meanwhile: `node_stopped`)."""
    global _pool, _stopped
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown()
            _pool = None
        _restarts.reset()  # (a pool started after this begins afresh)
        if allow:
            _stopped = False


def worker_pids() -> list[int]:
    """The process ids of the running workers (for tests and resource reports)."""
    pool = _pool
    return [w.proc.pid for w in pool.workers if w.alive and w.proc.poll() is None] if pool else []


class Examination:
    """Wires examined (events/examine.py) on the worker processes, started at once; `results()`
    yields them in order. Without workers, or for a batch too small to ship, the wires are
    decoded here without checking signatures (`signature_ok` None: the caller checks those of the
    events it keeps, so duplicates cost no verification)."""

    def __init__(self, wires: Sequence[bytes], workers: bool = True) -> None:
        self.wires = list(wires)
        self._jobs: list[_Job] = []
        self._pool = _get_pool() if workers and len(self.wires) >= MIN_PARALLEL else None
        if self._pool is None:
            return
        # A small first chunk: the consumer can start storing sooner.
        bounds = [0, min(len(self.wires), CHUNK // 4)]
        while bounds[-1] < len(self.wires):
            bounds.append(min(len(self.wires), bounds[-1] + CHUNK))
        for a, b in zip(bounds, bounds[1:]):
            job = _Job(self.wires[a:b])
            self._jobs.append(job)
            self._pool.submit(job)

    def results(self) -> Iterator[Examined]:
        """One Examined per wire, in the order given."""
        global _examined_here
        if not self._jobs:
            yield from examine_all(self.wires, verify=False)
            return
        for job in self._jobs:
            while not job.done.is_set():
                stolen = self._pool.steal()
                if stolen is not None:  # examine it here rather than wait for a worker
                    stolen.records = examine_records(stolen.wires, verify=True)
                    stolen.done.set()
                    _examined_here += len(stolen.wires)
                else:
                    job.done.wait(0.05)  # a worker has it: wait, looking again now and then
                    if not job.done.is_set() and not self._pool.alive():
                        break
            records = job.records
            if type(records) is bytes:
                try:
                    records = unpack_records(records)
                    _restarts.answered()  # (read: a worker that answers what cannot be read answered nothing)
                except (ValueError, msgpack.UnpackException):  # (its length was right: a broken worker)
                    records = None
                    if job.worker is not None:
                        job.worker.retire_broken("its answer held the right count of records, but they could not be read")
            if records is None or len(records) != len(job.wires):
                records = examine_records(job.wires, verify=True)
                _examined_here += len(job.wires)
            yield from read_records(records, job.wires)
