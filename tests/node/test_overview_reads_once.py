"""The dashboard overview of a home with more support requests than its first page shows, their
details sealed to chosen groups: the page lists the same requests, in the same order, with the
same count of those after it and the same places each could go, while it works out where
requests could go only for the rows its first page may show, and reads each request's private
part once for as long as the node runs (who reads a part never changes). A page of a thousand
requests read each one's body three times over, and matched each against a thousand support
offers only to count them: most of the page's time at 100k events (DESIGN: under 100 ms). On
real SQLite files, the private parts sealed and opened with real keys."""
from __future__ import annotations

from pathlib import Path

from events import readmodels
from node import audience, publishing, views
from node.audience import Opener
from node.dashboard import pages
from node.dashboard.pages import CANDIDATES, MAX_ITEMS, overview
from node.store import projections
from node_fixtures import Net
from test_audiences import _three

REQUEST = {"region": "calais", "type": "housing", "people": "2", "urgency": "high"}
REQUESTS = CANDIDATES + 15  # more than the first page reads: the page counts the rest among DEEP rows


def _home(net: Net, tmp_path: Path):
    """Calais seals REQUESTS requests' details to Bristol and closes every seventh, and needs
    REQUESTS tents, and raises REQUESTS funds; Bristol offers places, takes every fifth of the others and brings every
    fourth tent."""
    (calais, bristol, cardiff), (calais_keys, bristol_keys, _), _ = _three(net, tmp_path)
    requests = [publishing.publish(calais, calais_keys, "support.request", REQUEST, private=f"Family {i}",
                                   to=["Bristol"]) for i in range(REQUESTS)]
    for r in requests[::7]:
        publishing.publish(calais, calais_keys, "support.close", {"request": r.id.hex(), "outcome": "resolved"})
    needs = [publishing.publish(calais, calais_keys, "need", {"category": "tents", "quantity": "1", "region": "calais"})
             for _ in range(REQUESTS)]
    for i in range(REQUESTS):
        publishing.publish(calais, calais_keys, "fundraiser", {"title": f"Fund {i}", "goal": "100", "currency": "EUR",
                                                               "region": "calais"})
    bristol.ingest(list(calais.store.iter_wire()))
    fulfils = [publishing.publish(bristol, bristol_keys, "need.fulfil", {"need": n.id.hex(), "quantity": "1"})
               for n in needs[::4]]
    # needs covered from an offer of Bristol's (a draw on it), and fulfilments Calais declines: what
    # a need has left is of them alone, however its count is read (views.counted reads no offer)
    tents = publishing.publish(bristol, bristol_keys, "offer", {"category": "tents", "quantity": "500",
                                                                "region": "bristol"})
    for n in needs[1::4]:
        publishing.publish(bristol, bristol_keys, "need.fulfil", {"need": n.id.hex(), "quantity": "1",
                                                                  "offer": tents.id.hex()})
    publishing.publish(bristol, bristol_keys, "support.offer", {"region": "calais", "type": "housing",
                                                                "capacity": "3"})
    for r in [r for i, r in enumerate(requests) if i % 5 == 1 and i % 7]:
        publishing.publish(bristol, bristol_keys, "support.claim", {"request": r.id.hex()})
    calais.ingest(list(bristol.store.iter_wire()))
    for n, f in list(zip(needs[::4], fulfils))[::3]:
        publishing.publish(calais, calais_keys, "need.decline", {"need": n.id.hex(), "decline": f.id.hex()})
    for log in (bristol, cardiff):
        log.store.close()
    return calais, calais_keys, bristol_keys.group


