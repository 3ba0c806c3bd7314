"""node/disk.py: a healthy folder is not taken for a failing disk, and the probe leaves nothing
behind. (A disk that fails is tested with a real file system shut down: tests/netns/test_disk_failing.py.)"""
from __future__ import annotations

import errno
from pathlib import Path

from node import disk


def test_a_healthy_folder_reads_and_writes_and_keeps_no_probe(tmp_path: Path) -> None:
    assert disk.failure(tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_only_the_errors_of_a_disk_count_as_failing() -> None:
    assert all(disk.is_failing(OSError(code, "x")) for code in (errno.EIO, errno.EROFS, errno.ENODEV))
    assert not any(disk.is_failing(OSError(code, "x")) for code in (errno.ENOSPC, errno.EACCES, errno.ENOENT))

