"""A step names the event it acts on (a fulfilment its need ...), and the read models judge the step
against that event's body (node/references.py). An event of a kind this node does not know is stored
without its body ever being decoded: a member could sign one of 60 KiB of empty maps and name it in
a fulfilment, and each page or `show` that judged the step built the whole body (~75 x its size)."""
from __future__ import annotations

import tracemalloc
from pathlib import Path

from node_fixtures import Net, statuses, wires
from node import references


def test_an_event_of_a_kind_this_node_does_not_know_is_no_target_and_is_not_decoded(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    ev = net.device.sign("survey.v2", {"anything": [{}] * 60_000})
    assert statuses(log.ingest(wires([ev]))) == ["accepted"]
    assert len(log.store.event_row(ev.id).body) > 60_000
    tracemalloc.start()
    try:
        one = references.target(log.store, log.trust, ev.id)
        many = references.targets(log.store, log.trust, [ev.id])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert one is None and many == {}
    assert peak < 1_000_000, peak  # the body read (60 KB), not built (4.7 MB)