def test_the_overview_lists_the_same_requests_and_reads_each_private_part_once(net: Net, tmp_path: Path,
                                                                                monkeypatch) -> None:
    log, keys, bristol = _home(net, tmp_path)
    own, opener = bytes(keys.group.public), Opener(keys.device_encryption)
    # What the page must show: every open request, in the section's order (those waiting for a group
    # first, the most urgent first, then newest first), as the full read model has them
    every = views.view(log, "support", now=0, reader=views.reader_of(log, opener=opener))
    open_ = pages._open_requests(every)
    assert len(open_) > MAX_ITEMS and any(r["claimed_by"] for r in open_)

    needed = pages._open_needs(views.view(log, "needs", now=0))  # (the most urgent first)
    assert len(needed) > MAX_ITEMS and any(n["declined"] for n in needed)
    assert len(needed) < REQUESTS - REQUESTS // 4  # (some covered from the offer)

    matched: list[int] = []
    where = readmodels.where_requests_can_go
    monkeypatch.setattr(readmodels, "where_requests_can_go",
                        lambda requests, *a, **k: (matched.append(len(requests)), where(requests, *a, **k))[1])
    suggested: list[int] = []
    suggest = readmodels.suggest_offers
    monkeypatch.setattr(readmodels, "suggest_offers",
                        lambda items: (suggested.append(sum(i["side"] == "need" for i in items)), suggest(items))[1])
    asked: list[tuple[str, int]] = []
    rows = views.Held.rows
    monkeypatch.setattr(views.Held, "rows", lambda self, table, **where: (
        asked.append((table, len(where.get("refs") or ()))), rows(self, table, **where))[1])
    page = overview(log, "calais", 0, own, peers=[], opener=opener)
    shown = page["support"]
    assert [r["id"] for r in shown["items"]] == [r["id"] for r in open_[:MAX_ITEMS]]
    assert [(r["status"], r["claimed_by"]) for r in shown["items"]] == [
        (r["status"], r["claimed_by"]) for r in open_[:MAX_ITEMS]]
    assert (shown["after"], shown["after_more"], shown["next_page"]) == (len(open_) - MAX_ITEMS, False, 2)
    for r in shown["items"]:  # where each could go: Bristol's places, and Bristol reads the details
        assert [(o["group"], o["reads_private"]) for o in r["can_go"]] == [(bytes(bristol.public), True)]
    assert [n["id"] for n in page["needs"]["items"]] == [n["id"] for n in needed[:MAX_ITEMS]]
    assert (page["needs"]["after"], page["needs"]["after_more"]) == (len(needed) - MAX_ITEMS, False)
    assert (page["fundraisers"]["after"], page["fundraisers"]["after_more"]) == (REQUESTS - MAX_ITEMS, False)
    # not for the DEEP rows counted after the first page
    assert max(matched) <= CANDIDATES and max(suggested) <= CANDIDATES
    assert max(n for table, n in asked if table == "fundraiser.update") <= CANDIDATES

    # The second page lists the rest, with where each could go, as before
    later = overview(log, "calais", 0, own, peers=[], opener=opener, section_pages={"support": 2})["support"]
    assert [r["id"] for r in later["items"]] == [r["id"] for r in open_[MAX_ITEMS:2 * MAX_ITEMS]]
    assert all(r["can_go"] for r in later["items"])

    # Who reads each part is remembered by the node's Opener: no request's body is read again for it;
    # how each group is gone is worked out once for each group a page reader asks about, not per row
    parts: list[bytes] = []
    part = audience._private_part
    monkeypatch.setattr(audience, "_private_part", lambda log, event_id: (parts.append(event_id), part(log, event_id))[1])
    departures: list[bytes] = []
    departure = readmodels.departure
    monkeypatch.setattr(readmodels, "departure", lambda group, *a: (departures.append(group), departure(group, *a))[1])
    again = overview(log, "calais", 0, own, peers=[], opener=opener)
    assert again["support"] == page["support"] and parts == []
    assert len(departures) <= 3 * len(set(departures))  # (the page's two readers, and the desk's own)
    log.store.close()


def test_the_rows_of_a_whole_overview_stay_rebuilt_for_the_next() -> None:
    """Each PAGED section with more than a page reads DEEP rows of its tables (the needs' section:
    needs and offers), and the page reads CANDIDATES of each other table besides: those rows all
    stay rebuilt (projections.ROW_CACHE), so the next page (the dashboard's refresh) rebuilds none.
    With 4,096 kept, a page of ~4,500 rows dropped half of them and rebuilt them all every time."""
    deep_tables = len(pages.PAGED) + 1  # (needs and offers)
    other_tables = len(views.REGION_TABLES)
    assert projections.ROW_CACHE >= deep_tables * (pages.DEEP + 1) + other_tables * (CANDIDATES + 1)
