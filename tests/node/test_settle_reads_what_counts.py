"""What the store reads to work out an item's urgent mark or moved start (settle_steps) does not grow
with what another group adds: a mole group's need.update (which never count: only the need's own group
adjusts it) and its claims of a support request were all read and rebuilt again at each new one, so
12,000 of them cost every node that synced them a quadratic amount of work (0.3 s an event)."""
from __future__ import annotations

from pathlib import Path

from node.log import now_ms
from node_fixtures import Net, statuses, vm_steps, wires
from test_alert_feed import other_group

FLOOD = 2_000


def _work_of_one_more(net: Net, tmp_path: Path, name: str, item_kind: str, item: dict, step_kind: str,
                      step: callable, flood: int) -> int:
    owner = net.device_of(net.group)  # (a new device each time: each home gets its whole chain)
    mole, mole_device = other_group(net, "Mole")
    log = net.new_log(tmp_path / f"{name}-{flood}.db")
    try:
        now = now_ms()
        posted = owner.sign(item_kind, item, ts=now - 3_600_000)
        assert set(statuses(log.ingest(wires(net.group.made + mole.made + [posted]), now=now))) == {"accepted"}
        flooded = log.ingest(wires([mole_device.sign(step_kind, step(posted.id, i), ts=now - 3_000_000 + i)
                                    for i in range(flood)]), now=now)
        assert set(statuses(flooded)) == {"accepted"}
        one_more = wires([mole_device.sign(step_kind, step(posted.id, flood), ts=now - 1_000)])
        work, outcome = vm_steps(log.store._db, lambda: log.ingest(one_more, now=now), step=10)
        assert statuses(outcome) == ["accepted"]
        return work
    finally:
        log.store.close()


def test_a_moles_updates_on_a_need_are_not_read_again_at_each_new_one(net: Net, tmp_path: Path) -> None:
    need = {"category": "blankets", "quantity": 30, "region": "calais", "urgency": "high"}
    update = lambda need_id, i: {"need": need_id, "urgency": "low", "notes": f"n{i}"}  # noqa: E731
    few = _work_of_one_more(net, tmp_path, "need", "need", need, "need.update", update, 10)
    many = _work_of_one_more(net, tmp_path, "need", "need", need, "need.update", update, FLOOD)
    assert many < 2 * few + 50, (few, many)


def test_a_moles_claims_of_a_request_are_not_read_again_at_each_new_one(net: Net, tmp_path: Path) -> None:
    request = {"region": "calais", "type": "housing", "people": "1", "urgency": "high"}
    claim = lambda request_id, i: {"request": request_id}  # noqa: E731
    few = _work_of_one_more(net, tmp_path, "support", "support.request", request, "support.claim", claim, 10)
    many = _work_of_one_more(net, tmp_path, "support", "support.request", request, "support.claim", claim, FLOOD)
    assert many < 2 * few + 50, (few, many)


def test_a_moles_fulfilments_of_a_need_are_not_read_again_at_each_new_one(net: Net, tmp_path: Path) -> None:
    """Fulfilments take a need's urgent mark off once it is covered: of each other group, its first few are read."""
    need = {"category": "blankets", "quantity": 30, "region": "calais", "urgency": "high"}
    fulfil = lambda need_id, i: {"need": need_id, "quantity": 1}  # noqa: E731
    few = _work_of_one_more(net, tmp_path, "fulfil", "need", need, "need.fulfil", fulfil, 10)
    many = _work_of_one_more(net, tmp_path, "fulfil", "need", need, "need.fulfil", fulfil, FLOOD)
    assert many < 2 * few + 50, (few, many)
