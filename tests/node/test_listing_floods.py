"""A member flooding a capped listing (200 junk needs, actions, support requests ...) hides no other
group's rows: the API's and the CLI's views with a limit, and the dashboard overview, show at most
a few of one group before the others' (node.views.Held.listed), read by index walks per group."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crypto.keys import SigningKey
from events.projections import ACTION, ALERT, NEED, TABLES
from node.log import now_ms
from node.views import view
from node_fixtures import Author, Net, action, wires

DAY = 86_400_000
FLOOD = 150


def _bristol(net: Net) -> tuple[Author, Author]:
    bristol = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(bristol.key.public), "role": "group"})
    bristol.sign("group.profile", {"name": "Bristol", "region": "bristol"})
    return bristol, net.device_of(bristol)


# (view, kind, fields of the i-th event, its ts offset): the genuine event is the oldest (or the
# latest-starting action), so that the flood, newer or sooner, fills any limit before it.
def _need(i: int, now: int) -> dict[str, Any]:
    return {"category": "tents", "quantity": 2 + i, "region": "calais"}


def _offer(i: int, now: int) -> dict[str, Any]:
    return {"category": "shoes", "quantity": 2 + i, "region": "calais"}


def _support(i: int, now: int) -> dict[str, Any]:
    return {"region": "calais", "type": "housing", "people": ("1", "2")[i % 2], "urgency": "high"}


def _capacity(i: int, now: int) -> dict[str, Any]:
    return {"region": "calais", "type": "housing", "capacity": 2 + i}


def _fund(i: int, now: int) -> dict[str, Any]:
    return {"title": f"Tents {i}", "goal": 1000 + i, "currency": "EUR", "region": "calais"}


def _upcoming(i: int, now: int) -> dict[str, Any]:
    # The genuine one (i = -1) starts last; the flood sooner.
    return {**action(0), "title": f"Action {i}", "starts_at": now + DAY + (10**6 if i < 0 else i)}


def _past(i: int, now: int) -> dict[str, Any]:
    # The genuine one started first; the flood after it (the listing is the latest first).
    return {**action(0), "title": f"Past {i}", "starts_at": now - 2 * DAY + (0 if i < 0 else 1000 + i)}


LISTINGS = [("needs", "need", _need), ("needs", "offer", _offer), ("support", "support.request", _support),
            ("capacity", "support.offer", _capacity), ("fundraisers", "fundraiser", _fund),
            ("actions", "action", _upcoming), ("past-actions", "action", _past)]


@pytest.mark.parametrize(("name", "kind", "fields"), LISTINGS, ids=[f"{n}-{k}" for n, k, _ in LISTINGS])
def test_a_flood_of_one_group_hides_no_other_groups_row(net: Net, tmp_path: Path, name: str, kind: str,
                                                        fields: Any) -> None:
    bristol, flooder = _bristol(net)
    now = now_ms()
    genuine = net.device.sign(kind, fields(-1, now), ts=now - 60_000)
    flood = [flooder.sign(kind, fields(i, now), ts=now - 50_000 + i) for i in range(FLOOD)]
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + [genuine]))
    log.ingest(wires(flood))

    for limit in (100, 20, 5):  # the API's default, the region summary's, a bot's
        listed = [item["id"] for item in view(log, name, now=now, limit=limit)]
        assert genuine.id in listed, (name, limit)
        assert len(listed) == limit, "the rest of the room goes to the flood"
        assert listed[-1] == genuine.id, "in the listing's order: after the flood's newer (or sooner) rows"
    everything = [item["id"] for item in view(log, name, now=now, limit=500)]
    assert len(everything) == FLOOD + 1, "room for every row: all of them"

    from node.dashboard import pages  # the overview's sections read the same views
    page = pages.overview(log, None, now)
    section = {"needs": "needs", "offer": "offers", "support": "support", "capacity": "capacity",
               "fundraisers": "fundraisers", "actions": "timeline", "past-actions": "happened"}
    shown = [item["id"] for item in page[section[kind if kind == "offer" else name]]["items"]]
    assert genuine.id in shown


def test_a_listing_with_room_for_every_group_is_the_plain_newest_first(net: Net, tmp_path: Path) -> None:
    """No group over its share: the rows as ever, newest first, nothing held back."""
    bristol, other = _bristol(net)
    now = now_ms()
    mine = [net.device.sign("need", _need(i, now), ts=now - 60_000 + i) for i in range(8)]
    theirs = [other.sign("need", _need(i, now), ts=now - 50_000 + i) for i in range(8)]
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + mine + theirs))
    listed = [item["id"] for item in view(log, "needs", now=now, limit=10)]
    assert listed == [e.id for e in reversed(mine + theirs)][:10]


def _recording(monkeypatch: pytest.MonkeyPatch, marker: str) -> list[tuple[str, Any]]:
    """The statements (and arguments) with `marker` in them that stores send from now on."""
    from node.store.base import StoreBase

    ran: list[tuple[str, Any]] = []
    run = StoreBase._x

    def recorded(self: StoreBase, sql: str, args: Any = ()) -> Any:
        if marker in sql:
            ran.append((sql, args))
        return run(self, sql, args)

    monkeypatch.setattr(StoreBase, "_x", recorded)
    return ran


def test_the_rows_of_each_group_are_index_walks(net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-group reads (a flooded listing's, the public feeds') walk proj_by_group (actions:
    proj_by_group_time) with LIMIT, never the table: each statement they send, as SQLite plans it
    (the rows of each group: one statement whose walks are correlated subqueries, each with LIMIT)."""
    bristol, other = _bristol(net)
    now = now_ms()
    events = [d.sign(kind, fields(i, now)) for d in (net.device, other) for i in range(3)
              for kind, fields in (("need", _need), ("action", _upcoming), ("action", _past))]
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + events))
    ran = _recording(monkeypatch, "p.g=")
    store, group = log.store, bytes(net.group.key.public)
    assert len(store.rows_of_each_group(NEED, order="newest", per_group=2, t_from=now)) == 4
    assert len(store.rows_of_each_group(ACTION, order="t", per_group=2, t_from=now, region="calais")) == 4
    assert len(store.rows_of_each_group(ACTION, order="latest", per_group=2, t_from=now - 3 * DAY, t_before=now)) == 4
    assert len(store.rows(ACTION, groups=[group], order="t", t_from=now, limit=2)) == 2
    monkeypatch.undo()
    assert len(ran) >= 4
    for sql, args in ran:
        plan = " ".join(r[3] for r in store._db.execute(f"EXPLAIN QUERY PLAN {sql}", args))
        assert "SCAN p" not in plan and "SCAN x" not in plan, (sql, plan)
        index = "proj_by_group_time " if f"p.tbl={TABLES.index(ACTION)} " in sql else "proj_by_group "
        assert f"INDEX {index}" in plan and "TEMP B-TREE" not in plan and " LIMIT " in sql, (sql, plan)


