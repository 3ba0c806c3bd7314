"""A need asked 20, its group lowered it to 5, and afterwards a hand-signed fulfilment of 18 came:
`view needs` said "13 more covered than it asks now: its group lowered it", no OVER-CLAIMED, as if
the lowering made it. Only what was covered before the update that set the quantity asked now (by
the events' stamps) is the lowering's; the rest is still the fulfilling groups' over-claim, named.
The same in every order of arrival; said so in the CLI's line (the dashboard's:
tests/dashboard/test_over_claim_after_lowering_page.py)."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from node.log import now_ms
from node.render import view_line
from node.views import view
from node_fixtures import Author, Net, wires
from test_audiences import _group

NEED = {"category": "tents", "quantity": 20, "region": "calais"}
HOUR = 3_600_000


def _story(net: Net, steps: list[tuple[str, int]]):
    """Calais's need of 20 an hour ago, then each step a minute apart: ("fulfil", n) by Bristol's
    device, signed by hand (publishing refuses an over-claim), ("lower", n) by Calais. The events
    before the steps, the steps, the need's id and Bristol's group."""
    bristol, bristol_keys = _group(net, "Bristol")
    start = now_ms() - HOUR
    need = net.device.sign("need", NEED, ts=start)
    by_bristol = Author(bristol_keys.device, net.genesis.network_id)
    made = []
    for i, (step, n) in enumerate(steps, start=1):
        ts = start + i * 60_000
        made.append(by_bristol.sign("need.fulfil", {"need": need.id, "quantity": n}, ts=ts) if step == "fulfil"
                    else net.device.sign("need.update", {"need": need.id, "quantity": n}, ts=ts))
    return wires([*net.group.made, *bristol.made, need]), wires(made), need.id, bytes(bristol.key.public)


def _item(net: Net, tmp_path: Path, head: list[bytes], steps: list[bytes]) -> dict:
    """The need as logs fed the steps in every order of arrival see it (all the same)."""
    seen = []
    for i, order in enumerate(itertools.permutations(steps)):
        log = net.new_log(tmp_path / f"{i}.db")
        log.ingest(head)
        for _ in range(len(order)):  # what waited for an earlier seq of its author
            log.ingest(list(order))
        [item] = view(log, "needs", now=now_ms())
        seen.append(item)
        log.store.close()
    assert all(s == seen[0] for s in seen), seen
    return seen[0]


@pytest.mark.parametrize("steps, over, lowered, said", [
    # lowered to 5, then 18 claimed against it: all of it over-claimed
    ([("lower", 5), ("fulfil", 18)], 13, 0, "OVER-CLAIMED: 13 more than asked, claimed by Bristol 18)"),
    # 18 covered, then lowered to 5: all of it the lowering's
    ([("fulfil", 18), ("lower", 5)], 13, 13, "(13 more covered than it asks now: its group lowered it)"),
    # 15 covered, lowered to 5, then 8 more: 10 the lowering's, 8 over-claimed
    ([("fulfil", 15), ("lower", 5), ("fulfil", 8)], 18, 10,
     "OVER-CLAIMED: 8 more than asked, claimed by Bristol 23; 10 more covered than it asks now: its group lowered it)"),
])
def test_only_what_was_covered_before_the_lowering_is_the_lowerings(net: Net, tmp_path: Path, steps, over, lowered,
                                                                    said) -> None:
    head, steps, _, bristol = _story(net, steps)
    item = _item(net, tmp_path, head, steps)
    assert (item["over"], item["over_lowered"], item["lowered"]) == (over, lowered, over == lowered), item
    line = view_line("needs", item, {bristol: "Bristol"})
    assert said in line and ("OVER-CLAIMED" in line) == (over > lowered), line
