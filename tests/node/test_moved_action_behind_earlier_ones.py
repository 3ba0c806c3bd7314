"""An action moved into the coming days from beyond them is listed by its new start: the store
lists actions by their start as their group last moved them (proj.t, schema 15). By its first
start, a drop-in of day 9 moved to tonight was behind the 20 actions of the coming hours, missing
from the desk (its next action, the week's count, which did not even say it was cut) and from the
timeline and actions listings. The start follows the updates in either arrival order and goes back
with a redacted move; a home of schema 14 is moved when it opens."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from node.log import EventLog, now_ms
from node.store import SCHEMA_VERSION, Store
from node.views import SUMMARY_ROWS, view
from node_fixtures import Net, as_schema, wires

H = 3_600_000


def _events(net: Net, now: int) -> tuple[list, Any, Any]:
    """SUMMARY_ROWS actions in Calais in the coming hours, a drop-in on day 9, and its move to
    tonight (before all of them) by another device of its group."""
    d = net.device
    earlier = [d.sign("action", {"title": f"Action {i}", "region": "calais", "type": "protest",
                                 "starts_at": now + (i + 2) * H}, ts=now - 10 * H + i) for i in range(SUMMARY_ROWS)]
    late = d.sign("action", {"title": "Drop-in", "region": "calais", "type": "other", "starts_at": now + 9 * 24 * H},
                  ts=now - 9 * H)
    moved = net.device_of(net.group).sign("action.update", {"action": late.id, "starts_at": now + H}, ts=now - 8 * H)
    return earlier, late, moved


def _firsts(log: EventLog, now: int) -> tuple[str, str, str]:
    [calais] = view(log, "regions", region="calais", now=now, limit=100, peers=[])
    timeline = view(log, "timeline", region="calais", now=now, limit=SUMMARY_ROWS)
    actions = view(log, "actions", now=now, limit=SUMMARY_ROWS)
    return calais["next_action"]["title"], timeline[0]["title"], actions[0]["title"]


def test_an_action_moved_to_tonight_from_beyond_20_earlier_ones_is_listed_first(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    earlier, late, moved = _events(net, now)
    homes = []
    for name, order in (("action_first", [*earlier, late, moved]), ("move_first", [moved, *earlier, late])):
        log = net.new_log(tmp_path / f"{name}.db")
        log.ingest(wires(net.group.made), now=now)
        for event in order:
            log.ingest(wires([event]), now=now)
        homes.append(log)
    try:
        for log in homes:
            assert _firsts(log, now) == ("Drop-in",) * 3
            [calais] = view(log, "regions", region="calais", now=now, limit=100, peers=[])
            assert "actions" in calais["capped"]  # 21 this week: counted from the soonest 20, and said so
    finally:
        for log in homes:
            log.store.close()


def test_a_redacted_move_puts_the_action_back_at_its_first_start(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    earlier, late, _ = _events(net, now)
    mover = net.device_of(net.group)
    moved = mover.sign("action.update", {"action": late.id, "starts_at": now + H}, ts=now - 8 * H)
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made), now=now)
    log.ingest(wires([*earlier, late, moved]), now=now)
    try:
        assert _firsts(log, now)[0] == "Drop-in"
        log.ingest(wires([mover.sign("redact", {"ids": [moved.id]}, ts=now - 7 * H)]), now=now)
        assert _firsts(log, now) == ("Action 0",) * 3
    finally:
        log.store.close()


def test_a_schema_14_home_lists_its_moved_actions_by_their_new_start_when_it_opens(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    earlier, late, moved = _events(net, now)
    path = tmp_path / "calais.db"
    log = net.new_log(path)
    log.ingest(wires(net.group.made), now=now)
    log.ingest(wires([*earlier, late, moved]), now=now)
    log.store.close()
    first_start = now + 9 * 24 * H  # (schema 14 listed it by this)
    as_schema(path, 14, "DROP INDEX proj_urgent", "DROP INDEX proj_urgent_by_group", "ALTER TABLE proj DROP COLUMN urg",
              f"UPDATE proj SET t={first_start} WHERE n=(SELECT n FROM events WHERE id=X'{late.id.hex()}')")
    log = EventLog(Store(path))
    try:
        assert log.store.schema_version() == SCHEMA_VERSION and log.store.integrity() == "ok"
        assert _firsts(log, now) == ("Drop-in",) * 3
    finally:
        log.store.close()
