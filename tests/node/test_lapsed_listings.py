"""Needs, offers and support offers that lapsed (past their `until`) stay in the log until their
bodies expire, but the listings of the open ones no longer walk them (schema 11: proj.lapsed, and
the newest-first indexes split into the open rows' and the lapsed rows'). A page of open needs
read every lapsed row of its region whenever fewer were open than its limit: its cost grew with
the log (35 ms for the needs, 62 ms for the regions at 100k events, every need and offer lapsed).

The work is counted in SQLite's virtual-machine steps (a progress handler), the same on every
machine. The listings must be what they were whatever was marked and when: the time filter decides,
the marks only spare the walk; a clock that ran ahead and came back leaves no row hidden."""
from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from crypto.keys import SigningKey
from events.projections import NEED, OFFER, SUPPORT_OFFER, MemoryTables, Row
from node.log import EventLog, now_ms
from node.store import SCHEMA_VERSION, Store, StoreError
from node.store.base import StoreBase
from node.store.schema import LAPSE_LAG_MS, LAPSE_MARK, LAPSING_TBLS, MAY_LAPSE
from node.views import view
from node_fixtures import Author, Net, as_schema, vm_steps, wires

DAY = 86_400_000
STEP = 10  # VM instructions per progress call
LAPSING = (NEED, OFFER, SUPPORT_OFFER)


def _lapsed(device: Author, count: int, now: int) -> list:
    """`count` needs, offers and support offers of two regions whose `until` passed a day ago or more."""
    made = []
    for i in range(count):
        region, until = ("calais", "dunkirk")[i % 2], now - 2 * DAY + i
        if i % 3 == 0:
            made.append(device.sign("need", {"category": "tents", "quantity": 1 + i % 40, "region": region,
                                             "until": until}, ts=now - 3 * DAY + i))
        elif i % 3 == 1:
            made.append(device.sign("offer", {"category": "blankets", "quantity": 1 + i % 40, "region": region,
                                              "until": until}, ts=now - 3 * DAY + i))
        else:
            made.append(device.sign("support.offer", {"region": region, "type": "housing", "capacity": 2,
                                                      "until": until}, ts=now - 3 * DAY + i))
    return made


def _open(net: Net, now: int) -> list:
    """The open ones (the same events in every home): newer than the lapsed ones, fewer than a page."""
    d = net.device
    return [d.sign("need", {"category": "shoes", "quantity": 3, "region": "calais", "until": now + DAY}),
            d.sign("need", {"category": "tents", "quantity": 2, "region": "dunkirk"}),
            d.sign("offer", {"category": "sleeping_bags", "quantity": 5, "region": "calais", "until": now + 2 * DAY}),
            d.sign("support.offer", {"region": "dunkirk", "type": "housing", "capacity": 1, "until": now + DAY})]


def _home(net: Net, path: Path, lapsed: int, opened: list, now: int) -> EventLog:
    device = net.device_of(net.group)  # a chain of its own for each home
    past = _lapsed(device, lapsed, now)
    log = net.new_log(path)
    log.ingest(wires(net.group.made))
    for i in range(0, len(past), 2000):
        log.ingest(wires(past[i: i + 2000]))
    log.ingest(wires(opened))
    return log


def _steps(log: EventLog, name: str, now: int) -> tuple[int, list[dict[str, Any]]]:
    """The VM steps (in tens) of one capped view as the API reads it, and what it lists."""
    return vm_steps(log.store._db, lambda: view(log, name, now=now, limit=100), STEP)