def test_a_flood_of_a_group_not_in_the_public_feeds_leaves_them_full(net: Net, tmp_path: Path) -> None:
    """250 actions starting sooner (and 250 newer fundraisers), of a group whose profile does not
    opt in to the public feeds: the calendar and the Atom feeds still hold every action and the
    fundraiser of the opted-in group (the groups are chosen in SQL before the feeds' limit of 200,
    not after it), more of them than a group's share of a fair listing (node.views.per_group)."""
    from node import public_site

    bristol, flooder = _bristol(net)
    net.group.sign("group.profile", {"name": "Calais", "region": "calais", "public_feeds": "yes"})
    now = now_ms()
    genuine = [net.device.sign("action", {**_upcoming(-1, now), "starts_at": now + 2 * DAY + i}, ts=now - 60_000)
               for i in range(30)]
    fund = net.device.sign("fundraiser", _fund(-1, now), ts=now - 60_000)
    flood = [flooder.sign("action", _upcoming(i, now), ts=now - 50_000 + i) for i in range(250)]
    flood += [flooder.sign("fundraiser", _fund(i, now), ts=now - 50_000 + i) for i in range(250)]
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + genuine + [fund]))
    log.ingest(wires(flood))

    data = public_site.public_data(log, now)
    assert [a["id"] for a in data.actions] == [e.id for e in genuine]
    assert [f["id"] for f in data.fundraisers] == [fund.id]
    calendar = public_site.actions_ics(data).replace(b"\r\n ", b"")  # (long lines are folded)
    assert all(f"UID:{e.id.hex()}@solnet".encode() in calendar for e in genuine)
    assert fund.id.hex().encode() in public_site.fundraisers_atom(data)
    assert data.regions == ["calais"]


