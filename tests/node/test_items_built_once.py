"""A page's views share the items they build (views.Held.built): the overview built 1,100 support
requests' items of 800 and 1,437 needs' of 1,107 at 100k events, its sections, the desk, the count
after a section's first page and the desk's urgent pass each building some of the same. These
tests: each request and need of a busy region is built once per overview, the page unchanged; and
what a reader built is never served after its read transaction, when another connection (a second
process on the same home) may have committed: a request taken between two pages shows as taken."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from events import readmodels
from node.dashboard import pages
from node.log import EventLog, now_ms
from node.store import Store
from node.views import reader_of, view
from node_fixtures import Net, wires

HOUR = 3_600_000


def _busy_region(net: Net, now: int, count: int = 150) -> list:
    """`count` urgent needs and waiting support requests in Calais: more than the overview's first
    page, its desk cell and its urgent pass read, so every part of the page reads some of them."""
    made = []
    for i in range(count):
        made.append(net.device.sign("need", {"category": "blankets", "quantity": i + 1, "region": "calais",
                                             "urgency": "high"}, ts=now - HOUR + i))
        made.append(net.device.sign("support.request", {"region": "calais", "type": "housing", "people": "1",
                                                        "urgency": "high"}, ts=now - HOUR + i))
    return made


def test_the_overview_builds_each_request_and_need_once(net: Net, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    now = now_ms()
    log = net.new_log(tmp_path / "db.sqlite")
    try:
        log.ingest(wires([*net.group.made, *_busy_region(net, now)]), now=now)
        before = pages.overview(log, None, now)  # (a first page: the store's facts kept, as on a running node)
        built: dict[str, Counter] = {"support_requests": Counter(), "needs_and_offers": Counter()}
        for name, counts in built.items():
            def counting(rows, *args, _build=getattr(readmodels, name), _counts=counts, **kwargs):
                rows = list(rows)
                _counts.update(r.key for r in rows if r.table != "offer")
                return _build(rows, *args, **kwargs)
            monkeypatch.setattr(readmodels, name, counting)
        page = pages.overview(log, None, now)
        assert page == before  # the same page, built from fewer items
        for name, counts in built.items():
            assert len(counts) >= 150, (name, len(counts))  # every request and need was read
            twice = {k: c for k, c in counts.items() if c > 1}
            assert not twice, f"{name}: {len(twice)} of {len(counts)} built more than once"
    finally:
        log.store.close()


def test_a_reader_kept_past_its_read_serves_nothing_another_connection_changed(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    path = tmp_path / "db.sqlite"
    log = net.new_log(path)
    request = net.device.sign("support.request", {"region": "calais", "type": "housing", "people": "1",
                                                  "urgency": "high"}, ts=now - HOUR)
    log.ingest(wires([*net.group.made, request]), now=now)
    other = EventLog(Store(path))  # another process on the same home (`solnet import`, a second node command)
    try:
        reader = reader_of(log)
        with log.store.reading():
            [first] = view(log, "support", now=now, limit=100, reader=reader)
            [again] = view(log, "regions", region="calais", now=now, limit=100, peers=[], reader=reader)
        other.ingest(wires([net.device.sign("support.claim", {"request": request.id}, ts=now - HOUR + 1)]), now=now)
        with log.store.reading():
            [second] = view(log, "support", now=now, limit=100, reader=reader)
            [desk] = view(log, "regions", region="calais", now=now, limit=100, peers=[], reader=reader)
        assert (first["status"], again["requests"]["taken"]) == ("open", 0)
        assert (second["status"], desk["requests"]["taken"]) == ("claimed", 1)
    finally:
        other.store.close()
        log.store.close()
