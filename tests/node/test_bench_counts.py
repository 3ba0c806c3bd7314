"""The benchmarks count what a node stored with read-only SQL of their own (bench/common.py
`event_count`, safe while the node runs); a change of the schema must not leave that SQL behind
(it named a column of the old schema, and `bench/sync_full.py` failed after every sync)."""
from __future__ import annotations

from pathlib import Path

from bench.common import event_count
from node.log import now_ms
from node_fixtures import Net


def test_the_benchmarks_count_every_event_and_each_authors_own(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "db.sqlite")
    for i in range(3):
        net.device.sign("alert", {"region": "calais", "type": "raid", "text": f"Alert {i}"}, expires=now_ms() + 3_600_000)
    outcomes = log.ingest([e.encode() for e in net.group.made + net.device.made])
    assert [o.status for o in outcomes[-3:]] == ["accepted"] * 3, outcomes
    held = log.store.count()
    log.store.close()
    path = tmp_path / "db.sqlite"
    assert event_count(path) == held >= len(net.device.made) + 1
    assert event_count(path, bytes(net.device.key.public)) == len(net.device.made) >= 3
    assert event_count(path, bytes(32)) == 0  # an author the node never heard of