def test_a_flood_of_alerts_not_marked_public_leaves_the_public_alerts_full(net: Net, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """30 alerts of Calais marked public, then 250 newer ones of another group not marked public (a
    member's flood, or a busy night): the public alert page and feed still hold all 30 (the public
    alerts are chosen in SQL before the limit of 200, as the opted-in groups of the other public
    feeds are, not after it, when a group's share of the flood's cut held 10 of them), by walks of
    the public rows' own indexes."""
    from node import public_site

    bristol, flooder = _bristol(net)
    now = now_ms()
    public = [net.device.sign("alert", {"region": "calais", "type": "raid", "text": f"vans {i}", "public": "yes"},
                              ts=now - 60_000 + i, expires=now + DAY) for i in range(30)]
    flood = [flooder.sign("alert", {"region": "calais", "type": "raid", "text": f"not for everyone {i}"},
                          ts=now - 50_000 + i, expires=now + DAY) for i in range(250)]
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + public))
    log.ingest(wires(flood))

    data = public_site.public_data(log, now)
    assert sorted(a["id"] for a in data.alerts) == sorted(e.id for e in public)
    feed = public_site.alerts_atom(data)
    assert all(e.id.hex().encode() in feed for e in public) and b"not for everyone" not in feed
    # Index walks of the public rows alone: the whole network's, and each group's (a flood of public ones)
    ran = _recording(monkeypatch, "p.pub=1")
    assert len(log.store.rows(ALERT, public=True, t_from=now, order="newest", limit=20)) == 20
    assert len(log.store.rows_of_each_group(ALERT, public=True, t_from=now, order="newest", per_group=3)) == 3
    monkeypatch.undo()
    assert len(ran) >= 2
    for sql, args in ran:
        plan = " ".join(r[3] for r in log.store._db.execute(f"EXPLAIN QUERY PLAN {sql}", args))
        assert "INDEX proj_public" in plan and "TEMP B-TREE" not in plan and " LIMIT " in sql, (sql, plan)


def test_a_flood_of_alerts_not_marked_public_leaves_every_public_all_clear(net: Net, tmp_path: Path) -> None:
    """30 alerts of Calais marked public, each ended by its all clear, then 250 newer ones of another
    group not marked public, ended too (a member's flood, or a busy night): the public page and feed
    still say that all 30 ended. The ended alerts were read from the newest 200 of every alert, and
    their all clears from the newest 200 updates, fair to each group: 10 of Calais's, so 20 alerts
    people were warned of publicly just vanished from the page without their all clear."""
    from node import public_site

    bristol, flooder = _bristol(net)
    now = now_ms()
    public = [net.device.sign("alert", {"region": "calais", "type": "raid", "text": f"vans {i}", "public": "yes"},
                              ts=now - 60_000 + i, expires=now + DAY) for i in range(30)]
    cleared = [net.device.sign("alert.update", {"alert": a.id, "status": "all_clear", "text": f"gone {i}"},
                               ts=now - 40_000 + i) for i, a in enumerate(public)]
    flood = [flooder.sign("alert", {"region": "calais", "type": "raid", "text": f"not for everyone {i}"},
                          ts=now - 30_000 + i, expires=now + DAY) for i in range(250)]
    flood += [flooder.sign("alert.update", {"alert": a.id, "status": "all_clear", "text": "over"},
                           ts=now - 20_000 + i) for i, a in enumerate(flood)]
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + public + cleared))
    log.ingest(wires(flood))

    data = public_site.public_data(log, now)
    assert sorted(s["id"] for s in data.cleared) == sorted(e.id for e in public)
    feed = public_site.alerts_atom(data)
    assert all(e.id.hex().encode() in feed for e in cleared) and b"not for everyone" not in feed
