"""A need its own group lowered below what was already covered read "OVER-CLAIMED: 1 more than
asked, claimed by Bristol 5, London 4" in `view needs` (and "over-claimed ... claimed by" on the
dashboard's event page): the words for a group claiming goods beyond anything asked, said of groups
that delivered what was asked, to the group that lowered it. Said now as what it is; an over-claim
beyond anything the need asked is still said as one."""
from __future__ import annotations

from pathlib import Path

from node import publishing
from node.log import now_ms
from node.render import view_line
from node.views import view
from node_fixtures import Net, wires

NEED = {"category": "tents", "quantity": "20", "region": "calais"}


def _log(net: Net, tmp_path: Path):
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    return log


def test_a_need_lowered_below_what_was_covered_is_not_said_over_claimed(net: Net, tmp_path: Path) -> None:
    log = _log(net, tmp_path)
    need = publishing.publish(log, net.founder, "need", NEED)
    publishing.publish(log, net.founder, "need.fulfil", {"need": need.id.hex(), "quantity": "9"})
    publishing.publish(log, net.founder, "need.update", {"need": need.id.hex(), "quantity": "8"})
    [item] = view(log, "needs", now=now_ms())
    assert (item["over"], item["lowered"], item["remaining"]) == (1, True, 0), item
    line = view_line("needs", item, {})
    assert "OVER-CLAIMED" not in line and "1 more covered than it asks now: its group lowered it" in line, line


def test_covered_beyond_anything_asked_is_still_over_claimed(net: Net, tmp_path: Path) -> None:
    log = _log(net, tmp_path)
    need = publishing.publish(log, net.founder, "need", NEED)
    net.device.seq, net.device.prev = log.store.head(bytes(net.founder.device.public))
    log.ingest(wires([net.device.sign("need.fulfil", {"need": need.id, "quantity": 25})]))  # past any check
    publishing.publish(log, net.founder, "need.update", {"need": need.id.hex(), "quantity": "10"},
                       now=max(now_ms(), net.device.clock + 1))  # (stamped after the fulfilment)
    [item] = view(log, "needs", now=now_ms())
    # 5 claimed beyond the 20 it asked then; the other 10 are there because its group lowered it to 10
    assert (item["over"], item["over_lowered"], item["lowered"]) == (15, 10, False), item
    line = view_line("needs", item, {})
    assert "OVER-CLAIMED: 5 more than asked" in line and "; 10 more covered than it asks now" in line, line
