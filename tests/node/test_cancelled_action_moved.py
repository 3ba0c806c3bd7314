"""A cancelled action that its group then moved stayed cancelled (only 'on' puts it back), and read
"CANCELLED by its group: new date" on every node: the move's note replaced the cancellation's, and
nothing told the member who moved it that it was still off. Two coordinators at once, one cancelling
it ("prefecture ban"), the other moving it ("moved to the park"), had it read "CANCELLED by its group:
moved to the park". A cancelled action's note is now its cancellation's, on every node whatever
order the updates came in, and a move of a cancelled action that does not say its status is refused,
naming both choices."""
from __future__ import annotations

from pathlib import Path

import pytest

from node import publishing
from node.kind_input import PublishError
from node.log import now_ms
from node.views import Held, action_item
from node_fixtures import Net, wires

HOUR = 3_600_000


def test_a_cancellation_and_a_move_at_once_read_cancelled_with_its_reason(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    d, phone = net.device, net.device_of(net.group)
    rally = d.sign("action", {"title": "Rally", "region": "calais", "type": "protest", "starts_at": now + 48 * HOUR},
                   ts=now - 2 * HOUR)
    cancel = phone.sign("action.update", {"action": rally.id, "status": "cancelled", "note": "prefecture ban"},
                        ts=now - HOUR)
    move = d.sign("action.update", {"action": rally.id, "place": "Parc Richelieu", "note": "moved to the park"},
                  ts=now - HOUR + 1)
    seen = []
    for name, updates in (("a", [cancel, move]), ("b", [move, cancel])):
        log = net.new_log(tmp_path / f"{name}.db")
        log.ingest(wires(net.group.made + [rally]), now=now)
        for u in updates:
            log.ingest(wires([u]), now=now)
        item = action_item(Held(log.store, log.trust), rally.id)
        assert item is not None
        seen.append((item["status"], item["note"], item["place"]))
    assert seen == [("cancelled", "prefecture ban", "Parc Richelieu")] * 2


def test_a_move_of_a_cancelled_action_must_say_its_status(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made), now=now_ms())
    starts = "2030-03-27T18:00Z"
    rally = publishing.publish(log, net.founder, "action", {"title": "Rally", "region": "calais", "type": "protest",
                                                           "starts_at": starts}, offline=True)
    key = rally.id.hex()
    publishing.publish(log, net.founder, "action.update", {"action": key, "status": "cancelled",
                                                           "note": "postponed, date to follow"}, offline=True)
    with pytest.raises(PublishError) as refused:
        publishing.publish(log, net.founder, "action.update", {"action": key, "starts_at": "2030-04-03T18:00Z",
                                                               "note": "new date"}, offline=True)
    assert refused.value.field == "status" and "on, to put it back on at the new time" in str(refused.value)
    publishing.publish(log, net.founder, "action.update", {"action": key, "starts_at": "2030-04-03T18:00Z",
                                                           "status": "on", "note": "new date"}, offline=True)
    item = action_item(Held(log.store, log.trust), rally.id)
    assert item is not None and (item["status"], item["note"]) == ("on", "new date")
