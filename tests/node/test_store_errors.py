"""The store speaks in its own errors: a full disk is StorageFull (told by SQLite's result code), a
damaged file is DatabaseDamaged with what to do; callers never see sqlite3's exceptions."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from node.store import DatabaseDamaged, StorageFull, Store, StoreError
from node_fixtures import Net, action, wires


def test_a_file_that_is_not_a_database_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "solnet.db"
    path.write_bytes(b"this is not an SQLite database, it was overwritten by accident " * 100)
    with pytest.raises(DatabaseDamaged) as refused:
        Store(path)
    assert "damaged" in str(refused.value) and "move the file aside" in str(refused.value)
    assert not isinstance(refused.value, sqlite3.Error)


def test_a_database_with_damaged_pages_is_refused_with_advice_once(net: Net, tmp_path: Path) -> None:
    """An SD card's bad sectors: the file starts as a database, but pages within are garbage."""
    path = tmp_path / "solnet.db"
    log = net.new_log(path)
    log.ingest(wires(net.group.made))
    log.store.checkpoint()
    log.store.close()
    data = bytearray(path.read_bytes())
    for page in range(1, len(data) // 4096):  # every page but the first (the file's header)
        data[page * 4096: page * 4096 + 8] = b"\xa5" * 8
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseDamaged) as refused:
        Store(path)
    said = str(refused.value)
    assert said.startswith(f"the database {path} is damaged (") and said.count("move the file aside") == 1, said
    assert said.endswith("the events come back from the network.") and ".." not in said, said


def test_a_full_disk_is_storage_full_whatever_the_message_says(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    log.store.limit_pages(log.store.size_pages())  # not one page more
    big = [net.device.sign("action", action(i) | {"description": "x" * 3900}) for i in range(20)]
    with pytest.raises(StorageFull) as full:
        log.ingest(wires(big))
    assert isinstance(full.value, StoreError) and isinstance(full.value.__cause__, sqlite3.Error)
    assert full.value.__cause__.sqlite_errorcode == 13  # SQLITE_FULL
    assert "disk is full" in str(full.value) and "nothing was stored" in str(full.value)
    log.store.limit_pages(None)
    assert log.store.count() == len(net.group.made)
