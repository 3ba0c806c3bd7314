"""A home whose path holds characters a database URI gives a meaning to (`?`, `#`, `%`) is opened
as the file it names: read-only readers and `solnet status` read it, and no stray file appears."""
from __future__ import annotations

from contextlib import closing

import pytest

from node.store import Store
from node.store.status_read import snapshot


@pytest.mark.parametrize("folder", ["a?mode=rwc", "b#x", "c%3Fd", "e f"])
def test_a_read_only_store_reads_the_home_its_path_names(tmp_path, folder):
    home = tmp_path / folder
    home.mkdir()
    db = home / "solnet.db"
    with closing(Store(db)) as node:
        node.set_meta("note", b"kept")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with closing(Store(db, readonly=True)) as reader:
        assert reader.get_meta("note") == b"kept"
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing made beside it


@pytest.mark.parametrize("folder", ["a?mode=rwc", "b#x", "c%3Fd"])
def test_status_reads_the_home_its_path_names(tmp_path, folder):
    home = tmp_path / folder
    home.mkdir()
    db = home / "solnet.db"
    with closing(Store(db)):
        pass
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert snapshot(db) is not None
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
