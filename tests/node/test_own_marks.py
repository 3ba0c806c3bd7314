"""The newest seqs signed here, kept outside SQLite (node/own_marks.py): written once per commit,
before it, never for a part of a group that was rolled back; put back when the commit fails."""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from node import group_key_marks, own_marks
from node.store import Store, StoreError

NETWORK, DEVICE, GROUP = b"\x09" * 32, b"\x01" * 32, b"\x02" * 32
D, G = NETWORK + DEVICE, NETWORK + GROUP  # (a mark's key: its network and author)


def _in_network(store: Store) -> None:
    """`store` holds events of NETWORK (as its first event would record)."""
    with store.write():
        store.set_meta("network_id", NETWORK)


def _marks_end(path: Path) -> int:
    """Where the file's marks end: past it, zeros only (room made for the marks to come)."""
    data, size = path.read_bytes(), own_marks.RECORD.size
    return max((at + size for at in range(0, len(data), size) if data[at:at + size].strip(b"\0")), default=0)


def _another_writer(other: Store, committed: list[bytes]):
    """A hook that, as a failed write ends (before its marks' hook), tries once to write GROUP's first
    mark through `other` (another connection: a `solnet vouch` in another terminal) and notes in
    `committed` whether it could (the failed write still holding the lock: it waits its turn)."""
    other._db.execute("PRAGMA busy_timeout=0")  # (it tries the lock once: the test runs both on one thread)

    def hook(committing: bool) -> None:
        if committing:
            return
        try:
            with other.write():
                own_marks.signed(other, GROUP, 1)
        except StoreError:
            return
        committed.append(G)
    return hook


def _stalling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, Store, Path]:
    """A home in NETWORK whose waits for the disk are said at once (STALL_SAY_S), with a marks thread of
    the test's own: its store, another connection to it, and its marks file."""
    monkeypatch.setattr(own_marks, "STALL_SAY_S", 0.05)
    monkeypatch.setattr(own_marks, "STALL_SAY_AGAIN_S", 0.05)
    monkeypatch.setattr(own_marks, "_SYNCER", own_marks._Syncer())
    store, other = Store(tmp_path / "solnet.db"), Store(tmp_path / "solnet.db")
    _in_network(store)
    return store, other, own_marks.path_for(tmp_path / "solnet.db")


def test_marks_are_on_the_disk_before_the_commit_and_only_for_what_commits(tmp_path: Path) -> None:
    store = Store(tmp_path / "solnet.db")
    marks = own_marks.path_for(tmp_path / "solnet.db")
    _in_network(store)
    try:
        seen_at_commit: list[dict[bytes, int]] = []
        with store.group():
            with store.write():
                own_marks.signed(store, DEVICE, 4)
            with pytest.raises(RuntimeError), store.write():  # a publish refused: its part rolled back
                own_marks.signed(store, GROUP, 9)
                raise RuntimeError
            with store.write():
                own_marks.signed(store, DEVICE, 5)
                # (a hook after it sees the file as the commit leaves it: before COMMIT runs)
                store.before_commit("probe", lambda committing: seen_at_commit.append(
                    own_marks.read(marks)))
            assert own_marks.read(marks) == {}  # nothing written before the commit
        assert own_marks.read(marks) == {D: 5}
        assert seen_at_commit == [{D: 5}]

        with pytest.raises(RuntimeError), store.write():  # a write that fails: its mark is never written
            own_marks.signed(store, DEVICE, 6)
            raise RuntimeError
        assert own_marks.read(marks) == {D: 5}
        assert own_marks.lost(store) == [(DEVICE, 5, 0)]  # this store holds none of DEVICE's events
    finally:
        store.close()


def test_a_failed_commit_puts_the_marks_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "solnet.db")
    marks = own_marks.path_for(tmp_path / "solnet.db")
    _in_network(store)
    try:
        with store.write():
            own_marks.signed(store, DEVICE, 2)

        def fail(committing: bool) -> None:
            if committing:
                raise OSError(28, "No space left on device")
        with pytest.raises(OSError), store.write():
            own_marks.signed(store, DEVICE, 3)
            store.before_commit("zz-fails", fail)  # (runs after the marks were written)
        assert own_marks.read(marks) == {D: 2}
    finally:
        store.close()


