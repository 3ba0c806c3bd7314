"""A capped listing reads about as much of the store whatever the store's past: the actions to come
and those still going are found by seeking their time window in the index, not by walking every
past action of the region first (which a year of a busy region made thousands of rows per page).

The work is counted in SQLite's virtual-machine steps (a progress handler), which are the same on
every machine: a page of actions listed over 1,000 past actions must cost about what it costs over
100 of them."""
from __future__ import annotations

from pathlib import Path

from node.log import EventLog, now_ms
from node.views import view
from node_fixtures import Net, action, wires

DAY = 86_400_000
STEP = 100  # VM instructions per progress call


def _steps(log: EventLog, name: str, now: int, limit: int) -> tuple[int, list[bytes]]:
    """The VM steps (in hundreds) of one capped listing, and the ids it lists."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    db = log.store._db
    db.set_progress_handler(tick, STEP)
    try:
        listed = [item["id"] for item in view(log, name, now=now, limit=limit)]
    finally:
        db.set_progress_handler(None, STEP)
    return count[0], listed


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
