"""The regions view (the API's /api/v1/regions, the dashboard's regions page, `solnet view regions`)
adds up a region's open fundraisers: those whose `ends_at` is still to come, or that have none. It
took the newest 20 and dropped the ended ones after, so a region whose newest 20 had ended showed
too few, or none. The open ones are now chosen in SQL before the limit, and ended fundraisers are
marked as lapsed needs are (proj.lapsed, schema 12), so the listing walks the open ones alone: its
cost does not grow with the number that ended (counted in SQLite VM steps, not timed)."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from events.projections import FUNDRAISER, TABLES
from node.log import EventLog, now_ms
from node.store import SCHEMA_VERSION, Store, StoreError
from node.store.schema import LAPSE_LAG_MS, LAPSE_MARK, MAY_LAPSE
from node.views import SUMMARY_ROWS, view
from node_fixtures import Author, Net, as_schema, vm_steps, wires

DAY = 86_400_000
FUND_TBL = TABLES.index(FUNDRAISER)


def _ended(device: Author, count: int, now: int) -> list:
    """`count` fundraisers in Calais that ended a day ago or more, newer than the open ones."""
    return [device.sign("fundraiser", {"title": f"ended {i}", "goal": 100, "currency": "EUR", "region": "calais",
                                       "ends_at": now - 2 * DAY + i}, ts=now - DAY + i) for i in range(count)]


def _open(net: Net, now: int) -> list:
    """Three open ones (one without an end), signed a week ago: older than every ended one."""
    d = net.device
    return [d.sign("fundraiser", {"title": f"open {i}", "goal": 1000, "currency": "EUR", "region": "calais",
                                  **({"ends_at": now + (i + 1) * DAY} if i else {})}, ts=now - 7 * DAY + i)
            for i in range(3)]


def _home(net: Net, path: Path, ended: int, opened: list, now: int) -> EventLog:
    log = net.new_log(path)
    log.ingest(wires(net.group.made + opened), now=now)
    past = _ended(net.device_of(net.group), ended, now)  # a device of its own for each home
    log.ingest(wires(net.group.made[-1:]), now=now)  # (its vouch)
    for i in range(0, len(past), 2000):
        log.ingest(wires(past[i: i + 2000]), now=now)
    return log


def _funds(summaries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    [calais] = [s for s in summaries if s["region"] == "calais"]
    return calais["funds"]


OPEN_SUM = [{"currency": "EUR", "raised": 0, "pledged": 0, "goal": 3000, "count": 3, "shared": 0, "progress": 0,
             "declined": 0, "pledged_declined": 0, "pledges_gone": 0, "pledged_gone": 0}]


def test_a_region_whose_newest_fundraisers_ended_still_adds_up_its_open_ones(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    log = _home(net, tmp_path / "calais.db", SUMMARY_ROWS + 5, _open(net, now), now)
    assert _funds(view(log, "regions", now=now, limit=100)) == OPEN_SUM  # as the API and the dashboard read it
    assert _funds(view(log, "regions", now=now, limit=None)) == OPEN_SUM  # `solnet view regions`
    # the fundraisers view still lists the ended ones too, newest first
    assert [f["title"] for f in view(log, "fundraisers", now=now, limit=100)][:2] == [
        f"ended {SUMMARY_ROWS + 4}", f"ended {SUMMARY_ROWS + 3}"]
    # a fundraiser ends at its `ends_at`, before any pass marks it
    assert _funds(view(log, "regions", now=now + 2 * DAY + 1, limit=100))[0]["count"] == 2
    log.store.close()


def test_the_regions_view_costs_the_same_over_5000_ended_fundraisers(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    opened = _open(net, now)
    none = _home(net, tmp_path / "none.db", 0, opened, now)
    many = _home(net, tmp_path / "many.db", 5000, opened, now)
    few_steps, few = vm_steps(none.store._db, lambda: view(none, "regions", now=now, limit=100), 10)
    many_steps, lots = vm_steps(many.store._db, lambda: view(many, "regions", now=now, limit=100), 10)
    assert _funds(few) == _funds(lots) == OPEN_SUM
    # unmarked, the open ones' walk read each of the 5,000 ended rows (~30 times the steps)
    assert many_steps < 1.5 * few_steps + 20, (few_steps, many_steps)
    none.store.close()
    many.store.close()


def test_a_schema_11_home_marks_its_ended_fundraisers_when_it_migrates(net: Net, tmp_path: Path) -> None:
    """A home of schema 11 (fundraisers never marked, proj_lapsing without them) opens as schema 12:
    the fundraisers that ended before the mark are marked, proj_lapsing holds the open ones with an
    end, the regions view answers as before, and the rows equal a rebuild."""
    now = now_ms()
    path = tmp_path / "calais.db"
    log = _home(net, path, 300, _open(net, now), now)
    before = view(log, "regions", now=now, limit=100)
    log.store.close()
    as_schema(path, 11, f"UPDATE proj SET lapsed=NULL WHERE tbl={FUND_TBL}", "DROP INDEX proj_lapsing",
              "CREATE INDEX proj_lapsing ON proj(t) WHERE lapsed IS NULL AND tbl IN (4, 5, 12) AND t IS NOT NULL")
    with pytest.raises(StoreError, match="schema 11"):
        Store(path, readonly=True)

    log = EventLog(Store(path))
    try:
        assert log.store.schema_version() == SCHEMA_VERSION
        assert log.store.integrity() == "ok"
        with closing(sqlite3.connect(path)) as db:
            mark = db.execute("SELECT value FROM meta WHERE key=?", (LAPSE_MARK,)).fetchone()[0]
            marked = db.execute(f"SELECT count(*) FROM proj WHERE tbl={FUND_TBL} AND lapsed IS NOT NULL").fetchone()[0]
            wrongly = db.execute("SELECT count(*) FROM proj WHERE lapsed IS NOT NULL AND t>=?", (mark,)).fetchone()[0]
            lapsing = db.execute(f"SELECT count(*) FROM proj INDEXED BY proj_lapsing WHERE {MAY_LAPSE} "
                                 f"AND tbl={FUND_TBL}").fetchone()[0]
        assert mark >= now - LAPSE_LAG_MS - 1000 and marked == 300 and wrongly == 0 and lapsing == 2
        assert view(log, "regions", now=now, limit=100) == before
        migrated = log.store.projection_dump()
        log.rebuild()
        assert log.store.projection_dump() == migrated
    finally:
        log.store.close()


def test_view_fundraisers_says_which_ended_and_a_pledge_to_one_is_refused(net: Net, tmp_path: Path) -> None:
    """`solnet view fundraisers` listed an ended fundraiser as one running ("[..........] 0% Bail fund"),
    with no end date, and a pledge to it was taken; `view regions` and the dashboard said none ran."""
    from node.effect_checks import EffectRefused, check_effect
    from node.render import view_line

    now = now_ms()
    log = _home(net, tmp_path / "solnet.db", 1, _open(net, now), now)
    funds = {f["title"]: f for f in view(log, "fundraisers", now=now, peers=[])}
    ended, running = funds["ended 0"], funds["open 1"]
    assert ended["ended"] and not running["ended"] and not funds["open 0"]["ended"]
    assert ", ENDED " in view_line("fundraisers", ended, {}) and ", until " in view_line("fundraisers", running, {})
    group, other = bytes(net.group.key.public), b"\x01" * 32  # (a pledge is another group's)
    with pytest.raises(EffectRefused, match="ended on"):
        check_effect(log, "fundraiser.update", {"fundraiser": ended["id"], "pledge": 15}, other, now)
    check_effect(log, "fundraiser.update", {"fundraiser": running["id"], "pledge": 15}, other, now)  # running: taken
    check_effect(log, "fundraiser.update", {"fundraiser": ended["id"], "raised": 90}, group, now)  # its final report
    log.store.close()
