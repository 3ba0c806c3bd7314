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


def test_every_open_by_uri_names_its_file_by_database_uri() -> None:
    """A database opened with options (`uri=True`) anywhere outside the tests, benches too, builds
    its URI with node.store.uri.database_uri: bench/common.py and bench/alert_spread.py wrote
    `file:{path}?mode=ro` by hand, and read another file (or none) in a folder with a `?` or `#`."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    by_hand = []
    tops = [p for p in root.iterdir() if p.name != "tests" and not p.name.startswith(".")]
    sources = [p for top in tops for p in ([top] if top.suffix == ".py" else top.glob("**/*.py") if top.is_dir() else [])]
    assert root / "cli.py" in sources and root / "node" / "store" / "base.py" in sources
    for source in sorted(sources):
        for call in re.findall(r"sqlite3\.connect\(([^\n]*uri=True)", source.read_text(encoding="utf-8")):
            if not call.startswith("database_uri("):
                by_hand.append(f"{source.relative_to(root)}: {call}")
    assert not by_hand, by_hand
