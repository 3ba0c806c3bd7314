"""The newest seq each of this home's keys has signed, kept in a small file beside the database.

Why. SQLite keeps its newest transactions in the write-ahead log (solnet.db-wal) until a
checkpoint copies them into the database. After a kill -9 or a power cut, one changed bit in that
file (a failing SD card), or the file deleted, makes SQLite drop that transaction and every later
one, silently: the database is consistent, only older. Among what is dropped may be events this
device signed and already sent to peers; and the record of its rounds with peers
(node/chain_gate.py) lives in the same database and rolls back with them. Signing on from the
older head then makes a second event at a seq the network holds: a fork, which freezes the key on
every node. A file outside SQLite does not roll back with it: the marks are written to it before
the transaction that stores a newly signed event commits (Store.before_commit: once per
transaction, so a group commit of many publishes writes once), so no event of ours can leave
this node with a seq the marks do not cover. chain_gate.check compares them with what the
database holds before anything is signed.

The marks are synced (fdatasync) before the transaction commits, and the database's commit of a
signed event is synced after them (Store.write(durable=True)): on the disk the marks never say less
than the database holds. Until 2026-12-07 they took no fsync: a power cut right after the group key
certified the home's own laptop kept the vouch (its commit synced) and cut its mark, and the home
then said another home held its group key and told the coordinator to revoke the laptop
(node/group_key_marks.py; tests/integration/test_power_cut_after_group_key_vouch.py). One more
fdatasync per commit that signs (0.15-0.3 ms here at a light load, more on a Pi's SD card), none per
peer batch. A commit of one publish alone (the usual case at one in flight) writes and syncs its marks on a thread
of their own from the moment the event is signed, while its transaction writes the rows (`_Early`),
and its COMMIT waits for that sync: the sync no longer adds to the publish's time when the rows take
longer, and the order on the disk is the one above (tests/integration/test_power_cut_at_every_point.py).
A group commit of several writes its marks once, at its commit, for all of them (on that thread too,
its commit waiting for them there: a disk that stalls is said either way, `_patiently`).
A disk may still lie about its syncs (many SD cards do); for that the node puts its start on the
disk (`make_durable`, with a record that it runs) and its clean stop, and chain_gate refuses to
sign on a home whose node did not stop cleanly until a sync. `solnet sync` and `solnet export`, which
send events with no node running, call `make_durable` once before they send. The marks are read
whole once per change of the file (its stat, or a mark where the next one goes: `_known`), not per
publish.

The file: `solnet.db-signed` (beside the database), marks written one after the other, each
(author, seq, crc32); the last whole one of a key holds. A changed bit spoils that mark alone (an
older one of the key holds), a power cut cuts the tail. The file is made GROW_BY bytes longer than
its marks, zeros (which read as no mark), and each commit's marks overwrite those zeros in place: a
file whose size changes makes its fdatasync put the size in the file system's journal too (ext4: a
journal commit, shared with whatever else the machine writes), one that is overwritten in place
syncs its data alone. Measured here (fdatasync of a 76-byte write, medians of 400, interleaved,
quiet): 0.22-0.24 ms growing, 0.15-0.17 ms in place, its CPU 0.052-0.059 against 0.034-0.042 ms
(while other programs wrote much, ~4 ms either way: the disk's flush). Marks are written past the
last record that is not zeros, over a mark cut short: so an earlier version's marks appended past
the zeros are read, and a tail cut short does not shift the marks after it off the file's grid of
records (appended after it, every later mark read as none). One that cannot be read counts as no marks
(as a home made by an earlier version): it never refuses. A mark also says which seqs its commit
signed: every one above the key's mark before it (from seq 1 for its first), unless a mark whose
seq carries RANGE_FLAG comes just before it, naming the first (written only then: when seqs signed
elsewhere, or --offline below the mark, lie between). So the seqs this home signed with each key
are known (`signed_ranges`: at most MAX_RANGES stretches a key, the lowest merged from seq 1), not
only the newest: a copy's events with the group key stay "not signed here" once this home signs
past them (node/group_key_marks.py; until 2026-12-06 its next signature hid them at the next start).
A node's start rewrites a file grown long to its stretches, under the write lock (a mark a key, on a home no copy signed
for). It names this home's keys, so a wipe destroys it with them (node/wipe.py).
"""
from __future__ import annotations

