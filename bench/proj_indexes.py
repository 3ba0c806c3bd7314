"""Benchmark: what each index of the read model (`proj`, node/store/schema.py) costs the ingest, in
SQLite's instructions (callgrind), which the load of a shared machine does not change.

Builds a home of EVENTS realistic events (bench/common.py `signed_chain`, stored through the ingest
path), keeps a copy of it, stores ROWS events more and takes their read-model rows. Then, for each
variant of the copy (every index; each index, or each open/lapsed pair, dropped; none), a process
under `valgrind --tool=callgrind --toggle-collect=sqlite3_step` opens it with the store's settings and
writes those rows as an ingest writes them (the store's statement, BATCH x GROUP rows a write
transaction, node/log.py): only SQLite's work is counted (the statements, the commit and its WAL
frames), not the interpreter's. An index's cost is
what the rows cost with it less what they cost without it. The reference: the same rows with no
index on `proj` at all, and a process that opens the copy and adds nothing.
Needs valgrind. The load average is printed at the start and the end (the counts do not follow
it; the run's length does). Last line: key=value, instructions per row.
"""
from __future__ import annotations

import argparse
import json
import pickle
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from itertools import chain
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import found_network, installed_bytecode, load_average, signed_chain  # noqa: E402
from bench.ingest import BATCH  # noqa: E402
from node import verify_pool  # noqa: E402
from node.log import GROUP, EventLog  # noqa: E402
from node.store import Store  # noqa: E402
from node.store.base import _INSERT_ROWS, _ROWS_AT_ONCE, _many_rows  # noqa: E402

_COLLECTED = re.compile(r"Collected : (\d+)")


def _ingest(log: EventLog, wires: list[bytes]) -> None:
    for outcomes in log.ingest_stream(wires[i: i + BATCH] for i in range(0, len(wires), BATCH)):
        bad = [o for o in outcomes if o.status != "accepted"]
        if bad:
            raise SystemExit(f"could not store the bench events: {bad[0]}")


def _rows_after(path: Path, top: int) -> list[tuple]:
    """The read-model rows of the events stored after row `top`, as the store wrote them (the
    numbers of their groups and regions are the copy's too: the bench's device and regions were
    numbered before)."""
    with sqlite3.connect(path) as db:
        return db.execute("SELECT n, tbl, g, region, t, ref, vts, vid, lww, pub, lapsed, urg FROM proj "
                          "WHERE n > ? ORDER BY n", (top,)).fetchall()


# The connection settings of the store's that the rows' cost depends on (node/store/store.py), read
# from a Store that opened the home and set again in the measured process's own connection.
SETTINGS = ("cache_size", "synchronous", "secure_delete", "temp_store", "foreign_keys", "wal_autocheckpoint")


def _settings(path: Path) -> dict[str, int]:
    store = Store(path)
    try:
        return {name: store._one(f"PRAGMA {name}") for name in SETTINGS}
    finally:
        store.close()


def _add(path: Path, rows_file: Path, settings: dict[str, int]) -> None:
    """(The measured process.) Write the rows into the home at `path` as an ingest writes them: the
    store's own statements (`_many_rows` of `_INSERT_ROWS`, as many rows a statement as it takes:
    _ROWS_AT_ONCE), BATCH x GROUP rows a write transaction. Through a connection of its own with the
    store's settings: a Store opening the home would make the dropped indexes again, and its
    `add_row`'s write also settles the desk's marks, whose reads walk these indexes."""
    rows = pickle.loads(rows_file.read_bytes())
    db = sqlite3.connect(path, isolation_level=None)
    for name, value in settings.items():
        db.execute(f"PRAGMA {name}={value}")
    per_write = BATCH * GROUP
    for i in range(0, len(rows), per_write):
        db.execute("BEGIN IMMEDIATE")
        at, batch = 0, rows[i: i + per_write]
        while at < len(batch):
            size = next(size for size in _ROWS_AT_ONCE if size <= len(batch) - at)
            db.execute(_many_rows(_INSERT_ROWS, size), list(chain.from_iterable(batch[at: at + size])))
            at += size
        db.execute("COMMIT")
    db.close()


