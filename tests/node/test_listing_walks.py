"""A capped listing reads about as much of the store whatever the store's past: the actions to come
and those still going are found by seeking their time window in the index, not by walking every
past action of the region first (which a year of a busy region made thousands of rows per page).

The work is counted in SQLite's virtual-machine steps (a progress handler), which are the same on
every machine: a page of actions listed over 1,000 past actions must cost about what it costs over
100 of them."""
from __future__ import annotations

from pathlib import Path

from crypto.keys import SigningKey
from node.log import EventLog, now_ms
from node.views import SUMMARY_ROWS, view
from node_fixtures import Author, Net, action, vm_steps, wires

DAY = 86_400_000
STEP = 100  # VM instructions per progress call


def _steps(log: EventLog, name: str, now: int, limit: int) -> tuple[int, list[bytes]]:
    """The VM steps (in hundreds) of one capped listing, and the ids it lists."""
    steps, listed = vm_steps(log.store._db, lambda: view(log, name, now=now, limit=limit), STEP)
    return steps, [item["id"] for item in listed]


def _store_with_past(net: Net, path: Path, past: int, now: int) -> tuple[EventLog, list[bytes]]:
    """A store with `past` actions of the region long over (a year back), one still going and two in the next days."""
    device = net.device_of(net.group)  # a chain of its own for each store
    log = net.new_log(path)
    log.ingest(wires(net.group.made))
    old = [device.sign("action", {**action(i), "starts_at": now - 365 * DAY + i * 60_000}) for i in range(past)]
    current = [device.sign("action", {**action(0), "title": "Still going", "starts_at": now - 3_600_000}),
               device.sign("action", {**action(0), "title": "Tomorrow", "starts_at": now + DAY}),
               device.sign("action", {**action(0), "title": "In three days", "starts_at": now + 3 * DAY})]
    for i in range(0, len(old), 500):
        log.ingest(wires(old[i: i + 500]))
    log.ingest(wires(current))
    return log, [ev.id for ev in current]


def test_listing_actions_to_come_does_not_walk_the_past(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    few, few_ids = _store_with_past(net, tmp_path / "few.db", 100, now)
    many, many_ids = _store_with_past(net, tmp_path / "many.db", 1_000, now)
    # the actions to come and going, those of the next days, those over in the last two weeks (none)
    for name, shown in (("actions", slice(None)), ("timeline", slice(None)), ("past-actions", slice(0))):
        few_steps, few_listed = _steps(few, name, now, 20)
        many_steps, many_listed = _steps(many, name, now, 20)
        assert set(few_listed) == set(few_ids[shown]) and set(many_listed) == set(many_ids[shown]), name
        # 10 times the past, about the same work (it was about 10 times the work: every past row read)
        assert many_steps < 1.5 * few_steps + 20, (name, few_steps, many_steps)


def _statements(log: EventLog, name: str, now: int) -> int:
    """How many SQL statements one capped view runs."""
    count = [0]
    db = log.store._db
    db.set_trace_callback(lambda _sql: count.__setitem__(0, count[0] + 1))
    try:
        view(log, name, now=now, limit=100)
    finally:
        db.set_trace_callback(None)
    return count[0]


def _regional_network(net: Net, path: Path, groups: int, now: int) -> EventLog:
    """`groups` groups, each posting needs and support requests in its own region only, more than
    a region summary's share of each (so every region's listing reads each group's first rows)."""
    log = net.new_log(path)
    posts = []
    for g in range(groups):
        group = Author(SigningKey.generate(), net.genesis.network_id)
        net.group.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
        group.sign("group.profile", {"name": f"Group {g}", "region": f"region-{g}"})
        device = net.device_of(group)
        posts += group.made + device.made
        for i in range(SUMMARY_ROWS + 1):  # a full listing of the region: one group more than its share
            device.sign("need", {"category": "tents", "quantity": 2 + i, "region": f"region-{g}"})
            device.sign("support.request", {"region": f"region-{g}", "type": "housing", "people": "2",
                                            "urgency": "high"})
        posts += device.made[len(device.made) - 2 * (SUMMARY_ROWS + 1):]
    log.ingest(wires(net.group.made))
    log.ingest(wires(posts))
    return log


def test_the_coordinators_desk_reads_each_groups_places_once(net: Net, tmp_path: Path) -> None:
    """The regions view lists every table in every region, fair to every group: each group's
    regions are found once per view, and a region's listing walks only the groups with rows there.
    Its statements grow with the groups, not with groups times regions: from 4 regional groups to
    12, 109 statements to 265 (131 to 527 when every region's listing walked every group)."""
    now = now_ms()
    small = _statements(_regional_network(net, tmp_path / "small.db", 4, now), "regions", now)
    large = _statements(_regional_network(net, tmp_path / "large.db", 12, now), "regions", now)
    assert large < 3 * small, (small, large)


def test_the_walks_of_actions_by_time_read_their_index_alone(net: Net, tmp_path: Path) -> None:
    """Actions never lapse, and proj_by_time holds every one: a listing of them by time (to come,
    still going, over) reads that index alone, each row's time and id from it, not from the table.
    On a busy home the table's pages were out of SQLite's small cache: 267 of an overview's 1,729
    reads of the file were for the walks' `p.lapsed IS NULL`, true of every action."""
    now = now_ms()
    log, current = _store_with_past(net, tmp_path / "calais.db", 30, now)
    walks: list[str] = []
    db = log.store._db
    db.set_trace_callback(lambda sql: walks.append(sql) if sql.startswith("SELECT p.n, p.t, p.vid FROM proj") else None)
    try:
        listed = {name: [item["id"] for item in view(log, name, now=now, limit=20)]
                  for name in ("actions", "timeline", "past-actions")}
    finally:
        db.set_trace_callback(None)
    assert set(listed["actions"]) == set(current) and listed["past-actions"] == []
    assert len(walks) >= 4  # (to come: with no time and from now; still going; over)
    for sql in walks:
        plan = " | ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "COVERING INDEX proj_by_time" in plan, (sql, plan)


def test_the_walks_of_each_groups_actions_by_time_read_their_index_alone(net: Net, tmp_path: Path) -> None:
    """The walks of each group's actions by time (rows_of_each_group: the fair share of a listing one
    group fills, a group's own actions) read proj_by_group_time alone, as the region walks read
    proj_by_time: with the open rows' term, true of every action, each row walked and each of the
    group's regions probed was read from the table too."""
    now = now_ms()
    log, current = _store_with_past(net, tmp_path / "calais.db", 30, now)
    walks: list[str] = []
    db = log.store._db
    db.set_trace_callback(lambda sql: walks.append(sql) if " JOIN proj x" in sql else None)
    try:
        soon = log.store.rows_of_each_group("action", order="t", per_group=5, t_from=now - 2 * 3_600_000)
        over = log.store.rows_of_each_group("action", order="latest", per_group=5, t_from=now - 400 * DAY,
                                            t_before=now - 2 * 3_600_000)
        own = log.store.rows_of_each_group("action", order="t", per_group=5, t_from=now - 2 * 3_600_000,
                                           groups=[bytes(net.founder.group.public)])
    finally:
        db.set_trace_callback(None)
    assert {r.key for r in soon} == {r.key for r in own} == set(current) and len(over) == 5
    assert len(walks) == 3
    for sql in walks:
        plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}")]
        read_from_the_table = [step for step in plan if " p USING INDEX" in step]
        assert not read_from_the_table and any("COVERING INDEX proj_by_group_time" in s for s in plan), (sql, plan)
