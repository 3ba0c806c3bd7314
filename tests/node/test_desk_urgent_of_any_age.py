"""The coordinator's desk never leaves out an open need of high urgency nor a support request of high
urgency or waiting for a group, however many newer ones its region holds: the store marks them
(proj.urg, schema 15) and the desk lists the marked ones in SQL. It looked among a region's newest
100 rows only (views.URGENT_ROWS), so an urgent need behind 150 newer ones was not in its cell. The
mark follows the need's updates (the newest counts, whatever order they came in, and goes with a
redacted one), and a home of schema 14 is marked when it opens."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from events.projections import NEED, SUPPORT
from node.log import EventLog, now_ms
from node.store import SCHEMA_VERSION, Store
from node.views import URGENT_ROWS, view
from node_fixtures import Author, Net, as_schema, wires

NEWER = URGENT_ROWS + 50  # newer rows of low urgency than the desk ever looked through before


def _need(device: Author, category: str, urgency: str, ts: int) -> Any:
    return device.sign("need", {"category": category, "quantity": 30, "region": "calais", "urgency": urgency}, ts=ts)


def _newer(device: Author, now: int) -> list:
    """NEWER needs for books of low urgency and as many requests taken... of low urgency, all newer."""
    books = [_need(device, "books", "low", now - 3_600_000 + i) for i in range(NEWER)]
    requests = [device.sign("support.request", {"region": "calais", "type": "legal_information", "people": "1",
                                                "urgency": "low"}, ts=now - 3_600_000 + i) for i in range(NEWER)]
    claims = [device.sign("support.claim", {"request": r.id}, ts=now - 3_000_000 + i) for i, r in enumerate(requests)]
    return books + requests + claims


def _desk(log: EventLog, now: int) -> dict[str, Any]:
    [calais] = view(log, "regions", region="calais", now=now, limit=100, peers=[])
    return calais


def _needs(desk: dict[str, Any]) -> dict[str, str | None]:
    return {n["category"]: n["urgency"] for n in desk["needs"]}


def _home(net: Net, path: Path, first: list, now: int) -> EventLog:
    log = net.new_log(path)
    log.ingest(wires(net.group.made), now=now)
    log.ingest(wires(first), now=now)
    return log


def test_an_urgent_need_and_a_waiting_request_behind_150_newer_ones_are_on_the_desk(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    d = net.device
    blankets = _need(d, "blankets", "high", now - 7_200_000)
    waiting = d.sign("support.request", {"region": "calais", "type": "housing", "people": "3-5", "urgency": "medium"},
                     ts=now - 7_200_000 + 1)
    log = _home(net, tmp_path / "calais.db", [blankets, waiting, *_newer(d, now)], now)
    try:
        desk = _desk(log, now)
        assert _needs(desk)["blankets"] == "high", desk["needs"]
        assert desk["requests"]["waiting"] == 1 and desk["requests"]["medium"] == 1, desk["requests"]
        assert {"needs", "support"} <= set(desk["capped"]) and not {"needs_urgent", "support_urgent"} & set(desk["capped"])
        # once a group takes the request (of medium urgency), it is no longer the desk's to show
        log.ingest(wires([d.sign("support.claim", {"request": waiting.id}, ts=now - 1000)]), now=now)
        assert _desk(log, now)["requests"]["medium"] == 0
    finally:
        log.store.close()


def test_the_mark_follows_the_newest_update_in_either_order_and_a_redaction(net: Net, tmp_path: Path) -> None:
    """A need posted low and raised to high by another device of its group is urgent on a node that
    got the update first as on one that got the need first; lowered again, it is not; the lowering
    redacted, it is again."""
    now = now_ms()
    other = net.device_of(net.group)
    soap = _need(net.device, "hygiene", "low", now - 7_200_000)
    raised = other.sign("need.update", {"need": soap.id, "urgency": "high"}, ts=now - 7_000_000)
    newer = _newer(net.device, now)
    homes = []
    for name, order in (("need_first", [soap, *newer, raised]), ("update_first", [raised, soap, *newer])):
        log = _home(net, tmp_path / f"{name}.db", [], now)
        for event in order:
            log.ingest(wires([event]), now=now)
        homes.append(log)
    try:
        for log in homes:
            assert _needs(_desk(log, now)).get("hygiene") == "high"
        lowered = other.sign("need.update", {"need": soap.id, "urgency": "medium"}, ts=now - 6_000_000)
        redact = other.sign("redact", {"ids": [lowered.id]}, ts=now - 5_000_000)
        for log in homes:
            log.ingest(wires([lowered]), now=now)
            assert "hygiene" not in _needs(_desk(log, now))
            log.ingest(wires([redact]), now=now)
            assert _needs(_desk(log, now)).get("hygiene") == "high"
    finally:
        for log in homes:
            log.store.close()


def test_a_schema_14_home_marks_its_urgent_needs_and_requests_when_it_opens(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    d = net.device
    first = [_need(d, "blankets", "high", now - 7_200_000),
             d.sign("support.request", {"region": "calais", "type": "housing", "people": "1", "urgency": "high"},
                    ts=now - 7_200_000 + 1)]
    path = tmp_path / "calais.db"
    log = _home(net, path, [*first, *_newer(d, now)], now)
    before = _desk(log, now)
    log.store.close()
    as_schema(path, 14, "DROP INDEX proj_urgent", "DROP INDEX proj_urgent_by_group", "ALTER TABLE proj DROP COLUMN urg")
    log = EventLog(Store(path))
    try:
        assert log.store.schema_version() == SCHEMA_VERSION and log.store.integrity() == "ok"
        after = _desk(log, now)
        assert _needs(after)["blankets"] == "high" and after["requests"]["high"] == 1
        assert after == before
        marked = {t: len(log.store.rows(t, region="calais", urgent=True)) for t in (NEED, SUPPORT)}
        assert marked == {NEED: 1, SUPPORT: 1}, marked
    finally:
        log.store.close()