import errno
import os
import queue
import struct
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from node.home_lock import hold_exclusive

if TYPE_CHECKING:
    from node.store import Store

SUFFIX = "-signed"  # beside the database it speaks for: solnet.db-signed
STALL_SAY_S = 10.0  # a write of the marks, or a wait for another's, still under way after this is said in the log
STALL_SAY_AGAIN_S = 60.0  # and again at this pace while it lasts


def path_for(db_path: Path) -> Path:
    """The marks file of the database at `db_path`."""
    return db_path.with_name(db_path.name + SUFFIX)


def path_of(store: Store) -> Path | None:
    """The marks file of `store`'s database (None in memory: nothing there outlives the process)."""
    where = store.path
    found = _PATHS.get(where, _UNSEEN)
    if found is _UNSEEN:  # (asked twice a publish: pathlib's work done once per database)
        found = _PATHS[where] = None if str(where) == ":memory:" else path_for(Path(where))
    return found  # type: ignore[return-value]


_UNSEEN = object()
_PATHS: dict[object, Path | None] = {}


RECORD = struct.Struct(">32s32sQI")  # network, author, seq, crc32 of the three: one mark
_KEYED = 64  # bytes of a mark's key: its network and author (a home that joins another network
#              signs there from seq 1: the marks of the network it left do not hold it back)
COMPACT_AT = 64 * 1024  # bytes (some 750 commits): a node's start rewrites the file to its ranges
RANGE_FLAG = 1 << 63  # a mark naming the first seq a commit signed (the plain mark after it: the last)
MAX_RANGES = 64  # stretches of seqs kept a key: gaps are another home's signing, rare (the lowest merge)

Ranges = tuple[tuple[int, int], ...]  # (first, last) seqs signed here, ascending, apart


GROW_BY = 216 * RECORD.size  # zeros written past the marks when they reach the file's end (~16 KiB,
#                              216 commits): one change of the file's size in 216 commits (see above)
_NO_MARK = bytes(RECORD.size)


class _Known(NamedTuple):
    """The marks a file held when this process last read or wrote it, and what its stat said then."""
    stat: tuple[int, int, int]  # inode, size, mtime (ns)
    marks: dict[bytes, int]
    ranges: dict[bytes, Ranges]
    end: int  # where the next mark goes: past the last record that is not zeros


_KNOWN: dict[str, _Known] = {}  # by path: read once per change of the file, not per publish


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _known(path: Path, probe: bool = True) -> _Known:
    """The marks in the file at `path` as it is now: read again when another process wrote it (a
    `solnet publish` or `solnet vouch` in another terminal, `solnet sync`): its stat changed, or a mark
    lies where the next one goes. Written in place, the file keeps its size, and its mtime too when the
    file system's clock has not ticked since it was read (a few milliseconds before Linux 6.13, a
    second on ext4 with small inodes, two on FAT): the stat alone missed that mark until this
    process's next write, and took the home's own vouch for another home's use of its group key.
    `probe` False: the caller looks where the next mark goes itself (`_append`, on its open file)."""
    stat = _stat(path)
    known = _KNOWN.get(str(path))
    if known is not None and known.stat == stat and not (probe and _marked_past(path, known)):
        return known
    known = _Known(stat or (0, 0, 0), *_parse(path))
    _KNOWN[str(path)] = known
    return known


def _marked_past(path: Path, known: _Known) -> bool:
    """Whether the record where the next mark goes is no longer zeros (one open and pread: the file is
    read whole only when it changed)."""
    if known.end + RECORD.size > known.stat[1]:  # (no room left: a mark written there grows the file)
        return False
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return True
    try:
        return _marked_at(fd, known.end)
    finally:
        os.close(fd)


def _marked_at(fd: int, at: int) -> bool:
    """Whether the record at `at` in the file open at `fd` holds a mark, or a part of one (not zeros)."""
    return bool(os.pread(fd, RECORD.size, at).strip(b"\0"))


