"""A stranger's bundle file (`solnet import`) holding msgpack items of nested lists and maps: each
within the reader's caps (64 items a list, 16 a map, 4 events' bytes buffered), but a tree of
them built ~60 times its size before the reader looked at its type. Every item of a bundle holds
at most one map or list (its header and trailer a map, each event bytes): the rest is refused as
it is built, and the import says where the file stopped making sense. Real SQLite stores; memory
measured with tracemalloc."""
from __future__ import annotations

import io
import tracemalloc

import msgpack
import pytest

from crypto.keystore import NodeKeys
from events.genesis import make_genesis
from node.bundle import MAGIC, BundleError, import_bundle
from node.log import EventLog, now_ms
from node.store import Store

# 60 lists of 64 lists of 64 empty maps: 257 KB of msgpack, within the reader's buffer, and
# 245,760 empty dicts (~16 MB) once built
TREE = [[[{}] * 64] * 64] * 60


def _log() -> tuple[EventLog, bytes]:
    keys = NodeKeys.generate(with_group=True)
    genesis = make_genesis("bounded", [bytes(keys.group.public)], now_ms() - 1000)
    return EventLog.create(Store(":memory:"), genesis), genesis.network_id


def _peak_of(run) -> int:
    tracemalloc.start()
    try:
        run()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_a_header_of_nested_lists_is_refused_before_it_is_built() -> None:
    log, _ = _log()
    data = MAGIC + msgpack.packb(TREE)
    assert len(data) < 300_000
    errors: list[BundleError] = []

    def run() -> None:
        try:
            import_bundle(log, io.BytesIO(data))
        except BundleError as exc:
            errors.append(exc)
    peak = _peak_of(run)
    log.store.close()
    assert peak < 2_000_000, f"{peak:,} bytes held reading a {len(data):,}-byte bundle header"
    assert errors and "header is damaged" in str(errors[0])


def test_an_item_of_nested_lists_after_the_header_is_refused_before_it_is_built() -> None:
    log, network_id = _log()
    header = msgpack.packb({"network": network_id, "exporter": b"\x01" * 32, "created": now_ms(), "since": 0})
    data = MAGIC + header + msgpack.packb(TREE)
    reports = []
    peak = _peak_of(lambda: reports.append(import_bundle(log, io.BytesIO(data))))
    log.store.close()
    assert peak < 2_000_000, f"{peak:,} bytes held reading a {len(data):,}-byte bundle item"
    assert reports[0].problem is not None and "damaged near byte" in reports[0].problem
    assert not reports[0].outcomes
