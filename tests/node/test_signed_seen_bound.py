"""The store remembers which stored events it found to be what their authors signed (`_signed`),
so a publish's three reads of its new event hash it once. It kept the last 64 whole, bodies
included: a sealed body may be 60 KiB and every sealed event is read through it, so ~4 MiB stayed
alive on a Pi. Only events with small bodies are remembered now: what it keeps is bounded by
SIGNED_SEEN small events, whatever large ones are read; a small one read again is still found."""
from __future__ import annotations

from pathlib import Path

from node.log import now_ms
from node.store.events import SIGNED_SEEN, SIGNED_SEEN_BODY
from node_fixtures import Net, wires


def _kept_bytes(store: object) -> int:
    return sum(sum(len(part) for part in seen if part is not None) for seen in store._signed_seen)  # type: ignore[attr-defined]


def test_large_bodies_read_are_not_kept_and_small_ones_still_are(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    large = [net.device.sign("resource", {"title": f"leaflet {i}", "languages": ["en"], "summary": "rights",
                                          "text": "x" * 15_000}, ts=now - 1000 + i) for i in range(SIGNED_SEEN + 16)]
    small = net.device.sign("need", {"category": "tents", "quantity": 3, "region": "calais"}, ts=now)
    log = net.new_log(tmp_path / "db.sqlite")
    try:
        log.ingest(wires([*net.group.made, *large, small]), now=now)
        assert len(log.store.wires_by_id([e.id for e in large])) == len(large)  # every one read, and checked
        kept = _kept_bytes(log.store)
        assert kept <= SIGNED_SEEN * (SIGNED_SEEN_BODY + 512), kept  # (+ id, header and signature)
        assert all(len(seen[3] or b"") <= SIGNED_SEEN_BODY for seen in log.store._signed_seen)
        [wire] = log.store.wires_by_id([small.id])
        assert any(seen[0] == small.id for seen in log.store._signed_seen)  # remembered: a second read hashes nothing
        assert log.store.wires_by_id([small.id]) == [wire]
    finally:
        log.store.close()