def _parse(path: Path) -> tuple[dict[bytes, int], dict[bytes, Ranges], int]:
    try:
        data = path.read_bytes()
    except OSError:
        return {}, {}, 0
    marks: dict[bytes, int] = {}
    firsts: dict[bytes, int] = {}  # a commit's first seq, until its plain mark
    ranges: dict[bytes, Ranges] = {}
    end = 0
    for at in range(0, len(data), RECORD.size):
        record = data[at:at + RECORD.size]
        if len(record) < RECORD.size:  # a mark cut short: the next is written over it (on the grid)
            break
        if record != _NO_MARK:  # (zeros: room made for the marks to come)
            end = at + RECORD.size
        network, author, seq, crc = RECORD.unpack_from(data, at)
        if zlib.crc32(data[at:at + _KEYED + 8]) != crc:  # (a changed bit spoils this mark alone; a cut tail is left out)
            continue
        key = network + author
        if seq & RANGE_FLAG:
            firsts[key] = seq & ~RANGE_FLAG
            continue
        ranges[key] = _add(ranges.get(key, ()), firsts.pop(key, marks.get(key, 0) + 1), seq)
        marks[key] = seq  # the last one written for a key holds (--offline may sign below it)
    return marks, ranges, end


def _add(ranges: Ranges, first: int, last: int) -> Ranges:
    """`ranges` with first..last signed too: merged where they touch, the lowest merged from seq 1
    beyond MAX_RANGES (taken as signed here, as every seq below a mark was before ranges)."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted((*ranges, (min(first, last), last))):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    if len(out) > MAX_RANGES:
        out[-MAX_RANGES:] = [(1, out[-MAX_RANGES][1]), *out[-MAX_RANGES + 1:]]
        del out[:-MAX_RANGES]
    return tuple(out)


def read(path: Path) -> dict[bytes, int]:
    """The marks in the file at `path` ({} if none, or unreadable)."""
    return dict(_known(path).marks)


def signed_ranges(path: Path) -> dict[bytes, Ranges]:
    """The seqs this home signed with each key, as (first, last) stretches ({} if none)."""
    return dict(_known(path).ranges)


def _records(marks: dict[bytes, int], firsts: dict[bytes, int] | None = None) -> bytes:
    """Marks as bytes: for a key in `firsts`, its first seq (flagged) before its mark (`_parse`)."""
    def body(key: bytes, seq: int) -> bytes:
        raw = key + seq.to_bytes(8, "big")
        return raw + zlib.crc32(raw).to_bytes(4, "big")
    return b"".join((body(key, firsts[key] | RANGE_FLAG) if firsts and key in firsts else b"") + body(key, seq)
                    for key, seq in marks.items())


def _append(path: Path, marks: dict[bytes, int], firsts: dict[bytes, int] | None = None,
            go_on: bool = False) -> tuple[int, int, int]:
    """Write `marks` past the file's last: one pwrite of the new bytes (with GROW_BY zeros beyond them
    when they reach the file's end), synced before the database's commit of what they mark (see the
    module's docstring; a new file's folder too, so that its name survives). `firsts`: the first seq
    each key signed in this commit (its mark the last). Where in the file they lie (`_take_back`).
    Written on the marks' thread, as a lone commit's (`_Early`): a group's commit waits for them there,
    and a stalled disk is said (`_patiently`), not waited for in silence."""
    write = _Write(path, marks, firsts, go_on)
    early = _handed_over(write)
    if early is not None:
        return early.wait()
    write.put()  # (no thread for it: written here)
    return write.record()


class _Write:
    """One commit's marks: made ready on the thread of the transaction (`__init__`: what the file holds,
    where they go), written and synced by `put` (on any thread: it touches that one file alone), then
    known to this process (`record`, on the transaction's thread again). Taken back where they failed, or
    their commit did, by writing zeros over them alone (`_unmark`): never by cutting the file, which
    would take with it the marks another writer wrote past them once the write lock was free (SQLite
    ends a transaction itself on a full disk, before its writer takes its marks back)."""

    def __init__(self, path: Path, marks: dict[bytes, int], firsts: dict[bytes, int] | None, go_on: bool) -> None:
        known = _known(path, probe=False)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            # Held from here until `put` closes the file: a lone write's marks are written on the marks'
            # thread after this, and SQLite, on a full disk, frees the write lock (ending the transaction
            # itself) before they are. Another writer that took it then chose the same place, and one
            # write went over the other. Now it waits for them, and writes past them.
            _patiently(lambda wait: hold_exclusive(fd, wait), path, "another writer's marks")
            st = os.fstat(fd)
            end = known.end if known.stat[0] == st.st_ino else 0
            if end < st.st_size and _marked_at(fd, end):
                # Another process wrote where this one would (in place, its stat maybe the same: `_known`),
                # or the file was replaced (its inode another): read again, never written over.
                _KNOWN.pop(str(path), None)
                known = _known(path)
                end = known.end
            # (a commit that goes on from the key's mark needs no first: one mark a publish, as before; on a
            # home restored or copied, one above it takes what lies between as this home's: `going_on`)
            self.firsts = {k: first for k, first in (firsts or {}).items()
                           if first != known.marks.get(k, 0) + 1 and not (go_on and first > known.marks.get(k, 0))}
            data = _records(marks, self.firsts)
            self.written = end + len(data)
            if self.written > st.st_size:  # (room for the next ones: they are written in place, see above)
                data += bytes(GROW_BY)
        except BaseException:  # (a MemoryError too: the flock goes with the file, or every later write waits)
            os.close(fd)
            raise
        self.path, self.marks, self.known, self.fd, self.data, self.end = path, marks, known, fd, data, end
        self.new_file = st.st_size == 0
        self.stat: tuple[int, int, int] | None = None

    def put(self) -> None:
        """Write the marks and sync them (the file's folder too, for a new file); their records zeroed again
        where they began if either fails. Closes the file."""
        fd, end = self.fd, self.end
        try:
            if os.pwrite(fd, self.data, end) != len(self.data):  # (a disk that fills as it writes: the commit fails)
                _unmark(fd, end, self.written)
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            try:
                os.fdatasync(fd)
                if self.new_file:
                    _fsync(self.path.parent)  # (its name in the folder)
            except BaseException:  # (the commit fails: the marks must not say it signed)
                _unmark(fd, end, self.written)
                raise
            st = os.fstat(fd)
            self.stat = (st.st_ino, st.st_size, st.st_mtime_ns)
        finally:
            os.close(fd)

    def record(self) -> tuple[int, int, int]:
        """After `put`: this process knows the file as it now is. Where these marks lie (the file's
        inode, from, to: `_take_back`)."""
        known, marks = self.known, self.marks
        ranges = dict(known.ranges)
        for key, seq in marks.items():
            ranges[key] = _add(ranges.get(key, ()), self.firsts.get(key, known.marks.get(key, 0) + 1), seq)
        assert self.stat is not None
        _KNOWN[str(self.path)] = _Known(self.stat, {**known.marks, **marks}, ranges, self.written)
        return self.stat[0], self.end, self.written


def _patiently(ready: Callable[[float], bool], path: Path, what: str) -> None:
    """Wait until `ready(seconds)` says the disk is done (it waits up to that long for it), for ever:
    nothing this home signed may be stored, or leave it, before its marks are on the disk, and SQLite's
    own sync of the commit is no more bounded. A disk that stalls (an SD card wearing out, a full USB
    stick's controller, a network file system) is said in the log after STALL_SAY_S and at each
    STALL_SAY_AGAIN_S: for the operator, who sees publishes hang, what holds them and what to do."""
    if ready(STALL_SAY_S):
        return
    import logging  # (only then: `solnet status` and `ls` load no logging, tests/integration/test_cli_imports.py)
    log = logging.getLogger(f"solnet.{__name__}")
    began = time.monotonic()
    while True:
        log.warning("the disk has not finished writing %s (%s) for %.0f s: publishing waits for it. A disk "
                    "that stalls is often failing: check it (dmesg, smartctl) and keep a backup of the home",
                    what, path.name, time.monotonic() - began + STALL_SAY_S)
        if ready(STALL_SAY_AGAIN_S):
            break
    log.warning("the disk finished writing %s (%s) after %.0f s", what, path.name,
                time.monotonic() - began + STALL_SAY_S)


class _Early:
    """A lone commit's marks written and synced on the marks' own thread (`_Syncer`) while the
    transaction's thread writes its rows into the database (Store._flush: the events, their indexes,
    the projections): the sync, 0.15-0.3 ms here and more on an SD card, no longer adds to each publish.
    The commit waits for it before its COMMIT (`wait`, from the commit hook): on the
    disk the marks still never say less than the database holds, as when they were synced in series."""

    def __init__(self, write: _Write) -> None:
        self.write, self.before = write, None
        self.error: BaseException | None = None
        self.done = threading.Event()

    def run(self) -> None:
        try:
            self.write.put()
        except BaseException as exc:  # (not only the disk's OSError: the thread lives on, this commit fails)
            self.error = exc
        finally:
            self.done.set()

    def wait(self) -> tuple[int, int, int]:
        """Once it is synced: as `_append` gives; raises what the write or the sync raised."""
        _patiently(self.done.wait, self.write.path, "the marks of this publish")
        if self.error is not None:
            raise self.error
        if self.before is None:
            self.before = self.write.record()
        return self.before


class _Syncer:
    """The thread that writes and syncs early marks (`_Early`), one after the other. Started at the first
    lone commit that signs in this process (again in a forked child, which has none of its parent's)."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Early] = queue.SimpleQueue()
        self._pid: int | None = None

    def start(self, early: _Early) -> _Early:
        if self._pid != os.getpid():
            self._queue = queue.SimpleQueue()
            threading.Thread(target=self._work, args=(self._queue,), name="marks", daemon=True).start()
            self._pid = os.getpid()
        self._queue.put(early)
        return early

    @staticmethod
    def _work(jobs: queue.SimpleQueue[_Early]) -> None:
        while True:
            jobs.get().run()


_SYNCER = _Syncer()


def _handed_over(write: _Write) -> _Early | None:
    """`write` given to the marks' thread; None if it cannot start ("can't start new thread": short of
    memory or tasks), `write` left to its caller. Any other failure closes its file, and its flock with
    it (a MemoryError: left held, this process's every later write of marks waited for it for ever)."""
    try:
        return _SYNCER.start(_Early(write))
    except RuntimeError:
        return None
    except BaseException:
        os.close(write.fd)
        raise


GOING_ON_META = "marks_go_on"  # meta: b"1" from a node's start on a restored or copied home to the next start


def going_on(store: Store, restored: bool) -> None:
    """A node started on this home, restored from a backup or copied (`restored`, node/chain_gate.py),
    or not. Restored, the events of its keys above its marks that come back from peers are most
    likely its own, signed before the backup was restored, and it continues its chain after them
    (node/key_elsewhere.py answers them so while that node runs). So until the next start, every
    commit here (the node's, and a command's such as `solnet vouch`) goes on from each key's mark,
    taking those seqs as signed here, as the single newest mark did before stretches were kept: a
    restart does not say them again. (A copy signing meanwhile is said while it signs, and taken in
    so too, as before 2026-12-06.)"""
    if (store.get_meta(GOING_ON_META) == b"1") != restored:
        with store.write():
            store.set_meta(GOING_ON_META, b"1" if restored else b"0")


def _take_back(path: Path, inode: int, start: int, stop: int) -> None:
    """Take back the marks a commit that failed wrote from `start` to `stop` in the file, and sync
    that: a lone publish's marks are on the disk before its rows are written, and a power cut after
    its failure (a full disk) left them above the database, this home refusing to sign until a sync.
    Only on a failure: no cost to a commit. Those records alone: the write lock may be free already
    (SQLite rolls a transaction back itself on a full disk), and another writer's marks past them stay.
    Not at all in a file other than the one they were written to (`inode`): a node's start compacted
    it meanwhile (`_compact`, which that freed lock let in), and those places name other records there
    (the marks then say more than was committed: `check` refuses, as after a power cut)."""
    fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    try:
        _patiently(lambda wait: hold_exclusive(fd, wait), path, "another writer's marks")  # (none placed meanwhile)
        if os.fstat(fd).st_ino != inode:
            return
        _unmark(fd, start, stop)
        os.fsync(fd)
    finally:
        os.close(fd)
    _KNOWN.pop(str(path), None)  # (read again at the next use: another writer's marks may lie past them)


def _unmark(fd: int, start: int, stop: int) -> None:
    """Zeros over the records from `start` to `stop` of the file open at `fd` (they read as no mark;
    the next mark is written there), within its size (a write cut short by a full disk grew it less).
    The file grows by a record of zeros and its mtime moves on by a nanosecond at least: another process
    that read the file at its size and mtime reads it again (`_known`). The mtime alone was not enough
    where the file system keeps seconds (ext4 with small inodes, FAT): a process that read the file
    before these marks saw its stat unchanged, zeros where its next mark goes, and missed another
    writer's marks past them."""
    st = os.fstat(fd)
    stop = min(stop, st.st_size)
    if stop > start:
        os.pwrite(fd, bytes(stop - start), start)
    try:
        os.pwrite(fd, _NO_MARK, st.st_size)
    except OSError:  # (a full disk with no room left in the file's last block: the mtime still tells)
        pass
    after = os.fstat(fd)
    os.utime(fd, ns=(after.st_atime_ns, max(after.st_mtime_ns, st.st_mtime_ns + 1)))


class _Pending:
    """The marks a write transaction sets, written just before it commits (taken back if the commit fails):
    for each key the first seq it signed in it (`firsts`) and the last (`seqs`). `early`: those very
    marks, already being written and synced on the marks' thread (a lone commit: `signed`)."""

    def __init__(self, path: Path, seqs: dict[bytes, int], firsts: dict[bytes, int], go_on: bool,
                 early: _Early | None = None, prior: _Pending | None = None) -> None:
        self.path, self.seqs, self.firsts, self.go_on, self.early = path, seqs, firsts, go_on, early
        self.prior = prior  # (an early one of the same transaction, this one's marks signed after it: rare)
        self.before: tuple[int, int, int] | None = None  # where its marks lie (inode, from, to), once written

    def __call__(self, committing: bool) -> None:
        if committing:
            if self.prior is not None:  # (its marks first: on the disk, then these after them)
                self.prior(True)
            try:
                self.before = self.early.wait() if self.early is not None else \
                    _append(self.path, self.seqs, self.firsts, self.go_on)
            except OSError as exc:  # (the transaction is rolled back: nothing signed leaves this node)
                from node.store.errors import StorageFull, StoreError, disk_failing  # (chain_gate loads no store)
                if exc.errno == errno.ENOSPC:
                    raise StorageFull("the disk is full: nothing was stored. Free some space and try again "
                                      "(nothing stored before is lost)") from None
                raise disk_failing(self.path) or StoreError(
                    f"cannot write {self.path} ({exc.strerror}): nothing was stored. Check that the home's folder "
                    "is yours and can be written, then try again.") from None
            return
        if self.early is not None and self.before is None:  # (failed before its commit: its marks come off too)
            try:
                self.before = self.early.wait()
            except Exception:  # (its write failed: taken back already, `_Write.put`)
                pass
        if self.before is not None:
            try:
                _take_back(self.path, *self.before)
            except OSError:  # (then the marks say more than was committed: `check` refuses, --offline opens)
                pass
            self.before = None
        if self.prior is not None:
            self.prior(False)


_KEY = "own_marks"


def _network(store: Store) -> bytes:
    """The network `store` holds events of (b"" before its first: no mark applies to it yet)."""
    return store.get_meta("network_id") or b""


def signed(store: Store, author: bytes, seq: int) -> None:
    """Inside the write transaction that stores `author`'s event at `seq`, just signed here: the
    marks say so before it commits. The seq signed is kept even below the mark (--offline: the
    person said this home holds the newest events of its keys)."""
    path = path_of(store)
    if path is None:
        return
    current = store.commit_hook(_KEY)  # (a new object each time: a part rolled back drops its own)
    seqs = dict(current.seqs) if isinstance(current, _Pending) else {}
    firsts = dict(current.firsts) if isinstance(current, _Pending) else {}
    network = _network(store)
    if len(network) != 32:  # (never: the event was stored, and with it the network's id)
        return
    seqs[network + author] = seq
    firsts[network + author] = min(firsts.get(network + author, seq), seq)
    go_on = store.get_meta(GOING_ON_META) == b"1"
    early = None
    if store.lone and current is None:
        # A transaction of this publish alone (no other part can add marks, or be rolled back alone
        # after these are written): they are written and synced now, on the marks' thread, while
        # this one writes the rows (_Early); the commit waits for them. In a group of publishes, one
        # write and one sync at the commit, for all of them.
        try:
            write = _Write(path, seqs, firsts, go_on)
        except OSError:  # (the file cannot be opened: the commit tries again, and says so as a failing disk does)
            write = None
        if write is not None:
            early = _handed_over(write)
            if early is None:  # written at the commit, as above
                os.close(write.fd)
    prior = current if isinstance(current, _Pending) and (current.early or current.prior) else None
    store.before_commit(_KEY, _Pending(path, seqs, firsts, go_on, early, prior))


def lost(store: Store) -> list[tuple[bytes, int, int]]:
    """(author, the seq signed, the newest seq the database holds) for each of this home's keys whose
    marks say it signed events the database no longer holds (empty: none lost)."""
    path = path_of(store)
    out = []
    network = _network(store)
    for key, mark in (_known(path).marks if path is not None and len(network) == 32 else {}).items():
        if key[:32] != network:  # another network's (this home joined another since)
            continue
        author = key[32:]
        if mark > store.head(author)[0]:
            held = store.highest_seq_held(author)  # (kept aside, or past a fork, count: asked in this rare case only)
            if mark > held:
                out.append((author, mark, held))
    return out


def make_durable(store: Store, *, compact: bool = False) -> None:
    """Put on the disk what this home signed and stored so far: the marks, the database's write-ahead
    log and their folder (a few fsyncs, once per command or node start and stop).
    Before `solnet sync` or `solnet export` sends this home's events off the machine with no node
    running, and at a node's start and clean stop (node/chain_gate.py). With `compact` (a node's
    start), a file grown long is first rewritten to its stretches, under the database's write lock (a
    command in another terminal may be writing its mark meanwhile)."""
    path = path_of(store)
    if path is None:
        return
    if compact and _known(path).end > COMPACT_AT:
        # Under the database's write lock, which every writer of marks holds from the moment it reads the
        # file to its commit (`signed`, inside its transaction): a `solnet publish --offline` or `vouch` in
        # another terminal wrote its mark into the file being replaced, and lost it (a seq it may have shown
        # anyone, signed again by the next publish: a fork). Not quite every moment: a commit that fails on
        # a full disk has its lock freed by SQLite before it takes its marks back (`_take_back`, by their
        # places in the file it wrote), so the file's flock is held too, and `_take_back` leaves a file
        # compacted since alone (those places name other records there).
        with store.write():
            _compact(path)
    for one in (path, path.with_name(path.name.removesuffix(SUFFIX) + "-wal"), path.parent):
        try:
            _fsync(one)
        except FileNotFoundError:
            continue


def _compact(path: Path) -> None:
    """Rewrite the file at `path` to its stretches (read again here: under the locks, as it now is)."""
    held = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        _patiently(lambda wait: hold_exclusive(held, wait), path, "another writer's marks")  # (a `_take_back`)
        _KNOWN.pop(str(path), None)  # (a `_take_back` may have zeroed some, its stat maybe the same)
        known = _known(path)
        if known.end <= COMPACT_AT:  # (another node's start did it meanwhile)
            return
        spare = path.with_name(path.name + ".new")
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, _compacted(known.marks, known.ranges))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(spare, path)
        _KNOWN.pop(str(path), None)
    finally:
        os.close(held)


def _fsync(path: Path) -> None:
    """Put the file or folder at `path` on the disk."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _compacted(marks: dict[bytes, int], ranges: dict[bytes, Ranges]) -> bytes:
    """The file rewritten: each key's ranges (the first of each flagged, but for one from seq 1),
    then its mark last where it is not the last of them (--offline signed below the newest)."""
    out = []
    for key, mark in marks.items():
        stretches = ranges.get(key, ((1, mark),))
        for lo, hi in stretches:
            out.append(_records({key: hi}, None if lo == 1 else {key: lo}))
        if stretches[-1][1] != mark:
            out.append(_records({key: mark}, {key: mark}))
    return b"".join(out)
