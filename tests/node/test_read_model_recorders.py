"""One set of read-model cases, run against every store of read-model rows: the SQLite `Store` (rows
on disk, data recomputed from the events when read, listings merged per region) and the in-memory
reference `events.projections.MemoryTables`. A store is proved by passing the same cases as the
reference, the way eventsourcing runs one recorder test case class against every recorder."""
from __future__ import annotations

from pathlib import Path

import pytest

from crypto.keys import SigningKey
from events.canonical import pack
from events.format import Event, sign_event
from events.kinds import HOUR_MS, parse_body
from events.projections import (ACTION, ALERT, FULFIL, FUNDRAISER, FUNDRAISER_UPDATE, NEED, OFFER, PROFILE, SUPPORT,
                                SUPPORT_STATUS, Drop, MemoryTables, Row, project)
from node.store import BODY_PRESENT, Store

NETWORK = b"\x5a" * 32
NOW = 1_800_000_000_000
DAY = 24 * HOUR_MS


class Author:
    def __init__(self) -> None:
        self.key = SigningKey.generate()
        self.group = bytes(SigningKey.generate().public)
        self.seq, self.head = 0, None

    def event(self, kind: str, fields: dict, *, ts: int = NOW - HOUR_MS, expires: int | None = None) -> Event:
        self.seq += 1
        ev = sign_event(self.key, network=NETWORK, seq=self.seq, prev=self.head, timestamp=ts, kind=kind,
                        body=pack(fields), expires=expires)
        self.head = ev.id
        return ev


def rows_of(ev: Event, group: bytes) -> list[Row]:
    return [c for c in project(ev, parse_body(ev.header, ev.body), group) if isinstance(c, Row)]


class MemoryRecorder:
    def __init__(self) -> None:
        self.tables = MemoryTables()

    def add(self, ev: Event, group: bytes) -> None:
        self.tables.apply(project(ev, parse_body(ev.header, ev.body), group))

    def drop(self, *ids: bytes) -> None:
        self.tables.apply([Drop(ids)])

    def select(self, table: str, **filters) -> list[Row]:
        return self.tables.select(table, **filters)


class StoreRecorder:
    def __init__(self, path: Path) -> None:
        self.store = Store(path)

    def add(self, ev: Event, group: bytes) -> None:
        with self.store.write():
            n = self.store.insert_event(ev, ev.body, BODY_PRESENT)
            self.store.apply_projection(project(ev, parse_body(ev.header, ev.body), group), n)

    def drop(self, *ids: bytes) -> None:
        with self.store.write():
            self.store.apply_projection([Drop(ids)])

    def select(self, table: str, **filters) -> list[Row]:
        return self.store.rows(table, **filters)


def action(region: str, starts: int, title: str = "Demo") -> dict:
    return {"title": title, "region": region, "starts_at": starts, "type": "protest"}


def by_key(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: r.key)


