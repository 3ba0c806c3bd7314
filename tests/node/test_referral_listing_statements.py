"""A network grown by referral (Calais admitted hundreds of groups, some of which admitted more) has
hundreds of groups none of whose rows are among a listing's newest, and a capped listing reads the
first rows of each (Held._turns_of_full, the flood's `rows_of_each_group`) to keep its turns fair.
Read one group at a time, that cost ~3 SQL statements a group (the group's regions, a walk of each
region and of its rows without one): an API needs page went from 27 to 1,193 statements between a
few groups and 400. Now the walks of many groups are one statement: the statements of a listing do
not grow with the groups, and each group's first rows, and so every listing, are what they were."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from crypto.keys import SigningKey
from crypto.keystore import NodeKeys
from events.genesis import make_genesis
from events.projections import ACTION, ALERT, NEED, OFFER, MemoryTables, Row
from node.dashboard import pages
from node.log import EventLog, now_ms
from node.store import projections
from node.views import heard_from, reader_of, view
from node_fixtures import Author, Net, device_vouch, wires

DAY = 86_400_000
REGIONS = ("calais", "dunkirk", "lille")


def _groups(net: Net, admitter: Author, count: int, now: int, start: int) -> list[Author]:
    """`count` groups admitted by `admitter` (a device), every fifth of them admitting the next in
    turn (chains down the admission tree), each posting needs, an offer, an action and an alert
    in one or two of REGIONS, older the smaller its number (`start` numbers the first)."""
    authors: list[Author] = []
    for k in range(start, start + count):
        g = Author(SigningKey.generate(), net.genesis.network_id)
        admitter.sign("member.vouch", {"subject": bytes(g.key.public), "role": "group"})
        region = REGIONS[k % 3]
        g.sign("group.profile", {"name": f"G{k}", "region": region})
        phone = net.device_of(g)
        authors += [g, phone]
        at = now - 900_000 + k * 100
        for i in range(1 + k % 3):
            phone.sign("need", {"category": "tents", "quantity": 1 + i, "region": REGIONS[(k + i) % 3]}, ts=at + i)
        phone.sign("offer", {"category": "tents", "quantity": 2, "region": region}, ts=at + 5)
        starts = now + (k % 7 - 3) * DAY + k  # some past, some to come
        phone.sign("action", {"title": f"A{k}", "region": REGIONS[(k + 1) % 3], "type": "protest",
                              "starts_at": starts}, ts=at + 6)
        phone.sign("alert", {"region": region, "type": "raid", "text": f"vans {k}",
                             **({"public": "yes"} if k % 2 else {})}, ts=at + 7, expires=now + DAY)
        if k % 5 == 0:
            admitter = phone
    return authors


def _founded() -> Net:
    """A founded network (as the `net` fixture), for the module's one grown network."""
    keys = NodeKeys.generate(with_group=True)
    genesis = make_genesis("test", [bytes(keys.group.public)], now_ms() - 1000)
    group, device = Author(keys.group, genesis.network_id), Author(keys.device, genesis.network_id)
    group.sign("member.vouch", device_vouch(keys.group, keys.device, bytes(keys.device_encryption.public)))
    group.sign("group.profile", {"name": "Founders", "region": "calais"})
    return Net(genesis, keys, group, device)


def _statements(log: EventLog, now: int) -> list[int]:
    """The statements of an API page of needs (and offers), of actions and of alerts, each capped."""
    counts = []
    for name, limit in (("needs", 50), ("actions", 20), ("alerts", 20)):  # (each capped with 80 groups)
        view(log, name, now=now, limit=limit, peers=[], reader=reader_of(log))  # (its rows rebuilt, kept)
        ran: list[str] = []
        log.store._db.set_trace_callback(ran.append)
        try:
            view(log, name, now=now, limit=limit, peers=[], reader=reader_of(log))
        finally:
            log.store._db.set_trace_callback(None)
        counts.append(len(ran))
    return counts


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EventLog, int, list[int]]]:
    """Calais admitted 80 groups (the statements of its listings counted then), then 160 more that
    posted earlier: none of their rows is among the newest (the log, now, the statements counted)."""
    net, now = _founded(), now_ms()
    calais = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(calais.key.public), "role": "group"})
    calais.sign("group.profile", {"name": "Calais", "region": "calais"})
    cphone = net.device_of(calais)
    authors = [net.group, net.device, calais, cphone, *_groups(net, cphone, 80, now, 0)]
    log = net.new_log(tmp_path_factory.mktemp("referral") / "referral.db")
    log.ingest(wires([e for a in authors for e in a.made]))
    few = _statements(log, now)
    signed = len(cphone.made)
    later = _groups(net, cphone, 160, now - 500_000, 1000)
    log.ingest(wires(cphone.made[signed:] + [e for a in later for e in a.made]))
    yield log, now, few
    log.store.close()


def _memory(log: EventLog) -> MemoryTables:
    memory = MemoryTables()
    for row in log.store.projection_rows():
        memory.rows[(row.table, row.key)] = row
    return memory


