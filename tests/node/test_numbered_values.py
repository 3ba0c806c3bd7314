"""Keys and region names are numbered once (schema `keys`, `regions`): a connection reads what a
number stands for once and keeps it, keys both ways, and a number the database does not hold is
said to be missing, never taken for something else."""
from __future__ import annotations

from pathlib import Path

import pytest

from node.store import Store
from node.store.errors import StoreError


def _statements(store: Store) -> list[str]:
    said: list[str] = []
    store._db.set_trace_callback(said.append)
    return said


def test_a_number_is_read_once_and_a_key_is_kept_both_ways(tmp_path: Path) -> None:
    path = tmp_path / "home.db"
    store, writer = Store(path), Store(path)
    key = bytes(range(32))
    with writer.write():  # numbered by another connection (a `solnet import`) after this one opened
        k, r = writer._k(key), writer._r("calais")
    writer.close()
    try:
        said = _statements(store)
        assert store._key(k) == key and store._region(r) == "calais"
        assert len(said) == 2
        assert store._key(k) == key and store._region(r) == "calais" and store._find_k(key) == k
        assert len(said) == 2  # kept: the key's number too, from reading the key
    finally:
        store.close()


@pytest.mark.parametrize("what", ["key", "region"])
def test_a_number_the_database_does_not_hold_is_said_missing(tmp_path: Path, what: str) -> None:
    store = Store(tmp_path / "home.db")
    try:
        with pytest.raises(StoreError, match=f"names {what} number 77 but does not hold it"):
            store._key(77) if what == "key" else store._region(77)
    finally:
        store.close()