class ReadModelCases:
    """What every read-model store must do. Subclasses say which store (`recorder`)."""

    def recorder(self, tmp_path: Path):
        raise NotImplementedError

    def test_each_kind_lands_in_its_table_with_its_data(self, tmp_path: Path) -> None:
        r, a = self.recorder(tmp_path), Author()
        fund = a.event("fundraiser", {"title": "Winter", "goal": 500_00, "currency": "EUR", "region": "calais"})
        need = a.event("need", {"category": "tents", "quantity": 4, "region": "dunkirk"})
        request = a.event("support.request", {"region": "calais", "type": "legal", "people": "2", "urgency": "low",
                                              "sealed": b"\x01" * 40})
        events = [
            a.event("group.profile", {"name": "Calais", "region": "calais"}),
            a.event("action", action("calais", NOW + DAY)),
            fund, a.event("fundraiser.update", {"fundraiser": fund.id, "raised": 120_00}),
            need, a.event("offer", {"category": "shoes", "quantity": 2, "region": "calais", "until": NOW + DAY}),
            a.event("need.fulfil", {"need": need.id, "quantity": 1}),
            request, a.event("support.claim", {"request": request.id, "note": "on it"}),
            a.event("alert", {"region": "calais", "type": "raid", "text": "police at the camp"},
                    expires=NOW + HOUR_MS),
        ]
        for ev in events:
            r.add(ev, a.group)
        expected = {t: by_key([row for ev in events for row in rows_of(ev, a.group) if row.table == t])
                    for t in (PROFILE, ACTION, FUNDRAISER, FUNDRAISER_UPDATE, NEED, OFFER, FULFIL, SUPPORT,
                              SUPPORT_STATUS, ALERT)}
        for table, rows in expected.items():
            assert len(rows) == 1, table
            assert by_key(r.select(table)) == rows, table
        [support] = r.select(SUPPORT)
        assert "sealed" not in support.data and support.data["has_private"] is True

    def test_the_newest_profile_of_a_group_wins_whatever_the_order(self, tmp_path: Path) -> None:
        r, a = self.recorder(tmp_path), Author()
        old = a.event("group.profile", {"name": "Old name", "region": "calais"}, ts=NOW - 2 * HOUR_MS)
        new = a.event("group.profile", {"name": "New name", "region": "dunkirk"}, ts=NOW - HOUR_MS)
        r.add(new, a.group)
        r.add(old, a.group)
        [row] = r.select(PROFILE)
        assert (row.key, row.data["name"], row.region, row.version) == (a.group, "New name", "dunkirk",
                                                                           (new.header.timestamp, new.id))

    def test_a_drop_removes_the_rows_of_the_events_it_names_in_any_table(self, tmp_path: Path) -> None:
        r, a = self.recorder(tmp_path), Author()
        first, second = (a.event("action", action("calais", NOW + i * DAY)) for i in (1, 2))
        profile = a.event("group.profile", {"name": "Calais", "region": "calais"})
        for ev in (first, second, profile):
            r.add(ev, a.group)
        assert len(r.select(ACTION, order="t")) == 2 and len(r.select(PROFILE)) == 1  # read once (the store keeps them)
        r.drop(first.id, profile.id, b"\x00" * 32)  # an id nobody stored changes nothing
        assert [row.key for row in r.select(ACTION)] == [second.id]
        assert [row.key for row in r.select(ACTION, order="t")] == [second.id]  # not from what was read before
        assert r.select(PROFILE) == []

    def test_a_region_time_and_reference_select_rows(self, tmp_path: Path) -> None:
        r, a = self.recorder(tmp_path), Author()
        soon = a.event("action", action("calais", NOW + DAY))
        later = a.event("action", action("calais", NOW + 3 * DAY))
        elsewhere = a.event("action", action("dunkirk", NOW + 2 * DAY))
        past = a.event("action", action("calais", NOW - DAY))
        for ev in (soon, later, elsewhere, past):
            r.add(ev, a.group)
        keys = lambda rows: [row.key for row in rows]  # noqa: E731
        assert keys(r.select(ACTION, region="calais", order="t")) == [past.id, soon.id, later.id]
        assert keys(r.select(ACTION, t_from=NOW, order="t")) == [soon.id, elsewhere.id, later.id]
        assert keys(r.select(ACTION, t_from=NOW - 2 * DAY, t_before=NOW + DAY, order="t")) == [past.id]
        assert keys(r.select(ACTION, order="latest", limit=3)) == [later.id, elsewhere.id, soon.id]
        assert keys(r.select(ACTION, region="dunkirk")) == [elsewhere.id]
        assert r.select(ACTION, region="nowhere") == []
        assert keys(r.select(ACTION, regions=["dunkirk", "calais", "nowhere"], order="t")) == [
            past.id, soon.id, elsewhere.id, later.id]  # several regions in one question
        assert keys(r.select(ACTION, regions=["dunkirk", "calais"], t_from=NOW, order="latest", limit=2)) == [
            later.id, elsewhere.id]
        assert r.select(ACTION, regions=[]) == []
        fund_a = a.event("fundraiser", {"title": "A", "goal": 100, "currency": "EUR", "region": "calais"})
        fund_b = a.event("fundraiser", {"title": "B", "goal": 100, "currency": "EUR", "region": "calais"})
        updates = [a.event("fundraiser.update", {"fundraiser": f.id, "raised": 10 * i})
                   for i, f in enumerate((fund_a, fund_b, fund_a), start=1)]
        for ev in (fund_a, fund_b, *updates):
            r.add(ev, a.group)
        assert sorted(keys(r.select(FUNDRAISER_UPDATE, refs=[fund_a.id]))) == sorted([updates[0].id, updates[2].id])
        assert r.select(FUNDRAISER_UPDATE, refs=[]) == []

    def test_untimed_rows_pass_a_time_filter_and_come_first_soonest_first(self, tmp_path: Path) -> None:
        r, a = self.recorder(tmp_path), Author()
        open_ended = a.event("need", {"category": "water", "quantity": 9, "region": "calais"})
        until = a.event("need", {"category": "food", "quantity": 9, "region": "calais", "until": NOW + DAY})
        lapsed = a.event("need", {"category": "food", "quantity": 9, "region": "calais", "until": NOW - DAY})
        for ev in (until, lapsed, open_ended):
            r.add(ev, a.group)
        assert [row.key for row in r.select(NEED, t_from=NOW, order="t")] == [open_ended.id, until.id]

    def test_listings_without_a_region_merge_every_region_in_order_and_limit(self, tmp_path: Path) -> None:
        r, a = self.recorder(tmp_path), Author()
        regions = ("calais", "dunkirk", "brighton")
        events = [a.event("action", action(regions[i % 3], NOW + (17 * i % 11) * HOUR_MS), ts=NOW - (7 * i % 13) * 1000)
                  for i in range(12)]
        for ev in events:
            r.add(ev, a.group)
        soonest = sorted(events, key=lambda e: (parse_body(e.header, e.body)["starts_at"], e.id))
        newest = sorted(events, key=lambda e: (e.header.timestamp, e.id), reverse=True)
        assert [row.key for row in r.select(ACTION, order="t", limit=5)] == [e.id for e in soonest[:5]]
        assert [row.key for row in r.select(ACTION, order="newest", limit=5)] == [e.id for e in newest[:5]]
        in_calais = [e for e in newest if parse_body(e.header, e.body)["region"] == "calais"]
        assert [row.key for row in r.select(ACTION, region="calais", order="newest", limit=2)] == \
            [e.id for e in in_calais[:2]]

    def test_ties_are_broken_by_event_id(self, tmp_path: Path) -> None:
        r, a = self.recorder(tmp_path), Author()
        same = [a.event("action", action("calais", NOW + DAY), ts=NOW) for _ in range(4)]
        for ev in same:
            r.add(ev, a.group)
        ids = sorted(e.id for e in same)
        assert [row.key for row in r.select(ACTION, order="t", limit=3)] == ids[:3]
        assert [row.key for row in r.select(ACTION, order="newest", limit=3)] == ids[::-1][:3]
        assert [row.key for row in r.select(ACTION, order="latest", limit=3)] == ids[::-1][:3]


    def test_a_limited_listing_of_every_region_is_the_head_of_the_whole_listing(self, tmp_path: Path) -> None:
        # Rows of four regions that tie on time across regions, and rows without a time (needs with
        # no `until`): a limited listing merges the regions' walks, so each limit must give the
        # head of the one order over every row (times then ids; untimed first soonest first).
        r, a = self.recorder(tmp_path), Author()
        regions = ("calais", "dunkirk", "brighton", "bristol")
        events, until_of = [], {}
        for i in range(18):
            fields = {"category": "food", "quantity": 1, "region": regions[i % 4]}
            if i % 3:
                fields["until"] = NOW + DAY * (1 + i % 2)
            ev = a.event("need", fields, ts=NOW - HOUR_MS * (i % 2))
            events.append(ev)
            until_of[ev.id] = fields.get("until")
            r.add(ev, a.group)
        soonest = [e.id for e in sorted(events, key=lambda e: (until_of[e.id] is not None, until_of[e.id] or 0, e.id))]
        latest = [e.id for e in sorted(events, key=lambda e: (until_of[e.id] is None, -(until_of[e.id] or 0),
                                                             bytes(255 - b for b in e.id)))]
        newest = [e.id for e in sorted(events, key=lambda e: (e.header.timestamp, e.id), reverse=True)]
        for order, whole in (("t", soonest), ("latest", latest), ("newest", newest)):
            assert [row.key for row in r.select(NEED, order=order)] == whole, order
            for limit in (1, 2, 5, 7, 18, 40):
                assert [row.key for row in r.select(NEED, order=order, limit=limit)] == whole[:limit], (order, limit)