def _statements(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """The statements (and their arguments) on the read model that stores send from now on."""
    ran: list[tuple[str, Any]] = []
    run = StoreBase._x

    def recorded(self: StoreBase, sql: str, args: Any = ()) -> Any:
        if " proj " in sql:
            ran.append((sql, args))
        return run(self, sql, args)

    monkeypatch.setattr(StoreBase, "_x", recorded)
    return ran


def _unheard(item: dict) -> dict:
    """A listed item without when its groups were last heard from (a region's, each group's)."""
    return {**item, "last_heard": None,
            **({"groups_heard": [{**g, "last_heard": None, "heard_by": None} for g in item["groups_heard"]]}
               if "groups_heard" in item else {})}


def test_a_page_of_open_needs_costs_the_same_over_20000_lapsed_ones(net: Net, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    now = now_ms()
    opened = _open(net, now)
    none = _home(net, tmp_path / "none.db", 0, opened, now)
    many = _home(net, tmp_path / "many.db", 20_000, opened, now)
    ids = {e.id for e in opened}
    assert many.store.count() > 20_000
    for name in ("needs", "capacity", "regions"):
        few_steps, few_listed = _steps(none, name, now)
        many_steps, many_listed = _steps(many, name, now)
        # (when each group was last heard from differs: each home has a device of its own)
        assert [_unheard(i) for i in few_listed] == [_unheard(i) for i in many_listed]
        # 20,000 lapsed rows, about the same work (it was ~40 times the work: every lapsed row read)
        assert many_steps < 1.5 * few_steps + 20, (name, few_steps, many_steps)
    assert {i["id"] for i in view(many, "needs", now=now, limit=100) + view(many, "capacity", now=now, limit=100)} == ids
    summaries = view(many, "regions", now=now, limit=100)
    assert sorted(s["region"] for s in summaries) == ["calais", "dunkirk"]
    # Every walk of those pages is one of an index of the open rows (or looks rows up by reference),
    # never of the lapsed rows' part nor of the table (which regions hold rows is asked of both parts:
    # a probe a region).
    ran = _statements(monkeypatch)
    for name in ("needs", "capacity", "regions"):
        view(many, name, now=now, limit=100)
    with many.store.write():
        many.store.lapse_rows(now + DAY)  # the pass itself: a seek of the open rows' times
    monkeypatch.undo()
    assert len(ran) > 30
    db = many.store._db
    for sql, args in ran:
        plan = " ".join(r[3] for r in db.execute(f"EXPLAIN QUERY PLAN {sql}", args))
        assert "SCAN proj" not in plan and "SCAN p " not in plan, (sql, plan)
        if sql.startswith("SELECT p.n,"):
            assert "_lapsed" not in plan, (sql, plan)
        if sql.startswith("UPDATE proj INDEXED BY proj_lapsing SET lapsed=1"):
            assert "USING INDEX proj_lapsing" in plan, plan


def _signed_mix(net: Net, now: int) -> list:
    """Needs, offers and support offers of two groups and two regions with every kind of time:
    long past, past by less than the lag before rows are marked, about now, to come, none; some
    with a body expiry instead of an `until`."""
    bristol = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(bristol.key.public), "role": "group"})
    bristol.sign("group.profile", {"name": "Bristol", "region": "bristol"})
    other = net.device_of(bristol)
    made = list(bristol.made)
    times = [now - 30 * DAY, now - DAY, now - LAPSE_LAG_MS // 2, now - 1, now, now + 1, now + LAPSE_LAG_MS,
             now + DAY, now + 40 * DAY, None]
    for i, until in enumerate(times * 3):
        device, region = (net.device, other)[i % 2], ("calais", "bristol")[i // 2 % 2]
        extra = {} if until is None else {"until": until}
        kind = LAPSING[i % 3]
        fields = ({"region": region, "type": "housing", "capacity": 1 + i % 4} if kind == SUPPORT_OFFER
                  else {"category": "tents", "quantity": 1 + i, "region": region})
        expires = now + 60 * DAY if i % 4 == 0 else None
        made.append(device.sign(kind, {**fields, **extra}, ts=now - 10 * DAY + i * 1000, expires=expires))
    return made


def _reference(store: Store) -> MemoryTables:
    """Every stored row (both parts of the indexes), as the in-memory reference holds them."""
    memory = MemoryTables()
    for row in store.projection_rows():
        memory.rows[(row.table, row.key)] = row
    return memory


def _each_group(memory: MemoryTables, table: str, t_from: int | None, per_group: int) -> list[bytes]:
    rows = memory.select(table, t_from=t_from, order="newest")
    groups = sorted({r.data["group"] for r in rows})
    return sorted(r.key for g in groups for r in [x for x in rows if x.data["group"] == g][:per_group])


def _answers(log: EventLog, memory: MemoryTables, now: int) -> dict[tuple, Any]:
    """The listings of the lapsing tables from several moments, each checked against the reference."""
    store, out = log.store, {}
    for table in LAPSING:
        for t_from in (None, now - 2 * DAY, now - LAPSE_LAG_MS, now - 1, now, now + 2, now + 2 * DAY):
            for region in (None, "calais"):
                for limit in (3, 100):
                    got = [r.key for r in store.rows(table, region=region, t_from=t_from, order="newest", limit=limit)]
                    want = [r.key for r in memory.select(table, region=region, t_from=t_from, order="newest",
                                                         limit=limit)]
                    assert got == want, (table, t_from, region, limit)
                    out[(table, t_from, region, limit)] = got
            got = sorted(r.key for r in store.rows_of_each_group(table, order="newest", per_group=2, t_from=t_from))
            assert got == _each_group(memory, table, t_from, 2), (table, t_from)
            out[(table, t_from, "each")] = got
            by_region = sorted(r.key for r in store.rows(table, regions=["calais", "bristol"], t_from=t_from))
            assert by_region == sorted(r.key for r in memory.select(table, regions=["calais", "bristol"], t_from=t_from))
    for name in ("needs", "capacity", "regions"):
        out[name] = view(log, name, now=now, limit=100)
    return out


def _marked(db_path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(db_path)) as db:
        return {"lapsed": db.execute("SELECT count(*) FROM proj WHERE lapsed IS NOT NULL").fetchone()[0],
                "wrongly": db.execute("SELECT count(*) FROM proj WHERE lapsed IS NOT NULL AND t >= (SELECT value "
                                      "FROM meta WHERE key=?)", (LAPSE_MARK,)).fetchone()[0],
                "lapsing": db.execute(f"SELECT count(*) FROM proj INDEXED BY proj_lapsing WHERE {MAY_LAPSE}").fetchone()[0],
                "open_timed": db.execute(f"SELECT count(*) FROM proj WHERE lapsed IS NULL AND tbl IN {LAPSING_TBLS} "
                                         "AND t IS NOT NULL").fetchone()[0]}


def test_the_listings_are_the_same_whatever_was_marked_and_in_whatever_order_rows_came(net: Net,
                                                                                       tmp_path: Path) -> None:
    """Two homes, the same events in different orders, their passes at different moments (one at
    now; one with a clock a month ahead, then set back): every listing from every moment equals the
    in-memory reference, in both, at each step."""
    now = now_ms()
    made = _signed_mix(net, now)
    first, second = net.new_log(tmp_path / "first.db"), net.new_log(tmp_path / "second.db")
    for log in (first, second):
        log.ingest(wires(net.group.made))
    first.ingest(wires(made))  # its pass: the rows lapsed by now - lag are marked
    reference = _reference(first.store)
    assert len(reference.rows) > 30
    before = _answers(first, reference, now)
    first.purge_expired(now)  # the node's timer: nothing more to mark
    assert _answers(first, reference, now) == before
    counts = _marked(tmp_path / "first.db")
    assert counts["lapsed"] >= 6 and counts["wrongly"] == 0 and counts["lapsing"] == counts["open_timed"]

    rnd = random.Random(7)
    shuffled = [e for e in made if e.kind != "need"] + [e for e in made if e.kind == "need"]  # chains stay in order
    second.ingest(wires(shuffled), now=now + 30 * DAY)  # a clock a month ahead: nearly everything marked
    assert _marked(tmp_path / "second.db")["lapsed"] > counts["lapsed"]
    assert _answers(second, reference, now) == before  # listings from before the mark walk both parts
    second.purge_expired(now - rnd.randint(0, 1000))  # the clock set back: what it marked too early is open again
    assert _marked(tmp_path / "second.db") == counts
    assert _answers(second, reference, now) == before
    # Rows that arrive lapsed are stored marked (no move later, no entry in proj_lapsing).
    late = net.device.sign("need", {"category": "tents", "quantity": 1, "region": "calais", "until": now - DAY})
    second.ingest(wires([late]))
    with closing(sqlite3.connect(tmp_path / "second.db")) as db:
        assert db.execute("SELECT p.lapsed FROM proj p JOIN events e ON e.n = p.n WHERE e.id=?",
                          (late.id,)).fetchone() == (1,)
    assert late.id not in [r.key for r in second.store.rows(NEED, t_from=now, order="newest", limit=100)]
    assert late.id in [r.key for r in second.store.rows(NEED, t_from=now - 2 * DAY, order="newest", limit=100)]
    second.rebuild()
    assert _answers(second, _reference(second.store), now)[("need", now, None, 100)] == before[("need", now, None, 100)]


def test_a_schema_10_home_marks_its_lapsed_rows_when_it_migrates(net: Net, tmp_path: Path) -> None:
    """A home of schema 10 (no proj.lapsed, one newest-first index for every row) opens as schema 11:
    the rows lapsed by now are marked, the indexes split, every listing answers as before, and the
    rows equal a rebuild."""
    now = now_ms()
    made = _signed_mix(net, now) + _lapsed(net.device_of(net.group), 300, now)
    path = tmp_path / "calais.db"
    log = net.new_log(path)
    log.ingest(wires(net.group.made))
    log.ingest(wires(made))
    reference = _reference(log.store)
    before = _answers(log, reference, now)
    log.store.close()
    as_schema(path, 10, "DROP INDEX proj_urgent", "DROP INDEX IF EXISTS proj_urgent_by_group",  # (schema 15's)
              "ALTER TABLE proj DROP COLUMN urg", "DROP TABLE desk_item", "DROP TABLE desk_part",
              "DROP TABLE desk_fulfil", "DROP TABLE desk_pending", "DROP TABLE desk_named",
              "DROP INDEX proj_newest", "DROP INDEX proj_newest_lapsed", "DROP INDEX proj_by_group",
              "DROP INDEX proj_by_group_lapsed", "DROP INDEX proj_lapsing", "ALTER TABLE proj DROP COLUMN lapsed",
              "CREATE INDEX proj_newest ON proj(tbl, region, vts, vid)",
              "CREATE INDEX proj_by_group ON proj(tbl, g, region, vts, vid)",
              f"DELETE FROM meta WHERE key='{LAPSE_MARK}'")
    with pytest.raises(StoreError, match="schema 10"):
        Store(path, readonly=True)

    log = EventLog(Store(path))
    try:
        assert log.store.schema_version() == SCHEMA_VERSION
        assert log.store.integrity() == "ok"
        counts = _marked(path)
        assert counts["lapsed"] > 300 and counts["wrongly"] == 0 and counts["lapsing"] == counts["open_timed"]
        with closing(sqlite3.connect(path)) as db:
            indexes = dict(db.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND name LIKE 'proj_%'"))
        assert indexes["proj_newest"].endswith("WHERE lapsed IS NULL")
        assert indexes["proj_by_group"].endswith("WHERE lapsed IS NULL")
        assert {"proj_newest_lapsed", "proj_by_group_lapsed", "proj_lapsing"} <= indexes.keys()
        assert _answers(log, reference, now) == before
        migrated = log.store.projection_dump()
        log.rebuild()
        assert log.store.projection_dump() == migrated
        assert _answers(log, reference, now) == before
    finally:
        log.store.close()


def _ids(rows: list[Row]) -> list[bytes]:
    return [r.key for r in rows]


def test_a_row_lapses_at_its_time_before_any_pass_marks_it(net: Net, tmp_path: Path) -> None:
    """The time filter is the truth: a need whose `until` passed a moment ago, not yet marked (the
    pass marks rows some minutes late, and runs on a timer), is out of the open listing already."""
    now = now_ms()
    soon = net.device.sign("need", {"category": "tents", "quantity": 2, "region": "calais", "until": now + 1000})
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + [soon]))
    log.purge_expired(now + 2000)
    assert _marked(tmp_path / "calais.db")["lapsed"] == 0  # (within the lag: not marked)
    assert _ids(log.store.rows(NEED, t_from=now, order="newest", limit=20)) == [soon.id]
    assert _ids(log.store.rows(NEED, t_from=now + 2000, order="newest", limit=20)) == []
    assert view(log, "needs", now=now + 2000, limit=20) == []
    log.purge_expired(now + 1000 + LAPSE_LAG_MS + 1)
    assert _marked(tmp_path / "calais.db")["lapsed"] == 1
    assert _ids(log.store.rows(NEED, t_from=now, order="newest", limit=20)) == [soon.id]  # from before: still there
    assert _ids(log.store.rows(NEED, order="newest", limit=20)) == [soon.id]
