"""A device's own steps on an item count in the order it signed them (its seq), not by its clock's
stamps: a laptop an hour ahead cancelled a drop-in by mistake; set right, it said "on" again, stamped
before the cancel, and every node, its own too, kept the drop-in CANCELLED. The same for a need's
quantity and an alert's updates. Steps of two devices still go by their stamps. Every arrival order,
and a rebuild, give the same."""
from __future__ import annotations

import random
from pathlib import Path

from node.log import now_ms
from node.views import view
from node_fixtures import Net, wires

HOUR = 3_600_000
NOW = now_ms()


def _in_every_order(net: Net, tmp_path: Path, events: list, check) -> None:
    orders = [events, events[::-1]] + [random.Random(seed).sample(events, len(events)) for seed in range(4)]
    for i, order in enumerate(orders):
        log = net.new_log(tmp_path / f"{i}.db")
        log.ingest(wires(net.group.made))
        for ev in order:
            log.ingest(wires([ev]))
        check(log)
        log.rebuild()
        check(log)
        log.store.close()


def test_a_device_set_right_says_on_again_after_a_cancel_stamped_ahead(net: Net, tmp_path: Path) -> None:
    start = NOW + 48 * HOUR
    action = net.device.sign("action", {"title": "Drop-in", "region": "calais", "type": "distribution",
                                        "starts_at": start}, ts=NOW - 3 * HOUR)
    # its clock an hour ahead, then set right: the later step carries the earlier stamp
    cancelled = net.device.sign("action.update", {"action": action.id, "status": "cancelled", "note": "by mistake"},
                                ts=NOW - 10 * 60_000)
    on_again = net.device.sign("action.update", {"action": action.id, "status": "on", "note": "on after all"},
                               ts=NOW - 70 * 60_000)
    need = net.device.sign("need", {"category": "tents", "quantity": 40, "region": "calais"}, ts=NOW - 3 * HOUR)
    raised = net.device.sign("need.update", {"need": need.id, "quantity": 60}, ts=NOW - 9 * 60_000)
    lowered = net.device.sign("need.update", {"need": need.id, "quantity": 25}, ts=NOW - 69 * 60_000)

    def check(log) -> None:
        [item] = view(log, "actions", now=NOW)
        assert item["id"] == action.id and item["status"] == "on" and item["note"] == "on after all"
        [n] = [i for i in view(log, "needs", now=NOW) if i["side"] == "need"]
        assert n["quantity"] == 25 and n["remaining"] == 25

    _in_every_order(net, tmp_path, [action, cancelled, on_again, need, raised, lowered], check)


def test_an_alert_updated_by_one_device_reads_its_last_word(net: Net, tmp_path: Path) -> None:
    alert = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "CRS at the camp"},
                            ts=NOW - 2 * HOUR, expires=NOW + 4 * HOUR)
    first = net.device.sign("alert.update", {"alert": alert.id, "status": "update", "text": "at the bridge now",
                                             "region": "calais", "type": "raid"}, ts=NOW - 5 * 60_000,
                            expires=NOW + 100 * HOUR)
    second = net.device.sign("alert.update", {"alert": alert.id, "status": "update", "text": "moving to the port",
                                              "region": "calais", "type": "raid"}, ts=NOW - 65 * 60_000,
                             expires=NOW + 100 * HOUR)

    def check(log) -> None:
        [live] = view(log, "alerts", now=NOW)
        assert live["latest"] == "moving to the port"

    _in_every_order(net, tmp_path, [alert, first, second], check)


def test_two_devices_still_go_by_their_stamps(net: Net, tmp_path: Path) -> None:
    second = net.device_of(net.group)
    start = NOW + 48 * HOUR
    action = net.device.sign("action", {"title": "Vigil", "region": "calais", "type": "protest", "starts_at": start},
                             ts=NOW - 3 * HOUR)
    on = net.device.sign("action.update", {"action": action.id, "status": "on", "note": "on"}, ts=NOW - 30 * 60_000)
    cancelled = second.sign("action.update", {"action": action.id, "status": "cancelled", "note": "banned"},
                            ts=NOW - 20 * 60_000)
    earlier = net.device.sign("action.update", {"action": action.id, "place": "Town hall"}, ts=NOW - 40 * 60_000)

    def check(log) -> None:
        [item] = view(log, "actions", now=NOW)
        # the first device's two steps in its own order, then the second device's cancel, stamped after both
        assert item["status"] == "cancelled" and item["note"] == "banned" and item["place"] == "Town hall"

    _in_every_order(net, tmp_path, [action, on, cancelled, earlier], check)