class TestMemoryTables(ReadModelCases):
    def recorder(self, tmp_path: Path) -> MemoryRecorder:
        return MemoryRecorder()


class TestStore(ReadModelCases):
    def recorder(self, tmp_path: Path) -> StoreRecorder:
        return StoreRecorder(tmp_path / "rows.db")


def test_the_store_keeps_few_rebuilt_rows_and_answers_the_same(tmp_path: Path, monkeypatch) -> None:
    # The rows rebuilt from their events are kept in a bounded cache: listing more rows than it
    # holds, again and again, keeps it within its bound and gives the same rows each time.
    from node.store import projections
    monkeypatch.setattr(projections, "ROW_CACHE", 4)
    r, a = StoreRecorder(tmp_path / "rows.db"), Author()
    for i in range(10):
        r.add(a.event("need", {"category": "food", "quantity": i + 1, "region": "calais"}, ts=NOW - (10 - i) * 1000),
              a.group)
    first = r.select(NEED, order="newest")
    assert [row.data["quantity"] for row in first] == list(range(10, 0, -1))
    for limit in (10, 3, 10, 1):
        assert r.select(NEED, order="newest", limit=limit) == first[:limit]
        assert 0 < len(r.store._row_cache) <= 4


def test_both_stores_are_checked() -> None:
    assert {cls.__name__ for cls in ReadModelCases.__subclasses__()} == {"TestMemoryTables", "TestStore"}
    with pytest.raises(NotImplementedError):
        ReadModelCases().recorder(Path("."))
