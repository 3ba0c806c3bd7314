"""A row number is given once. A fork takes its key's events out of the log (node/log.py); when they
were the newest, the next events stored got their numbers again, and whatever follows the log by
number (the alert feed of `--on-alert` and the API's stream, the watcher, a stream's cursor) had
moved past them: a member forking its own key after K events hid the next K events stored, a raid
alert of another group among them, from every hook and stream on every node."""
from __future__ import annotations

from pathlib import Path

from node.alert_feed import new_alerts
from node.log import EventLog, now_ms
from node.store import Store
from node_fixtures import Net, statuses, wires

NEED = {"category": "tents", "quantity": 3, "region": "calais"}
K = 5


def _fork_own_newest(log: EventLog, group_device) -> int:
    """`group_device` publishes K needs, then a second event at the first one's seq: its key forks
    and the K needs leave the log. The newest row number seen before the fork."""
    needs = [group_device.sign("need", {**NEED, "quantity": i + 1}) for i in range(K)]
    assert statuses(log.ingest(wires(needs))) == ["accepted"] * K
    seen = log.store.last_n()
    twin = group_device.sign("need", {**NEED, "quantity": 99}, seq=needs[0].seq, prev=needs[0].header.prev)
    log.ingest(wires([twin]))
    assert log.store.event_row(needs[0].id) is None, "the fork took the needs out of the log"
    return seen


def _forked(net: Net, tmp_path: Path) -> tuple[EventLog, int]:
    """A log in which a member device forked its own key, its K newest events taken out."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    mole = net.device_of(net.group)
    log.ingest(wires(net.group.made[-1:]))
    return log, _fork_own_newest(log, mole)


def test_the_alert_stored_after_a_fork_is_handed_on(net: Net, tmp_path: Path) -> None:
    log, seen = _forked(net, tmp_path)
    raid = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "vans at the camp"},
                           expires=now_ms() + 3_600_000)
    assert statuses(log.ingest(wires([raid]))) == ["accepted"]
    assert log.store.numbered_row(raid.id).n > seen
    _, handed = new_alerts(log, seen, now_ms())
    assert [a["text"] for a in handed] == ["vans at the camp"]


def test_numbers_taken_out_stay_given_after_the_database_is_opened_again(net: Net, tmp_path: Path) -> None:
    log, seen = _forked(net, tmp_path)
    log.store.close()
    again = EventLog(Store(tmp_path / "a.db"))  # a restarted node: nothing kept in memory
    event = again.append(net.founder.device, "need", NEED)
    assert again.store.numbered_row(event.id).n > seen
