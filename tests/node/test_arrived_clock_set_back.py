"""`export --since` picks what its maker stored from a time on by `arrived` (a row per write
transaction: its time by this machine's clock, the highest row number it gave). A clock can read
earlier than before: a Raspberry Pi has no real-time clock, and after a power cut it starts from the
time it last saved (up to an hour old) and stays late until it reaches a time server, which a home
kept by bundles never does. The events it stores then have higher row numbers than those stored
before, under earlier times: "the highest row number stored before the start" took them as stored
before it, and an alert posted offline that reached the Pi then was left out of a bundle that said
it held everything stored from its start."""
from __future__ import annotations

import io
from pathlib import Path

import msgpack
import pytest

from node.bundle import MAGIC, export_bundle
from node.clock import now_ms
from node.store import base
from node_fixtures import Net, action, wires

HOUR = 3_600_000


def _carried(log, net: Net, since: int) -> list[bytes]:
    """The events a bundle since `since` carries."""
    out = io.BytesIO()
    export_bundle(log, net.founder.device, out, since_ts=since)
    return [item for item in msgpack.Unpacker(io.BytesIO(out.getvalue()[len(MAGIC):]), raw=False)
            if isinstance(item, bytes)]


def test_an_event_stored_while_the_clock_reads_earlier_than_before_is_in_a_since_bundle(
        net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    t = now_ms()
    log = net.new_log(tmp_path / "pi.db")
    try:
        monkeypatch.setattr(base, "now_ms", lambda: t - 2 * HOUR)  # the clock right, two hours ago
        log.ingest(wires(net.group.made + [net.device.sign("action", action(0), ts=t - 2 * HOUR)]))
        monkeypatch.setattr(base, "now_ms", lambda: t)  # the clock right, now
        log.ingest(wires([net.device.sign("action", action(1), ts=t)]))
        # A power cut; the Pi starts again reading 90 minutes late. A phone's alert posted offline
        # three hours ago comes in now (stored, by this clock, 30 minutes "before" the action above)
        monkeypatch.setattr(base, "now_ms", lambda: t - 90 * 60_000 + 60_000)
        late = net.device.sign("action", action(2), ts=t - 3 * HOUR)
        assert [o.status for o in log.ingest(wires([late]), now=t + 60_000)] == ["accepted"]
        carried = _carried(log, net, t - HOUR)  # since an hour ago by the clock: the late one came after
        assert late.encode() in carried, "stored after the start, whatever the clock read then"
        # (and the one stored two hours ago, when the clock was right, is still left out)
        assert len(carried) < log.store.count()
    finally:
        log.store.close()