def _indexes(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='proj' AND sql IS NOT NULL ORDER BY name")]


def _variants(indexes: list[str]) -> dict[str, list[str]]:
    """Each variant's name and the indexes it drops: an index whose name ends in `_lapsed` goes with
    its open twin (a row has an entry in one of the two)."""
    variants: dict[str, list[str]] = {"all": []}
    for name in indexes:
        if name.endswith("_lapsed"):
            continue
        twin = f"{name}_lapsed"
        variants[f"without {name}{' (and _lapsed)' if twin in indexes else ''}"] = [name, *([twin] if twin in indexes else [])]
    variants["none"] = list(indexes)
    return variants


def _count(base: Path, drop: list[str], rows_file: Path, work: Path, settings: dict[str, int]) -> int:
    """SQLite's instructions in a process that adds the rows of `rows_file` to a copy of `base`
    without the indexes `drop`."""
    home = work / "variant.db"
    for f in work.glob("variant.db*"):
        f.unlink()
    shutil.copy(base, home)
    with sqlite3.connect(home) as db:
        for name in drop:
            db.execute(f"DROP INDEX {name}")
    out = work / "valgrind.log"
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={work / 'callgrind.out'}",
                    "--toggle-collect=sqlite3_step", f"--log-file={out}",
                    sys.executable, __file__, "--add", str(home), str(rows_file), json.dumps(settings)], check=True)
    found = _COLLECTED.findall(out.read_text())
    if not found:
        raise SystemExit(f"valgrind gave no count: see {out}")
    return int(found[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="events in the home before the rows")
    parser.add_argument("--rows", type=int, default=10_000, help="events whose rows are added")
    parser.add_argument("--add", nargs=3, metavar=("HOME", "ROWS", "SETTINGS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.add:
        _add(Path(args.add[0]), Path(args.add[1]), json.loads(args.add[2]))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("this benchmark counts instructions with valgrind: install it (apt-get install valgrind)")
    load_start = load_average()
    with installed_bytecode(), tempfile.TemporaryDirectory(prefix="solnet-bench-") as tmp:
        work = Path(tmp)
        net, _source = found_network(work / "source.db")
        wires = [ev.encode() for ev in signed_chain(net, args.events + args.rows)]
        log = EventLog.create(Store(work / "home.db"), net.genesis)
        log.ingest(net.trust_wires)
        _ingest(log, wires[: args.events])
        log.store.checkpoint()  # (the whole home in its main file: copied alone)
        shutil.copy(work / "home.db", work / "base.db")
        with sqlite3.connect(work / "base.db") as db:
            (top,) = db.execute("SELECT max(n) FROM events").fetchone()
        _ingest(log, wires[args.events:])
        verify_pool.shutdown()
        log.store.close()
        rows = _rows_after(work / "home.db", top)
        rows_file, empty_file = work / "rows.pickle", work / "none.pickle"
        rows_file.write_bytes(pickle.dumps(rows))
        empty_file.write_bytes(pickle.dumps([]))
        settings = _settings(work / "base.db")
        opening = _count(work / "base.db", [], empty_file, work, settings)
        counts = {name: _count(work / "base.db", drop, rows_file, work, settings) - opening
                  for name, drop in _variants(_indexes(work / "base.db")).items()}
    per_row = {name: count / len(rows) for name, count in counts.items()}
    print(f"{len(rows)} read-model rows added to a home of {args.events} events; SQLite's instructions per row:")
    for name, cost in per_row.items():
        saved = "" if name == "all" else f"  (the index{'es' if name == 'none' else ''}: {per_row['all'] - cost:,.0f})"
        print(f"  {name:50s} {cost:10,.0f}{saved}")
    figures = " ".join(f"{name.removeprefix('without ').split(' ')[0]}={per_row['all'] - cost:.0f}"
                       for name, cost in per_row.items() if name.startswith("without "))
    print(f"events={args.events} rows={len(rows)} all={per_row['all']:.0f} none={per_row['none']:.0f} {figures} "
          f"load_start={load_start} load_end={load_average()}")


if __name__ == "__main__":
    main()
