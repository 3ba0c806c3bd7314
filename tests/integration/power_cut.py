"""What a power cut would leave of a home's files, worked out from an strace of the processes that wrote them.

A kill -9 loses nothing a process wrote: the kernel's page cache outlives it. A power cut loses what
reached the page cache after the file's last fsync (or fdatasync). `strace -f -y` names the file of
each pwrite64 with its offset and length, and each sync: for each file, what was written after its
last sync is what the cut takes. While traced, the home's files are written only past what they held
(SQLite's WAL between two checkpoints; the marks of what the home signed, over zeros made for them,
which read as no mark), so the cut is a truncation at the lowest offset written after the file's last
sync. A file written any other way (a plain write, a truncation, SQLite's database file itself: a
checkpoint) fails the test, which then cannot tell what the cut leaves.

strace is a Debian package (.ci/run installs it). Without it the tests that use this module are skipped,
saying so, unless SOLNET_REQUIRE_STRACE=1 (CI), which makes that a failure.

Exactly when a sync counts: it covers what was written before it began, and only once it has
returned (one under way at the cut or at a command's answer, or one that failed, covers nothing);
strace shows a call one thread began and another interrupted as `<unfinished ...>`, then
`<... resumed>`. A write under way at the cut may have reached the page cache, and is taken too.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from node.demo import localnet

# Every way a file's bytes or their durability can change, so that none goes unseen (see `lost_tails`).
SYSCALLS = "pwrite64,pwritev,pwritev2,write,writev,fsync,fdatasync,sync_file_range,ftruncate,sync,syncfs"
ATTACH_TIMEOUT_S = 30.0
EXIT_TIMEOUT_S = 30.0
_CALL = re.compile(r"^(\d+)\s+(\w+)\((\d+)<([^>]*)>(.*)$")
_RESUMED = re.compile(r"^(\d+)\s+<\.\.\. (\w+) resumed>")
_RESULT = re.compile(r"\)\s+= (-?\d+|\?)")  # what a call returned ("?": its process died in it)
_PWRITE = re.compile(r", (\d+), (\d+)(?:\)| <unfinished)")  # its length and offset
_SYNCS = ("fsync", "fdatasync")


def strace() -> str:
    """The strace program, or the test is skipped (failed with SOLNET_REQUIRE_STRACE=1)."""
    found = shutil.which("strace")
    if found is None:
        if os.environ.get("SOLNET_REQUIRE_STRACE") == "1":
            pytest.fail("strace is missing and SOLNET_REQUIRE_STRACE=1: install Debian's strace")
        pytest.skip("strace is not installed (Debian: apt-get install strace): cannot tell what reached the disk")
    return found


def command(out: Path) -> list[str]:
    """The strace command line that writes to `out` what `lost_tails` reads (add `-p PID` or a command)."""
    return [strace(), "-f", "-y", "-s", "0", "-o", str(out), "-e", f"trace={SYSCALLS}"]


@contextmanager
def attached(pid: int, out: Path) -> Iterator[None]:
    """Trace the running process `pid` (all its threads, and children it starts) into `out`, from
    when strace says it is attached, to the end of the block (where the test has killed it, as a
    power cut does: all it did is in `out` once strace has stopped)."""
    said = out.with_suffix(".said")
    with open(said, "wb") as err:
        proc = subprocess.Popen([*command(out), "-p", str(pid)], stderr=err, stdin=subprocess.DEVNULL)
    try:
        if not localnet.wait_until(lambda: b"attached" in said.read_bytes() or proc.poll() is not None,
                                   ATTACH_TIMEOUT_S, 0.05) or b"attached" not in said.read_bytes():
            told = said.read_text(errors="replace")
            if "Operation not permitted" in told and os.environ.get("SOLNET_REQUIRE_STRACE") != "1":
                # (Yama's ptrace_scope or a container without CAP_SYS_PTRACE: a laptop's tests skip)
                pytest.skip(f"strace may not attach to a running process here: {told.strip()}")
            pytest.fail(f"strace did not attach to {pid}: {told}")
        yield
        proc.terminate()  # (it detaches from what it still traces, a child the node left, and writes out the rest)
        proc.wait(EXIT_TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)


def home_files(home: Path) -> list[Path]:
    """The database, its write-ahead log, and the marks of what the home signed (node/own_marks.py)."""
    db = home / "solnet.db"
    return [db, db.with_name("solnet.db-wal"), db.with_name("solnet.db-signed")]


def lost_tails(trace: str, files: Sequence[Path], *, until_answer: bool = False) -> dict[Path, int]:
    """For each of `files` written where no sync that returned covers it in `trace` (strace -f -y
    output): the offset from which a power cut would lose it. Fails the test on a write of them this
    model cannot follow. `until_answer`: a power cut at the moment a command answered (its first write
    to its standard output), not at the end of the trace; run the command with PYTHONUNBUFFERED=1, else
    its answer is written when it exits, after the store's close has synced what the cut should find
    unsynced."""
    names = {str(f.resolve()): f for f in files}
    writes: dict[Path, list[tuple[int, int]]] = {}  # file -> (line of the write's return, offset)
    synced: dict[Path, int] = {}  # file -> line where the latest-begun sync that returned began
    under_way: dict[str, tuple[str, Path, int]] = {}  # pid -> its call not returned: (name, file, offset or line begun)

    def returned(name: str, file: Path, at: int, line: int, result: str) -> None:
        if name in _SYNCS:
            if result == "0":
                synced[file] = max(synced.get(file, -1), at)
        elif result == "?" or int(result) > 0:  # (a write its process died in may have been made)
            writes.setdefault(file, []).append((line, at))

    lines = trace.splitlines()
    for i, line in enumerate(lines):
        if (resumed := _RESUMED.match(line)) is not None:
            if resumed[1] in under_way and (result := _RESULT.search(line)) is not None:
                returned(*under_way.pop(resumed[1]), i, result[1])
            continue
        call = _CALL.match(line)
        if until_answer and call is not None and call[2] == "write" and call[3] == "1":
            break
        if call is None or call[4] not in names:
            continue
        pid, name, file, rest = call[1], call[2], names[call[4]], call[5]
        args = _PWRITE.search(rest) if name == "pwrite64" else None
        if name not in _SYNCS and args is None:
            pytest.fail(f"{file.name} was written in a way this test cannot follow: {line}")
        at = i if args is None else int(args[2])
        if rest.endswith("<unfinished ...>"):
            under_way[pid] = (name, file, at)
        elif (result := _RESULT.search(rest)) is not None:
            returned(name, file, at, i, result[1])
        else:
            pytest.fail(f"this test cannot read what a call on {file.name} returned: {line}")
    for name, file, at in under_way.values():  # the cut came during these: a write may have reached the cache
        if name not in _SYNCS:
            writes.setdefault(file, []).append((len(lines), at))
    return {file: min(offset for at, offset in done if at > synced.get(file, -1))
            for file, done in writes.items() if any(at > synced.get(file, -1) for at, _ in done)}


def cut_power(trace: Path, home: Path) -> dict[str, int]:
    """Leave the home's database files as the disk would hold them after a power cut at the end of
    `trace` (its processes gone): each written file cut where it was no longer synced. The database file
    itself must not have been written unsynced (a checkpoint: cutting it would not say what the disk
    had). What was cut: {file name: bytes lost}."""
    files = home_files(home)
    db = files[0]
    cuts = lost_tails(trace.read_text(errors="replace"), files)
    assert db not in cuts, "the database file itself was written after its last sync (a checkpoint): cannot simulate"
    lost = {}
    for file, offset in cuts.items():
        size = file.stat().st_size
        os.truncate(file, offset)
        lost[file.name] = size - offset
    db.with_name("solnet.db-shm").unlink(missing_ok=True)  # (memory only: rebuilt from the WAL at the next open)
    return lost
