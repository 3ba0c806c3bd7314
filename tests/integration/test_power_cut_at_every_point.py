"""Wherever a power cut or a kill -9 comes while a node publishes, its database never holds an event of
its own keys that the marks of what it signed (node/own_marks.py) do not cover.

A lone publish writes and syncs its marks on another thread while its transaction writes its rows
(own_marks._Early), and the commit waits for that sync before its COMMIT: a database
holding more than the marks would make the home take its own event for another home's use of its key
(tests/integration/test_power_cut_after_group_key_vouch.py), or sign over it after a lost mark. A real
node publishes through its API, alone and several at once (a group commit), under strace; the home's
files are then rebuilt as the disk would hold them after a cut at each line of the trace: a power cut
keeps what a sync that returned covers (tests/integration/power_cut.py), a kill -9 keeps everything
written until then. Each rebuilt home is opened by SQLite and compared with its marks."""
from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

from local_cluster import Cluster, api, holds
from node import own_marks
import power_cut
from test_power_cut_after_publish import ALERT, _running

ALONE, TOGETHER = 4, 4  # publishes one after the other, then at once


async def _at_once(post, count: int) -> list:
    return await asyncio.gather(*(asyncio.to_thread(post) for _ in range(count)))


def _not_yet(lines: list[str], at: int, files: list[Path]) -> dict[Path, int]:
    """A cut after line `at`: what was written from then on never was. For each file written later in
    the trace, the lowest offset written (these files are only written past what they held, or over
    zeros made for the marks: power_cut.py): the file holds, below it, what it held at the cut."""
    later = [line for line in lines[at:] if not any(f" {name}(" in line or f"<... {name} resumed>" in line
                                                   for name in ("fsync", "fdatasync"))]
    return power_cut.lost_tails("\n".join(later), files)


def _lower(*cuts: dict[Path, int]) -> dict[Path, int]:
    out: dict[Path, int] = {}
    for cut in cuts:
        for file, offset in cut.items():
            out[file] = min(offset, out.get(file, offset))
    return out


def _heads_and_marks(home: Path, cuts: dict[Path, int], into: Path) -> tuple[dict[bytes, int], dict[bytes, int]]:
    """The home's files cut at `cuts` (copied into `into`): the database's head seq of each author,
    and the marks' newest seq of each key (network + author)."""
    into.mkdir()
    for file in power_cut.home_files(home):
        if file.exists():
            copy = into / file.name
            shutil.copyfile(file, copy)
            if file in cuts:
                with open(copy, "r+b") as handle:
                    handle.truncate(cuts[file])
    db = sqlite3.connect(into / "solnet.db")
    try:
        heads = dict(db.execute("SELECT k.key, h.seq FROM heads h JOIN keys k ON k.k = h.k"))
    finally:
        db.close()
    return heads, own_marks.read(own_marks.path_for(into / "solnet.db"))


def test_the_database_never_holds_more_than_the_marks_at_any_cut(cluster: Cluster, tmp_path: Path) -> None:
    calais, bristol = _running(cluster)
    trace = tmp_path / "bristol.strace"
    with power_cut.attached(bristol.proc.pid, trace):
        alone = [bytes.fromhex(api(bristol, "/api/v1/events", {"kind": "alert", "fields": ALERT})["event"]["id"])
                 for _ in range(ALONE)]
        together = [bytes.fromhex(answer["event"]["id"]) for answer in asyncio.run(_at_once(
            lambda: api(bristol, "/api/v1/events", {"kind": "alert", "fields": ALERT}), TOGETHER))]
        cluster.wait(lambda: all(holds(calais, e) for e in alone + together), 30, "Bristol's alerts on Calais")
        cluster.kill(bristol)
    home = bristol.home.path
    files = power_cut.home_files(home)
    lines = trace.read_text(errors="replace").splitlines()
    names = {str(f.resolve()) for f in files}
    points = [i for i, line in enumerate(lines) if any(name in line for name in names)] + [len(lines)]
    own = {key[32:]: seq for key, seq in own_marks.read(files[2]).items()}
    assert len(own) >= 1 and max(own.values()) >= ALONE + TOGETHER, own  # (the marks name what was published)
    seen: set[tuple] = set()
    checked = 0
    for at in points:
        later = _not_yet(lines, at, files)  # a kill -9 keeps what was written; a power cut what was synced too
        for how, cuts in (("a power cut", _lower(power_cut.lost_tails("\n".join(lines[:at]), files), later)),
                          ("a kill -9", later)):
            shape = tuple(sorted((f.name, offset) for f, offset in cuts.items()))
            if shape in seen:
                continue
            seen.add(shape)
            assert files[0] not in cuts, "the database file itself was written: a checkpoint this test cannot follow"
            heads, marks = _heads_and_marks(home, cuts, tmp_path / f"cut{len(seen)}")
            for author in own:
                held = heads.get(author, 0)
                marked = max((seq for key, seq in marks.items() if key[32:] == author), default=0)
                assert held <= marked, (f"{how} after line {at} ({lines[at - 1] if at else ''!r}) leaves the database "
                                        f"at seq {held} of its own key, the marks at {marked}: cut {cuts}")
            checked += 1
    assert checked >= ALONE + 2, f"only {checked} distinct cuts: the trace did not follow the publishes"
