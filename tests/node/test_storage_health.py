"""What a running node says when a write fails (node/net/storage_health.py): the problem in words,
what will end it, at most once a minute."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from node.net.storage_health import StorageHealth
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
    assert said(caplog) == [said(caplog)[0]] and "until some space is freed" in said(caplog)[0]
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
