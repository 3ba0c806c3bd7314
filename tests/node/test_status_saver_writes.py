"""The status saver writes a running node's peer health to the card as it changes, but no more
often for the time of a peer's every round: a peer that only dials in is saved as synced at its
first round, and the time of its later rounds waits for the once-a-minute write (an SD card)."""
from __future__ import annotations

import json

from node.net.status_saver import UNCHANGED_SAVE_MS, StatusSaver
from node.status import runtime_info
from sync.peers import DevicePenalties

BRISTOL = bytes([2]) * 32


def inbound(last_sync: int | None) -> dict:
    return {"address": None, "source": "inbound", "device": BRISTOL.hex(), "label": "peer~020202", "connected": True,
            "direction": "inbound", "behind": 0, "ahead": 0, "last_sync": last_sync, "last_error": None,
            "banned": False}


def test_a_peer_that_dialled_in_is_saved_synced_at_once_and_its_later_rounds_within_the_minute(net, tmp_path,
                                                                                              monkeypatch):
    log = net.new_log(tmp_path / "solnet.db")
    clock = [1_000_000]
    monkeypatch.setattr("node.net.status_saver.now_ms", lambda: clock[0])
    saver = StatusSaver(None, lambda: log, facts=lambda: {"listen": None}, directory=None,  # type: ignore[arg-type]
                        views=lambda now: [], storage=None, devices=DevicePenalties(),  # type: ignore[arg-type]
                        removed=None)  # type: ignore[arg-type]

    def saved() -> dict:
        return runtime_info(log.store)

    saver.save([inbound(None)])
    assert saved()["inbound"][0]["last_sync"] is None
    clock[0] += 2_000
    saver.save([inbound(clock[0])])  # its first round: said at once
    first = clock[0]
    assert saved()["inbound"][0]["last_sync"] == first and saved()["saved"] == first
    clock[0] += 30_000
    saver.save([inbound(clock[0])])  # its next round: not a write of its own
    assert saved()["inbound"][0]["last_sync"] == first and saved()["saved"] == first
    clock[0] += UNCHANGED_SAVE_MS
    saver.save([inbound(clock[0])])  # with the once-a-minute write
    assert saved()["inbound"][0]["last_sync"] == clock[0]
    log.store.close()
