"""The power-cut model (tests/integration/power_cut.py `lost_tails`) on traces whose lines are strace's
own (strace -f -y -s 0, as `power_cut.command` runs it): a sync covers what was written before it
began, and only once it has returned. The model credited a sync at its start: a cut (or a command's
answer) while it was under way, or a sync that failed, counted the file as on the disk."""
from __future__ import annotations

from pathlib import Path

import power_cut


def _wal(tmp_path: Path) -> Path:
    wal = tmp_path / "solnet.db-wal"
    wal.write_bytes(b"")
    return wal


def _lost(trace: str, wal: Path, *, until_answer: bool = False) -> dict[str, int]:
    return {file.name: offset for file, offset in
            power_cut.lost_tails(trace.replace("WAL", str(wal.resolve())), [wal], until_answer=until_answer).items()}


def test_a_sync_still_under_way_when_the_command_answers_covers_nothing(tmp_path: Path) -> None:
    """The database thread's fdatasync had begun, not returned, when the command printed its answer
    (as `strace -e inject=fdatasync:delay_exit=300000` shows a real Python program doing it)."""
    trace = ("15887 pwrite64(3<WAL>, \"\"..., 4152, 32) = 4152\n"
             "16001 fdatasync(3<WAL> <unfinished ...>\n"
             "15887 write(1</tmp/out>, \"\"..., 7) = 7\n"
             "16001 <... fdatasync resumed>)          = 0\n")
    assert _lost(trace, _wal(tmp_path), until_answer=True) == {"solnet.db-wal": 32}
    # Once it has returned before the answer, it covers what was written before it began.
    returned = trace.splitlines(keepends=True)
    assert _lost("".join([returned[0], returned[1], returned[3], returned[2]]), _wal(tmp_path),
                 until_answer=True) == {}


def test_a_sync_the_power_cut_came_during_covers_nothing(tmp_path: Path) -> None:
    trace = ("15887 pwrite64(3<WAL>, \"\"..., 4152, 32) = 4152\n"
             "15887 fdatasync(3<WAL> <unfinished ...>\n"
             "15887 +++ killed by SIGKILL +++\n")
    assert _lost(trace, _wal(tmp_path)) == {"solnet.db-wal": 32}
    trace = ("15887 pwrite64(3<WAL>, \"\"..., 4152, 32) = 4152\n"
             "15887 fdatasync(3<WAL>)             = 0\n")
    assert _lost(trace, _wal(tmp_path)) == {}


def test_a_failed_sync_covers_nothing(tmp_path: Path) -> None:
    trace = ("15887 pwrite64(3<WAL>, \"\"..., 4152, 32) = 4152\n"
             "15887 fsync(3<WAL>)                 = -1 EIO (Input/output error)\n")
    assert _lost(trace, _wal(tmp_path)) == {"solnet.db-wal": 32}


def test_a_sync_covers_only_what_was_written_before_it_began(tmp_path: Path) -> None:
    """Another thread's write that returned while the sync ran may have come after the sync's flush."""
    trace = ("15887 pwrite64(3<WAL>, \"\"..., 4152, 32) = 4152\n"
             "16001 fdatasync(3<WAL> <unfinished ...>\n"
             "15887 pwrite64(3<WAL>, \"\"..., 4152, 4184) = 4152\n"
             "16001 <... fdatasync resumed>)          = 0\n")
    assert _lost(trace, _wal(tmp_path)) == {"solnet.db-wal": 4184}


def test_a_write_under_way_at_the_cut_may_have_reached_the_cache(tmp_path: Path) -> None:
    trace = ("15887 fdatasync(3<WAL>)             = 0\n"
             "16001 pwrite64(3<WAL>, \"\"..., 4152, 4184 <unfinished ...>\n"
             "16001 +++ killed by SIGKILL +++\n")
    assert _lost(trace, _wal(tmp_path)) == {"solnet.db-wal": 4184}