def test_an_unreadable_file_counts_as_no_marks(tmp_path: Path) -> None:
    own_marks.path_for(tmp_path / "solnet.db").write_bytes(b"{\"0102\": 7")  # cut short
    store = Store(tmp_path / "solnet.db")
    try:
        assert own_marks.lost(store) == []
    finally:
        store.close()


def test_a_mark_spoilt_or_cut_short_leaves_the_marks_before(tmp_path: Path) -> None:
    path = own_marks.path_for(tmp_path / "solnet.db")
    own_marks._append(path, {D: 3})
    own_marks._append(path, {D: 4, G: 1})
    assert own_marks.read(path) == {D: 4, G: 1}
    data = bytearray(path.read_bytes())
    assert _marks_end(path) == 3 * own_marks.RECORD.size  # only the new marks were written each time
    data[own_marks.RECORD.size + 20] ^= 0x01  # a changed bit in DEVICE's newest mark
    path.write_bytes(bytes(data[:3 * own_marks.RECORD.size - 5]))  # and a power cut cut the last one short
    assert own_marks.read(path) == {D: 3}


def test_the_file_is_read_again_only_when_it_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = own_marks.path_for(tmp_path / "solnet.db")
    own_marks._append(path, {D: 3})
    parsed = []
    real = own_marks._parse
    monkeypatch.setattr(own_marks, "_parse", lambda p: parsed.append(p) or real(p))
    for _ in range(5):
        assert own_marks.read(path) == {D: 3}
    own_marks._append(path, {D: 4})  # (this process's own writes are known without reading)
    assert own_marks.read(path) == {D: 4} and parsed == []
    with open(path, "ab") as f:  # another process appends (a `solnet publish` with no node running)
        f.write(own_marks._records({G: 2}))
    assert own_marks.read(path) == {D: 4, G: 2} and len(parsed) == 1


