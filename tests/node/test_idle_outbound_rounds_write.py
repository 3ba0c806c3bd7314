"""An idle node writes its card for a peer it dials no more often than for one that dials in: the
time of each round with it waits for the once-a-minute write. Each round (every 30 s by default)
with each dialled peer was a write of its own, however idle the node (bench/idle_writes.py: the
dialling node wrote 1,328 KiB an hour, the node it dialled 724 KiB)."""
from __future__ import annotations

import json

from node.net.status_saver import UNCHANGED_SAVE_MS, StatusSaver
from node.status import runtime_info
from sync.peers import DevicePenalties

BRISTOL = bytes([2]) * 32
ADDRESS = "http://127.0.0.1:7701"


def dialled(last_sync: int | None) -> dict:
    return {"address": ADDRESS, "source": "config", "device": BRISTOL.hex(), "label": "peer~020202",
            "connected": True, "direction": "outbound", "behind": 0, "ahead": 0, "last_sync": last_sync,
            "last_error": None, "banned": False, "received_events": 0, "sent_events": 0}


def test_a_dialled_peers_idle_rounds_wait_for_the_once_a_minute_write(net, tmp_path, monkeypatch) -> None:
    log = net.new_log(tmp_path / "solnet.db")
    with log.store.write():
        log.store.save_peer(ADDRESS, "config")
    clock = [1_000_000]
    monkeypatch.setattr("node.net.status_saver.now_ms", lambda: clock[0])
    saver = StatusSaver(None, lambda: log, facts=lambda: {"listen": None}, directory=None,  # type: ignore[arg-type]
                        views=lambda now: [], storage=None, devices=DevicePenalties(),  # type: ignore[arg-type]
                        removed=None)  # type: ignore[arg-type]
    def saved_sync() -> int | None:
        [peer] = [p for p in log.store.peer_rows() if p.address == ADDRESS]
        return json.loads(peer.state)["last_sync"] if peer.state else None

    saver.save([dialled(None)])
    clock[0] += 2_000
    saver.save([dialled(clock[0])])  # its first round: said at once
    first = clock[0]
    assert saved_sync() == first and runtime_info(log.store)["saved"] == first
    for _ in range(3):  # its next rounds, nothing else changed: no write of their own
        clock[0] += UNCHANGED_SAVE_MS // 4
        saver.save([dialled(clock[0])])
    assert saved_sync() == first and runtime_info(log.store)["saved"] == first
    clock[0] += UNCHANGED_SAVE_MS // 4
    saver.save([dialled(clock[0])])  # with the once-a-minute write
    assert saved_sync() == clock[0] and runtime_info(log.store)["saved"] == clock[0]
    log.store.close()
