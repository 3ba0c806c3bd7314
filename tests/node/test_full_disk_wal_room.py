"""A disk filled during a sync leaves what was stored in the write-ahead log (solnet.db-wal), not in
the database file; copying it there grows the file by up to the log's size. Reproduced on a 24 MiB
tmpfs: with 12 MiB of log, each "free 1 MiB" let a checkpoint fail half-way (its part of the file
took the MiB) and stored nothing, four times over. The advice now names the room the log needs,
and the node waits for that much (not 1 MiB) before it says "room again" and stores again. On the
real home files of a real StorageHealth; the free space is the test's."""
from __future__ import annotations

from pathlib import Path

from node.net.storage_health import NEEDED_BYTES, StorageHealth
from node.store import StorageFull

MIB = 1 << 20


def test_the_room_asked_for_and_waited_for_counts_the_write_ahead_log(tmp_path: Path) -> None:
    (tmp_path / "solnet.db").write_bytes(bytes(4096))
    (tmp_path / "solnet.db-wal").write_bytes(bytes(12 * MIB))  # stored, not yet in the database file
    free = [0]
    health = StorageHealth(tmp_path, free_bytes=lambda home: free[0])
    assert health.needed() == NEEDED_BYTES + 12 * MIB
    assert "Free at least 13.0 MiB" in health._full_advice(0) and "solnet.db-wal" in health._full_advice(0)
    health.failed(StorageFull("database or disk is full"))
    free[0] = MIB  # what the words said before: the checkpoint cannot copy 12 MiB into 1 MiB
    assert health.full(), "1 MiB freed taken as room again"
    free[0] = 13 * MIB
    assert not health.full()