def _first_of_each(memory: MemoryTables, table: str, *, order: str, per_group: int, skip: Any = (),
                   groups: Any = None, places: Any = None, each: Any = None, **where: Any) -> list[Row]:
    """The reference of `rows_of_each_group`: each group's first `per_group` rows, one group at a time."""
    rows = memory.select(table, order=order, **where)
    groups = each if each is not None else groups
    wanted = sorted({r.data["group"] for r in rows} - set(skip) if groups is None else set(groups) - set(skip))
    return [r for g in wanted
            for r in [x for x in rows if x.data["group"] == g][:per_group if each is None else min(each[g], per_group)]]


def _by_group(rows: list[Row]) -> dict[bytes, list[bytes]]:
    out: dict[bytes, list[bytes]] = {}
    for r in rows:
        out.setdefault(r.data["group"], []).append(r.key)
    return out


def test_each_groups_first_rows_and_every_listing_are_those_read_a_group_at_a_time(
        grown: tuple[EventLog, int, list[int]], monkeypatch: pytest.MonkeyPatch) -> None:
    log, now, _ = grown
    memory, store = _memory(log), log.store
    groups = sorted({r.data["group"] for r in memory.table(NEED)})
    some = groups[::3]
    for table, order, where in ((NEED, "newest", {"t_from": now}), (NEED, "newest", {}), (OFFER, "newest", {"t_from": now}),
                                (ACTION, "t", {"t_from": now}), (ACTION, "latest", {"t_from": now - 4 * DAY, "t_before": now}),
                                (ALERT, "newest", {"t_from": now + 1, "public": True}), (ALERT, "newest", {"t_from": now + 1})):
        for region in (None, "dunkirk"):
            for per_group, chosen in ((1, {}), (3, {"skip": some}), (2, {"groups": some}),
                                      (3, {"each": {g: i % 4 for i, g in enumerate(some)}})):
                asked = {"order": order, "per_group": per_group, **where, **chosen,
                         **({"region": region} if region else {})}
                got = _by_group(store.rows_of_each_group(table, **asked))
                assert got == _by_group(_first_of_each(memory, table, **asked)), (table, asked)
                assert got, (table, asked)
                with monkeypatch.context() as m:  # (the groups bound in several statements)
                    m.setattr(projections, "GROUPS_A_STATEMENT", 7)
                    assert _by_group(store.rows_of_each_group(table, **asked)) == got

    def listings() -> list[Any]:
        out: list[Any] = []
        for name in ("needs", "actions", "past-actions", "alerts", "support"):
            for limit in (20, 50, 100):
                out.append([x["id"] for x in view(log, name, now=now, limit=limit, peers=[])])
        out.append([x["id"] for x in view(log, "needs", region="calais", now=now, limit=20, peers=[])])
        page = pages.overview(log, None, now)
        out += [[x["id"] for x in page[part]["items"]] for part in ("needs",)] + [[a["id"] for a in page["alerts"]]]
        return out

    new = listings()
    assert sum(len(ids) for ids in new) > 500
    monkeypatch.setattr(type(store), "rows_of_each_group",
                        lambda self, table, **asked: _first_of_each(memory, table, **asked))
    assert listings() == new


def test_a_listings_statements_do_not_grow_with_the_groups(grown: tuple[EventLog, int, list[int]]) -> None:
    """An API needs page (and the actions and alerts) runs as many statements with 240 groups as
    with 80 (give or take a read of the rows in chunks): the 160 groups admitted later posted
    earlier, so none of their rows is among the newest, and the listing reads the first of each
    (one statement a group or more before: +460 for the needs)."""
    log, now, few = grown
    assert sum(m.role == "group" for m in log.trust.members.values()) > 240
    many = _statements(log, now)
    assert all(m <= f + 2 for f, m in zip(few, many)), (few, many)
    print("statements with 80 groups:", few, "with 240:", many)


def test_when_each_group_was_last_heard_from_is_one_read_of_its_members(grown: tuple[EventLog, int, list[int]]) -> None:
    """The desk's and the groups page's "last heard" (node.views.heard_from): the newest event of
    each group's devices and key, as each member's newest stored event gives it, read for all the
    members in one statement per 500 (a statement a member before: 800 of a 400-group overview's)."""
    log, _, _ = grown
    want: dict[bytes, tuple[int, str]] = {}
    for key, member in log.trust.members.items():
        newest = log.store.events_page(author=key, limit=1) if member.role in ("device", "group") else []
        if newest and newest[0].ts > want.get(member.group, (0,))[0]:
            want[member.group] = (newest[0].ts, "event")
    ran: list[str] = []
    log.store._db.set_trace_callback(ran.append)
    try:
        got = heard_from(reader_of(log), [])
    finally:
        log.store._db.set_trace_callback(None)
    assert got == want and len(want) > 240
    assert len(ran) <= -(-len(log.trust.members) // 500), ran
