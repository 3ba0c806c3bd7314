"""A disk failing under a home, told apart from a damaged file by asking the file system.

An SD card wearing out is the commonest failure of a Raspberry Pi: its reads and writes start to
fail with I/O errors, and the kernel turns the file system read-only. SQLite then reports an I/O
error, a read-only database, or even a "malformed" one (a page it could not read); taken as a
damaged file, the advice was to move the file aside and rebuild it, on the same failing card. So
when the database fails in one of those ways, `failure` writes and reads a few bytes beside it: if
the file system refuses, the disk is the problem, and what to do is to move the home to another.
Only on an error path: a healthy node never probes.

And a disk nearly full, said before it is (`low_space`): a Pi's card fills slowly (the system's
logs, a first sync), and its member learnt of it only once nothing more could be stored.
"""
from __future__ import annotations

import errno
import os
import shutil
import time
from pathlib import Path

# The errors of a disk that fails or went away, not of a file: an I/O error, a file system turned
# read-only (after errors, or by hand), a device unplugged.
FAILING_ERRNOS = frozenset({errno.EIO, errno.EROFS, errno.ENXIO, errno.ENODEV, errno.ESHUTDOWN})
PROBE_NAME = ".solnet-disk-check"
RECHECK_S = 1.0  # at most one probe a second, however many requests fail
_checked: dict[str, tuple[float, str | None]] = {}  # folder -> (when, what failed): at most a few homes


def is_failing(exc: OSError) -> bool:
    """Does this OS error say the disk fails (rather than a file missing, a permission, a full disk)?"""
    return exc.errno in FAILING_ERRNOS


def failure(folder: Path) -> str | None:
    """What the file system holding `folder` refuses, in its own words (None: it reads and writes).
    Asked again within RECHECK_S, the last answer: a damaged database fails every request, and
    each probe costs an fsync (flash wears)."""
    key, now = os.path.abspath(folder), time.monotonic()
    last = _checked.get(key)
    if last is not None and now - last[0] < RECHECK_S:
        return last[1]
    answer = _probe(folder)
    _checked[key] = (now, answer)
    return answer


def _probe(folder: Path) -> str | None:
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "its file system is read-only"
        probe = Path(folder) / f"{PROBE_NAME}.{os.getpid()}"
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, b"solnet")
                os.fsync(fd)
            finally:
                os.close(fd)
            if probe.read_bytes() != b"solnet":
                return "what was written there reads back different"
        finally:
            try:
                probe.unlink()
            except OSError:
                pass
    except OSError as exc:
        return exc.strerror if is_failing(exc) else None
    return None


# Below this much free space the disk counts as nearly full: a first sync of 100,000 events takes
# about 70 MiB of database, and storing needs room for the write-ahead log to be copied besides.
LOW_BYTES = 128 << 20


def low_space(folder: Path) -> int | None:
    """The free bytes of the disk holding `folder` when it is nearly full (below LOW_BYTES), else
    None (None too when it cannot be read: a failing disk is said by `failure`)."""
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    return free if free < LOW_BYTES else None


def low_space_facts(folder: Path) -> dict | None:
    """`solnet status`'s facts of a disk nearly full: its free bytes and the folder (None: not nearly full)."""
    free = low_space(folder)
    return None if free is None else {"free_bytes": free, "folder": str(folder)}


def low_space_text(folder: str | Path, free: int) -> str:
    """What `solnet status` says of a disk nearly full (`low_space`), and what to do."""
    how = f"full ({free >> 10} KiB free): the node stores" if free < 1 << 20 else \
        f"nearly full ({free >> 20} MiB free): once it is full the node stores"
    return (f"the disk holding {folder} is {how} nothing more, neither what peers send nor what this group "
            "publishes (a first sync of 100,000 events takes about 70 MiB). Free some space on that disk "
            f"(`df -h {folder}` shows it), outside that folder: what is in it is the node's own. Old system logs, "
            "for one, go with `sudo journalctl --vacuum-size=50M`")


def failing_advice(folder: Path, why: str) -> str:
    """What to say, and do, when the disk holding the home `folder` fails."""
    return (f"the disk holding {folder} fails ({why}): the SD card or drive may be wearing out, or it was unplugged "
            "or turned read-only; nothing more can be stored on it. Stop the node and copy the folder to another "
            "disk (its keystore holds this node's keys, which cannot be made again; events it lacks come back from "
            "peers), then run the node from the copy (`solnet --home COPY run`) and replace or check the card")