def test_a_long_file_is_rewritten_at_a_nodes_start(tmp_path: Path) -> None:
    store = Store(tmp_path / "solnet.db")
    path = own_marks.path_for(tmp_path / "solnet.db")
    try:
        for seq in range(1, own_marks.COMPACT_AT // own_marks.RECORD.size + 3):
            own_marks._append(path, {D: seq})
        own_marks.make_durable(store)
        assert path.stat().st_size > own_marks.COMPACT_AT
        own_marks.make_durable(store, compact=True)
        assert path.stat().st_size == own_marks.RECORD.size and own_marks.read(path) == {D: seq}
    finally:
        store.close()


def test_each_publish_syncs_its_mark_once_and_the_marks_follow_it(net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The marks are synced before the commit of what they mark, itself synced (a power cut must not
    leave the database saying more than the marks: tests/integration/test_power_cut_after_group_key_vouch.py):
    one fdatasync of the file per publish."""
    from node import chain_gate
    from node.log import now_ms
    from node_fixtures import action, wires

    log = net.new_log(tmp_path / "solnet.db")
    log.ingest(wires(net.group.made))
    chain_gate.node_started(log.store, now_ms())  # this process plays the node (one fsync, at its start)
    chain_gate.round_completed(log.store, now_ms(), chain_gate.load(log.store).started)
    synced: list[int] = []
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd))
    monkeypatch.setattr(os, "fdatasync", lambda fd: synced.append(fd))
    device = bytes(net.founder.device.public)
    marks = own_marks.path_for(tmp_path / "solnet.db")
    for i in range(1, 21):
        ev = log.append(net.founder.device, "action", action(i))
        assert own_marks.read(marks)[log.network_id + device] == ev.seq
    assert len(synced) == 20 + 1  # (and the folder once, where the first made the file)
    assert _marks_end(marks) == 20 * own_marks.RECORD.size  # one mark written per publish, nothing rewritten
    monkeypatch.undo()
    log.store.close()


def test_the_seqs_signed_here_are_kept_as_stretches_through_a_restart_and_a_rewrite(tmp_path: Path) -> None:
    """Not only the newest seq: a commit says the first and the last it signed, so a seq another home
    signed between this home's commits stays "not signed here" (node/group_key_marks.py). A mark
    written by an earlier version (no first) says every seq up to it, as it always did."""
    store = Store(tmp_path / "solnet.db")
    path = own_marks.path_for(tmp_path / "solnet.db")
    _in_network(store)
    try:
        with store.write():  # one commit signing 1..3 (a group commit)
            for seq in (1, 2, 3):
                own_marks.signed(store, GROUP, seq)
        with store.write():  # 4 and 5 signed elsewhere (a copy of the home), then 6 here
            own_marks.signed(store, GROUP, 6)
        assert own_marks.signed_ranges(path)[G] == ((1, 3), (6, 6)) and own_marks.read(path) == {G: 6}
        own_marks._KNOWN.clear()  # as a new process reads it
        assert own_marks.signed_ranges(path)[G] == ((1, 3), (6, 6)) and own_marks.read(path) == {G: 6}
        with open(path, "ab") as f:
            f.write(os.urandom(own_marks.COMPACT_AT))  # (a long file: the node's start rewrites it)
        own_marks.make_durable(store, compact=True)
        own_marks._KNOWN.clear()
        assert own_marks.signed_ranges(path)[G] == ((1, 3), (6, 6)) and own_marks.read(path) == {G: 6}
        assert path.stat().st_size == 3 * own_marks.RECORD.size
        own_marks._append(path, {D: 7})  # an earlier version's mark: 1..7
        assert own_marks.signed_ranges(path)[D] == ((1, 7),)
    finally:
        store.close()


def test_the_stretches_of_a_key_are_bounded(tmp_path: Path) -> None:
    path = own_marks.path_for(tmp_path / "solnet.db")
    for seq in range(10, 10 + 3 * (own_marks.MAX_RANGES + 2), 3):  # a gap after each
        own_marks._append(path, {G: seq}, {G: seq})
    kept = own_marks.signed_ranges(path)[G]
    assert len(kept) == own_marks.MAX_RANGES and kept[0][0] == 1 and kept[-1] == (seq, seq)


def test_marks_are_written_in_place_so_the_files_size_stays(tmp_path: Path) -> None:
    """A file whose size changes makes its fdatasync put the size in the file system's journal (ext4:
    a journal commit each, shared with whatever else the machine writes): the marks overwrite zeros
    made for them, and the file grows once in many commits."""
    path = own_marks.path_for(tmp_path / "solnet.db")
    own_marks._append(path, {D: 1})
    size = path.stat().st_size
    for seq in range(2, 41):
        own_marks._append(path, {D: seq})
        assert path.stat().st_size == size
    assert _marks_end(path) <= 40 * own_marks.RECORD.size
    own_marks._KNOWN.clear()  # (as a new process reads it)
    assert own_marks.read(path) == {D: 40} and own_marks.signed_ranges(path)[D] == ((1, 40),)
    own_marks._append(path, {D: 41})
    assert own_marks.read(path) == {D: 41} and path.stat().st_size == size


def test_a_mark_cut_short_is_written_over_and_the_marks_after_it_are_read(tmp_path: Path) -> None:
    """A power cut that left the last mark cut short: the next one goes where it began, on the grid of
    marks. Appended after it, every later mark read off the grid, as none (the file said nothing,
    and a lost event went unseen)."""
    path = own_marks.path_for(tmp_path / "solnet.db")
    path.write_bytes(own_marks._records({D: 3}) + own_marks._records({D: 4})[:-5])
    own_marks._KNOWN.clear()
    assert own_marks.read(path) == {D: 3}
    own_marks._append(path, {D: 5})
    own_marks._append(path, {G: 1})
    own_marks._KNOWN.clear()
    assert own_marks.read(path) == {D: 5, G: 1}


def test_marks_another_process_wrote_in_place_are_not_written_over(tmp_path: Path) -> None:
    """Another process's marks written where this one would write next, the file's stat as it was (the
    file system's clock ticks every few milliseconds): read, not overwritten."""
    path = own_marks.path_for(tmp_path / "solnet.db")
    own_marks._append(path, {D: 3})
    before = path.stat()
    with open(path, "r+b") as f:  # (another process, writing as this version does)
        f.seek(_marks_end(path))
        f.write(own_marks._records({G: 7}))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    own_marks._append(path, {D: 4})
    own_marks._KNOWN.clear()
    assert own_marks.read(path) == {D: 4, G: 7}


def test_marks_an_earlier_version_appended_past_the_zeros_are_read_and_kept(tmp_path: Path) -> None:
    path = own_marks.path_for(tmp_path / "solnet.db")
    own_marks._append(path, {D: 3})
    with open(path, "ab") as f:  # (an earlier solnet writes at the file's end)
        f.write(own_marks._records({G: 2}))
    assert own_marks.read(path) == {D: 3, G: 2}
    own_marks._append(path, {D: 4})
    own_marks._KNOWN.clear()
    assert own_marks.read(path) == {D: 4, G: 2}


def test_marks_another_process_wrote_in_place_are_read_though_the_files_stat_is_the_same(tmp_path: Path) -> None:
    """A `solnet vouch` in another terminal writes its mark in place while the node runs: the file's
    size stays, and its mtime too where the file system's clock is coarse (a tick of a few
    milliseconds before Linux 6.13, a second on ext4 with small inodes, two on FAT). The node, which
    read the file before, reads the new mark: else it took the home's own vouch with the group key
    for another home's (node/group_key_marks.py: "signed elsewhere") until its next write."""
    path = own_marks.path_for(tmp_path / "solnet.db")
    own_marks._append(path, {D: 3, G: 1})
    assert own_marks.read(path) == {D: 3, G: 1}  # (the node's view, kept by the file's stat)
    before = path.stat()
    other = f"from pathlib import Path; from node import own_marks; own_marks._append(Path({str(path)!r}), {{{G!r}: 2}})"
    subprocess.run([sys.executable, "-c", other], check=True, cwd=Path(own_marks.__file__).parents[1])
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # (the clock had not ticked)
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert own_marks.read(path) == {D: 3, G: 2}
    assert own_marks.signed_ranges(path)[G] == ((1, 2),)
    assert group_key_marks.not_signed(tmp_path / "solnet.db", NETWORK, GROUP, 2) == []


def test_a_marks_thread_that_fails_otherwise_than_by_the_disk_fails_that_write_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The thread that writes a lone publish's marks (own_marks._Early) meets what is not an OSError
    (a MemoryError on a Pi short of it): that write fails, its marks cut back, and the thread goes on.
    It died of it, and every later lone commit of the process (the node's every publish) waited for
    it for ever, the database thread with it."""
    store = Store(tmp_path / "solnet.db")
    marks = own_marks.path_for(tmp_path / "solnet.db")
    _in_network(store)
    real = os.fdatasync

    def fails_once(fd: int) -> None:
        monkeypatch.setattr(os, "fdatasync", real)
        raise MemoryError

    try:
        with store.write():
            own_marks.signed(store, DEVICE, 1)
        monkeypatch.setattr(os, "fdatasync", fails_once)
        with pytest.raises(MemoryError), store.write():
            own_marks.signed(store, DEVICE, 2)
        own_marks._KNOWN.clear()
        assert own_marks.read(marks) == {D: 1}  # (its mark cut back: that commit never was)
        written = threading.Event()

        def next_publish() -> None:
            with store.write():
                own_marks.signed(store, DEVICE, 2)
            written.set()

        threading.Thread(target=next_publish, daemon=True).start()
        assert written.wait(60), "the next lone write waits for a marks thread that is gone"
        own_marks._KNOWN.clear()
        assert own_marks.read(marks) == {D: 2}
    finally:
        store.close()


def test_a_marks_thread_that_cannot_be_started_leaves_the_marks_to_the_commit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that cannot start one more thread (RuntimeError "can't start new thread": a Pi short
    of memory, a limit on tasks) writes a lone publish's marks at its commit, as for a file it could not
    open early: the publish is stored with its mark, and no file is left open. The open file leaked and
    the publish failed."""
    store = Store(tmp_path / "solnet.db")
    marks = own_marks.path_for(tmp_path / "solnet.db")
    _in_network(store)
    monkeypatch.setattr(own_marks, "_SYNCER", own_marks._Syncer())  # (no marks thread yet in this process)

    def cannot_start(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    try:
        open_before = len(os.listdir("/proc/self/fd"))
        monkeypatch.setattr(threading.Thread, "start", cannot_start)
        with store.write():
            own_marks.signed(store, DEVICE, 1)
        monkeypatch.undo()
        assert len(os.listdir("/proc/self/fd")) == open_before, "the marks file was left open"
        own_marks._KNOWN.clear()
        assert own_marks.read(marks) == {D: 1}
    finally:
        store.close()


@pytest.mark.parametrize("at", ["refused", "full-rows", "full-commit"])
def test_a_failed_lone_write_takes_back_its_marks_alone(tmp_path: Path, at: str) -> None:
    """A lone publish's marks are on the disk before its transaction ends (own_marks._Early). When the
    transaction fails before its commit (its rows refused), they are taken back while it still holds
    the write lock (`refused`; cut after its ROLLBACK, another writer's mark was lost to the cut).
    A full disk (SQLITE_FULL) makes SQLite roll the whole transaction back by itself, in a
    statement or in its COMMIT: the write lock is free before the failed write takes its marks back.
    Another writer that took the lock in that moment (a `solnet vouch` in another terminal, the node)
    wrote its mark past them and committed; the failed write then cut the file back to where its own
    marks began, and that mark with them (its vouch read as another home's use of the group key,
    node/group_key_marks.py). Here the database's room is bounded (`max_page_count`, this connection's
    alone): SQLite fails the write as on a full disk, and ends its transaction itself."""
    db = tmp_path / "solnet.db"
    store, other = Store(db), Store(db)
    marks = own_marks.path_for(db)
    _in_network(store)
    try:
        with store.write():
            own_marks.signed(store, DEVICE, 2)
        committed: list[bytes] = []
        another_writer = _another_writer(other, committed)

        def fill(committing: bool) -> None:  # (runs after the marks were written: the disk fills)
            if committing:
                store._x(f"PRAGMA max_page_count={store._one('PRAGMA page_count')}")
                store._x("INSERT INTO meta(key, value) VALUES ('filler', zeroblob(200000))")

        with pytest.raises((StoreError, RuntimeError)), store.write():
            store.before_commit("a-writer-elsewhere", another_writer)
            own_marks.signed(store, DEVICE, 3)  # (written and synced at once: a lone write)
            if at == "refused":
                raise RuntimeError  # (its rows could not be written)
            if at == "full-rows":
                fill(True)
            else:
                store.before_commit("zz-the-disk-fills", fill)
        store._x("PRAGMA max_page_count=1073741823")
        assert committed == ([] if at == "refused" else [G]), "the lock was free, or not, as it should not be"
        own_marks._KNOWN.clear()  # (as the node reads the file at its next start)
        assert own_marks.read(marks) == {D: 2, **({G: 1} if committed else {})}
        assert own_marks.signed_ranges(marks).get(G) == (((1, 1),) if committed else None)
        with store.write():  # and the next write goes on from there
            own_marks.signed(store, DEVICE, 3)
        own_marks._KNOWN.clear()
        assert own_marks.read(marks) == {D: 3, **({G: 1} if committed else {})}
    finally:
        other.close()
        store.close()


def test_a_stalled_disk_is_said_while_a_publish_waits_for_its_marks_and_nothing_commits_before_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A lone publish's commit waits for its marks to be on the disk (own_marks._Early), and a disk
    that stalls (an SD card wearing out) holds that wait for as long as it stalls: nothing signed may be
    stored before its mark. It waited in silence, the publish hanging with no word of why. Now the
    operator's log says what waits and what to do, after STALL_SAY_S and again while it lasts, and when
    the disk is done. Here the marks' thread is held behind a write of the marks that does not end
    (as one whose fdatasync does not return), until the test lets it go: meanwhile another connection
    sees nothing of the transaction committed. (A COMMIT that did not wait for the marks is seen here,
    not by tests/integration/test_power_cut_at_every_point.py: on this machine's disk the marks'
    sync, begun first, always ended before the commit's own.)"""
    store, other, marks = _stalling(tmp_path, monkeypatch)
    disk_done = threading.Event()

    class _StalledWrite:  # (a job ahead of the publish's on the marks thread: the disk does not answer)
        def run(self) -> None:
            disk_done.wait(60)

    written = threading.Event()

    def publish() -> None:
        with store.write():
            store.set_meta("stored", b"1")  # (what the transaction stores beside the mark)
            own_marks.signed(store, DEVICE, 1)
        written.set()

    try:
        own_marks._SYNCER.start(_StalledWrite())  # type: ignore[arg-type]
        caplog.set_level("WARNING", logger="solnet.node.own_marks")
        threading.Thread(target=publish, daemon=True).start()
        said = lambda: sum("has not finished writing the marks of this publish" in r.getMessage()  # noqa: E731
                           for r in caplog.records)
        deadline = time.monotonic() + 30
        while said() < 2 and not written.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert other.get_meta("stored") is None, "the transaction committed before its marks were on the disk"
        assert not written.is_set() and own_marks.read(marks) == {}
        assert said() >= 2, "a stalled disk was not said in the log, nor again while it lasted"
        assert "check it" in caplog.records[0].getMessage()
        disk_done.set()
        assert written.wait(30), "the publish did not go on once the disk was done"
        assert any("finished writing the marks of this publish" in r.getMessage() for r in caplog.records)
        assert own_marks.read(marks) == {D: 1} and other.get_meta("stored") == b"1"
    finally:
        disk_done.set()
        other.close()
        store.close()


def test_a_writer_waits_for_another_writers_marks_and_says_so_when_the_disk_stalls(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Marks are placed in the file under its flock, held until they are synced (own_marks._Write): a
    writer that comes while another's sync has not returned (a stalled disk) waits, says so in the log,
    and writes past them once they are done, never over them. Here the test holds the flock, as
    another process whose fdatasync does not return."""
    monkeypatch.setattr(own_marks, "STALL_SAY_S", 0.05)
    monkeypatch.setattr(own_marks, "STALL_SAY_AGAIN_S", 0.05)
    store = Store(tmp_path / "solnet.db")
    marks = own_marks.path_for(tmp_path / "solnet.db")
    _in_network(store)
    written = threading.Event()

    def publish() -> None:
        with store.write():
            own_marks.signed(store, DEVICE, 2)
        written.set()

    try:
        with store.write():
            own_marks.signed(store, DEVICE, 1)
        held = os.open(marks, os.O_RDWR)
        try:
            fcntl.flock(held, fcntl.LOCK_EX)
            caplog.set_level("WARNING", logger="solnet.node.own_marks")
            threading.Thread(target=publish, daemon=True).start()
            said = lambda: any("another writer's marks" in r.getMessage() for r in caplog.records)  # noqa: E731
            deadline = time.monotonic() + 30
            while not said() and not written.is_set() and time.monotonic() < deadline:
                time.sleep(0.01)
            assert not written.is_set(), "the write went on while another writer's marks were not synced"
            assert said(), "the wait for a stalled disk was not said in the log"
        finally:
            os.close(held)  # (the other writer's sync returns)
        assert written.wait(30), "the write did not go on once the other writer's marks were synced"
        own_marks._KNOWN.clear()
        assert own_marks.read(marks) == {D: 2}
    finally:
        store.close()


@pytest.mark.parametrize("where", ["placing", "queueing"])
def test_a_write_that_fails_after_taking_the_marks_lock_lets_it_go(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    """A process short of memory (a Pi's) fails a lone publish after its marks took the file's flock:
    while their records are made (`placing`), or as they are handed to the marks' thread (`queueing`:
    a MemoryError, not the RuntimeError of a thread that cannot start). The open file was left open
    with the flock on it, and this process's every later write of marks waited for that flock for
    ever: every publish of the node hung (and the panic wipe's database part behind them), its log
    saying the disk had not finished writing another writer's marks. The flock is let go with the
    file, and the next publish is stored with its mark."""
    store = Store(tmp_path / "solnet.db")
    marks = own_marks.path_for(tmp_path / "solnet.db")
    _in_network(store)
    monkeypatch.setattr(own_marks, "_SYNCER", own_marks._Syncer())  # (no marks thread yet in this process)
    try:
        with store.write():
            own_marks.signed(store, DEVICE, 1)
        open_before = len(os.listdir("/proc/self/fd"))

        def short_of_memory(*_args: object, **_kwargs: object) -> None:
            raise MemoryError

        if where == "placing":
            monkeypatch.setattr(own_marks, "_records", short_of_memory)
        else:
            monkeypatch.setattr(own_marks._Syncer, "start", short_of_memory)
        with pytest.raises(MemoryError), store.write():
            own_marks.signed(store, DEVICE, 2)
        monkeypatch.undo()
        assert len(os.listdir("/proc/self/fd")) == open_before, "the marks file was left open"
        probe = os.open(marks, os.O_RDWR)
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # (BlockingIOError: still held, every later write waits)
        finally:
            os.close(probe)
        with store.write():
            own_marks.signed(store, DEVICE, 2)
        own_marks._KNOWN.clear()
        assert own_marks.read(marks) == {D: 2}
    finally:
        store.close()


def test_a_stalled_disk_is_said_while_a_group_of_publishes_waits_for_its_marks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """A group commit (several publishes in flight: a node under load) writes its marks once, at its
    commit; a disk that stalls in their sync held them in silence, the publishes hanging with no word
    in the log, where a lone publish's wait is said (own_marks._Early). Said the same way now, and
    nothing commits before them. Here the marks' fdatasync does not return until the test lets it."""
    store, other, marks = _stalling(tmp_path, monkeypatch)
    syncing, disk_done, written = threading.Event(), threading.Event(), threading.Event()
    real_fdatasync = os.fdatasync

    def stalled_fdatasync(fd: int) -> None:
        syncing.set()
        disk_done.wait(60)
        real_fdatasync(fd)

    def publish() -> None:
        with store.group():
            with store.write():
                store.set_meta("stored", b"1")
                own_marks.signed(store, DEVICE, 1)
            with store.write():
                own_marks.signed(store, GROUP, 1)
        written.set()

    try:
        monkeypatch.setattr(os, "fdatasync", stalled_fdatasync)
        caplog.set_level("WARNING", logger="solnet.node.own_marks")
        threading.Thread(target=publish, daemon=True).start()
        assert syncing.wait(30), "the group's marks were not synced"
        said = lambda: any("has not finished writing" in r.getMessage() for r in caplog.records)  # noqa: E731
        deadline = time.monotonic() + 20
        while not said() and not written.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert other.get_meta("stored") is None, "the group committed before its marks were on the disk"
        assert said(), "a stalled disk under a group of publishes was not said in the log"
        disk_done.set()
        assert written.wait(30), "the group did not go on once the disk was done"
        assert any("finished writing" in r.getMessage() for r in caplog.records)
        own_marks._KNOWN.clear()
        assert own_marks.read(marks) == {D: 1, G: 1} and other.get_meta("stored") == b"1"
    finally:
        disk_done.set()
        other.close()
        store.close()


def test_marks_past_a_failed_writes_taken_back_ones_are_read_though_the_clock_had_not_ticked(tmp_path: Path) -> None:
    """A failed write takes its marks back by zeroing them in place (another writer's marks may lie
    past them). Where the file system's clock is coarse (a second on ext4 with small inodes, two on
    FAT) the file's stat then said what it said before both writes, its mtime moved on by a nanosecond
    the file system does not keep: the node, which read the file before, looked where the next mark
    goes, found the zeros and missed the other writer's mark past them (its own vouch with the group
    key taken for another home's, node/group_key_marks.py), and its next mark went there, before it."""
    path = own_marks.path_for(tmp_path / "solnet.db")
    own_marks._append(path, {D: 3})
    assert own_marks.read(path) == {D: 3}  # (the node's view, kept by the file's stat)
    before = path.stat()
    others = ("from pathlib import Path; from node import own_marks; p = Path({!r})\n"
              "failed = own_marks._append(p, {{{!r}: 4}})  # (a publish whose commit then fails: a full disk)\n"
              "own_marks._append(p, {{{!r}: 1}})  # (a vouch in another terminal, committed)\n"
              "own_marks._take_back(p, *failed)").format(str(path), D, G)
    subprocess.run([sys.executable, "-c", others], check=True, cwd=Path(own_marks.__file__).parents[1])
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # (the clock had not ticked)
    assert own_marks.read(path) == {D: 3, G: 1}
    assert group_key_marks.not_signed(tmp_path / "solnet.db", NETWORK, GROUP, 1) == []
    own_marks._append(path, {D: 4})
    own_marks._KNOWN.clear()
    assert own_marks.read(path) == {D: 4, G: 1}


def test_marks_taken_back_after_a_compaction_leave_the_new_file_alone(tmp_path: Path) -> None:
    """A commit that fails on a full disk has its write lock freed by SQLite before it takes its marks
    back by their places in the file; a node's start may compact the file in that instant. Those
    places then named other records of the new file: the zeros went over the marks it had kept (here
    the key's only record), and the next publish could sign a seq already shown (a fork)."""
    store = Store(tmp_path / "solnet.db")
    path = own_marks.path_for(tmp_path / "solnet.db")
    try:
        failed = own_marks._append(path, {D: 1})  # (the commit that fails: its marks wait to be taken back)
        for seq in range(2, own_marks.COMPACT_AT // own_marks.RECORD.size + 3):
            own_marks._append(path, {D: seq})
        own_marks.make_durable(store, compact=True)
        assert path.stat().st_size == own_marks.RECORD.size and own_marks.read(path) == {D: seq}
        own_marks._take_back(path, *failed)
        assert own_marks.read(path) == {D: seq}, "the compacted file's marks were zeroed"
    finally:
        store.close()
