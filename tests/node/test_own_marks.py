"""The newest seqs signed here, kept outside SQLite (node/own_marks.py): written once per commit,
before it, never for a part of a group that was rolled back; put back when the commit fails."""
from __future__ import annotations

from pathlib import Path

import pytest

from node import own_marks
from node.store import Store

DEVICE, GROUP = b"\x01" * 32, b"\x02" * 32


def test_marks_are_on_the_disk_before_the_commit_and_only_for_what_commits(tmp_path: Path) -> None:
    store = Store(tmp_path / "solnet.db")
    marks = own_marks.path_for(tmp_path / "solnet.db")
    try:
        seen_at_commit: list[dict[bytes, int]] = []
        with store.group():
            with store.write():
                own_marks.signed(store, DEVICE, 4)
            with pytest.raises(RuntimeError), store.write():  # a publish refused: its part rolled back
                own_marks.signed(store, GROUP, 9)
                raise RuntimeError
            with store.write():
                own_marks.signed(store, DEVICE, 5)
                # (a hook after it sees the file as the commit leaves it: before COMMIT runs)
                store.before_commit("probe", lambda committing: seen_at_commit.append(
                    own_marks.read(marks)))
            assert own_marks.read(marks) == {}  # nothing written before the commit
        assert own_marks.read(marks) == {DEVICE: 5}
        assert seen_at_commit == [{DEVICE: 5}]

        with pytest.raises(RuntimeError), store.write():  # a write that fails: its mark is never written
            own_marks.signed(store, DEVICE, 6)
            raise RuntimeError
        assert own_marks.read(marks) == {DEVICE: 5}
        assert own_marks.lost(store) == [(DEVICE, 5, 0)]  # this store holds none of DEVICE's events
    finally:
        store.close()


def test_a_failed_commit_puts_the_marks_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "solnet.db")
    marks = own_marks.path_for(tmp_path / "solnet.db")
    try:
        with store.write():
            own_marks.signed(store, DEVICE, 2)

        def fail(committing: bool) -> None:
            if committing:
                raise OSError(28, "No space left on device")
        with pytest.raises(OSError), store.write():
            own_marks.signed(store, DEVICE, 3)
            store.before_commit("zz-fails", fail)  # (runs after the marks were written)
        assert own_marks.read(marks) == {DEVICE: 2}
    finally:
        store.close()


def test_an_unreadable_file_counts_as_no_marks(tmp_path: Path) -> None:
    own_marks.path_for(tmp_path / "solnet.db").write_bytes(b"{\"0102\": 7")  # cut short
    store = Store(tmp_path / "solnet.db")
    try:
        assert own_marks.lost(store) == []
    finally:
        store.close()


def test_a_copy_cut_short_by_a_power_cut_leaves_the_marks_before(tmp_path: Path) -> None:
    path = own_marks.path_for(tmp_path / "solnet.db")
    own_marks._write(path, {DEVICE: 3})
    own_marks._write(path, {DEVICE: 4, GROUP: 1})
    assert own_marks.read(path) == {DEVICE: 4, GROUP: 1}
    data = bytearray(path.read_bytes())
    data[20] ^= 0x01  # the newest copy (the first of the two, its second writing) spoilt
    path.write_bytes(bytes(data))
    assert own_marks.read(path) == {DEVICE: 3}
