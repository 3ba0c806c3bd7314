"""A read never needs a temporary file: SQLite sorted past its page cache into one (in
$SQLITE_TMPDIR, /var/tmp or /tmp), and on a full disk (a Pi's card) the read failed as "disk full":
the API answered a GET with a 507 its document does not declare for reads. The store keeps sorts and
temporary tables in memory (node/store/store.py TEMP_IN_MEMORY). The full disk is a real tmpfs
filled to its last byte, in a mount namespace of the test's own (root only); the database itself is
on another disk, with room."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FULL_TEMP_DISK = """
set -e
mount -t tmpfs -o size=1m tmpfs "$SQLITE_TMPDIR"
fallocate -l $(( $(df -k --output=avail "$SQLITE_TMPDIR" | tail -1) * 1024 )) "$SQLITE_TMPDIR/filler"
exec "$@"
"""

# A sort of ~25 MB (more than the store's 8 MiB page cache, which SQLite spills a sort past), on a
# Store as the node and `solnet` commands open it, then on a read-only one.
SORT = """
import sys
from pathlib import Path
from node.store import Store

BIG_SORT = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) "
            "SELECT count(*) FROM (SELECT x, randomblob(100) AS b FROM c ORDER BY b)")
path = Path(sys.argv[1])
for readonly in (False, True):
    store = Store(path, readonly=readonly)
    try:
        print(store._one(BIG_SORT))
    finally:
        store.close()
"""


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="needs root and unshare (a tmpfs)")
@pytest.mark.skipif(shutil.which("fallocate") is None, reason="needs fallocate (util-linux)")
def test_a_large_sort_on_a_full_temporary_disk_is_not_a_full_disk(tmp_path: Path) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "SQLITE_TMPDIR": str(temp), "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    ran = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", FULL_TEMP_DISK, "sh",
                          sys.executable, "-c", SORT, str(tmp_path / "events.db")],
                         env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.split() == ["200000", "200000"], ran.stdout
