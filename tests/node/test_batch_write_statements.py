"""A batch's buffered rows (events, their ids, read-model rows) are written with a few statements
of many rows each, not one statement a row (node/store/base.py `_flush`): what is stored is the
same as when each event comes alone."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from node_fixtures import Net, action, statuses, wires

TABLES = ("events", "ids_new", "proj")


def _table(path: Path, table: str) -> list[tuple]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()


def test_a_batch_is_written_with_a_few_statements_per_table(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "home.db")
    log.ingest(wires(net.group.made))
    batch = [net.device.sign("action", action(i, region=("calais", "dunkirk")[i % 2])) for i in range(150)]
    said: list[str] = []
    log.store._db.set_trace_callback(said.append)
    try:
        assert set(statuses(log.ingest(wires(batch)))) == {"accepted"}
    finally:
        log.store._db.set_trace_callback(None)
    for table in TABLES:
        writes = [s for s in said if s.startswith(f"INSERT INTO {table}(")]
        # (64 rows a statement, then 16, 4 and 1 for the rest: 150 rows in 2 + 1 + 1 + 2 statements)
        assert 1 <= len(writes) <= 12, f"{table}: {len(writes)} statements for {len(batch)} rows"


def test_rows_written_together_are_those_written_one_by_one(net: Net, tmp_path: Path) -> None:
    together, alone = net.new_log(tmp_path / "together.db"), net.new_log(tmp_path / "alone.db")
    batch = net.group.made + [net.device.sign("action", action(i)) for i in range(83)]
    assert set(statuses(together.ingest(wires(batch)))) == {"accepted"}
    for ev in batch:
        assert statuses(alone.ingest(wires([ev]))) == ["accepted"]
    together.store.close()
    alone.store.close()
    for table in TABLES[::2]:  # (ids_new: its ids move to `ids` at other times, see schema.IDS_SCHEMA)
        assert _table(tmp_path / "together.db", table) == _table(tmp_path / "alone.db", table), table
        assert len(_table(tmp_path / "together.db", table)) >= 83


def test_a_batch_whose_rows_meet_stored_ones_past_its_first_statement_leaves_the_last_made(net: Net, tmp_path: Path) -> None:
    """Rows made again for events that have one, past the batch's first statement (64 new rows), one
    of them twice: the statement that meets a stored row writes nothing, the batch is written again
    with REPLACE, and the row last made stands, as when each row was a statement of its own."""
    log = net.new_log(tmp_path / "home.db")
    needs = [net.device.sign("need", {"category": "tents", "quantity": 2, "region": "calais"}) for _ in range(70)]
    log.ingest(wires([*net.group.made, *needs]))
    ns = [log.store.event_n(ev.id) for ev in needs]
    regions = ["dover"] * 70
    regions[66], regions[69] = "lille", "lens"
    with log.store.write():  # (the regions numbered first: numbering one writes the rows buffered so far)
        for k, region in enumerate(("dover", "lille", "lens")):
            log.store.add_row(2_000_000 + k, "need", bytes(net.group.key.public), region, None, None,
                              (needs[k].header.timestamp, needs[k].id))
    with log.store.write():
        for i, ev in enumerate(needs):  # (rows 64-67 in one statement, 68 and 69 in one each)
            n = ns[66] if i == 69 else ns[i] if i >= 64 else 1_000_000 + i  # (the first 64: new rows)
            log.store.add_row(n, "need", bytes(net.group.key.public), regions[i], None, None, (ev.header.timestamp, ev.id))
    log.store.close()
    stored = dict(_table_region(tmp_path / "home.db"))
    assert stored[ns[66]] == "lens" and stored[ns[65]] == "dover" and stored[ns[0]] == "calais"
    assert [stored[1_000_000 + i] for i in range(64)] == ["dover"] * 64


def _table_region(path: Path) -> list[tuple]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute("SELECT p.n, r.name FROM proj p JOIN regions r ON r.r = p.region").fetchall()
