"""What a running node says when a write fails (node/net/storage_health.py): the problem in words,
what will end it, at most once a minute."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from node.net.storage_health import NEEDED_BYTES, StorageHealth
from node.store import DatabaseDamaged, StorageFull, StoreError
from node.store.errors import REBUILD_ADVICE


def said(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.endswith("storage_health")]


def test_a_full_disk_asks_for_space_and_a_locked_database_does_not(tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    health = StorageHealth(tmp_path)
    health.running = True
    assert health.failed(StorageFull("the disk is full: nothing was stored")) == "the disk is full"
    health.failed(StorageFull("the disk is full: nothing was stored"))  # again at once: said once
    assert said(caplog) == [said(caplog)[0]] and "Free at least" in said(caplog)[0]
    assert health.trouble() == "the disk is full"

    caplog.clear()
    other = StorageHealth(tmp_path)
    other.running = True
    problem = other.failed(StoreError("database error on solnet.db: database is locked"))
    assert problem.startswith("the database cannot be written") and "database is locked" in problem
    message = said(caplog)[0]
    assert "space" not in message and "can be written again" in message, message


def test_a_damaged_database_says_what_to_do_instead_of_waiting(tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    health = StorageHealth(tmp_path)
    health.running = True
    damaged = DatabaseDamaged(f"the database {tmp_path}/solnet.db is damaged (database disk image is malformed). "
                              + REBUILD_ADVICE)
    assert health.failed(damaged) == str(damaged)
    [message] = said(caplog)
    assert "solnet join FILE" in message and "tries again" not in message and "cannot be written" not in message
    assert [r.levelno for r in caplog.records if r.name.endswith("storage_health")] == [logging.ERROR]


def test_rounds_try_again_as_soon_as_the_disk_has_what_the_node_needs(tmp_path: Path) -> None:
    """A Pi's disk full with 500 KiB left: its operator deletes 700 KiB of old logs. Rounds waited a
    minute (RETRY_S) unless a whole MiB more was freed, a raid alert with them; they go again as
    soon as NEEDED_BYTES are free. Less than that, and nothing more was freed: they still wait."""
    free = [500 << 10]
    health = StorageHealth(tmp_path, free_bytes=lambda home: free[0])
    health.running = True
    health.failed(StorageFull("the disk is full: nothing was stored"))
    free[0] = NEEDED_BYTES - 1  # freed some, not enough for a batch
    assert health.trouble() == "the disk is full" and health.full()
    free[0] = 1200 << 10  # 700 KiB freed: 1.2 MiB free
    assert free[0] >= NEEDED_BYTES and health.trouble() is None and not health.full()

    capped = StorageHealth(tmp_path, free_bytes=lambda home: free[0])  # failed with space left (a capped file)
    capped.failed(StorageFull("the disk is full: nothing was stored"))
    free[0] += 4096  # a log rotated: not a reason to stream a round again
    assert capped.trouble() == "the disk is full"
    free[0] += NEEDED_BYTES
    assert capped.trouble() is None


def test_the_full_disk_warning_names_the_folder_and_what_to_free_and_says_when_it_is_over(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """What an operator reads in `journalctl -u solnet`: it said "the disk is full: ... until some
    space is freed", naming neither the disk nor how much, and nothing once space was freed."""
    caplog.set_level(logging.INFO)
    free = [300 << 10]
    health = StorageHealth(tmp_path, free_bytes=lambda home: free[0])
    health.running = True
    health.failed(StorageFull("the disk is full: nothing was stored"))
    [warning] = said(caplog)
    assert str(tmp_path) in warning and "300 KiB free" in warning and "at least 1.0 MiB" in warning, warning
    assert f"df -h {tmp_path}" in warning and "delete nothing there" in warning, warning
    caplog.clear()
    free[0] = 5 << 20
    assert health.trouble() is None
    assert said(caplog) == [f"the disk holding {tmp_path} has room again (5.0 MiB free): storing again"]
