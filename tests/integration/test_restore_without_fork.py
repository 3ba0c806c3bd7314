"""A node restored from an old backup of its home (a copy of the folder taken earlier) must find its
own newer events on the network and continue after them: never fork its chain, which would
freeze it on every node (docs/design.md section 4; node/chain_gate.py)."""
from __future__ import annotations

import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from events.errors import InvalidEvent
from local_cluster import PASSPHRASE, Cluster, chain_problems, cli, holds, publish, publish_action, query, status
from node import chain_gate, localnet
from node.localnet import LocalNode
from node.log import now_ms

HOUR_MS = 3_600_000


def device_head(node: LocalNode) -> int:
    device = bytes.fromhex(node.home.config().device_id)
    return query(node, "SELECT coalesce(max(seq), 0) FROM events WHERE a=(SELECT k FROM keys WHERE key=?)", (device,))[0][0]


def seq_of(node: LocalNode, event_id: bytes) -> int:
    return query(node, "SELECT seq FROM events WHERE id=?", (event_id,))[0][0]


def backdate_last_sync(home: Path, ms: int) -> None:
    """Make a backup look as old as backups are: its record of the last sync `ms` earlier. (Taken
    seconds ago in this test, it would still count as freshly synced; see CONFIRM_FRESH_MS.)"""
    with closing(sqlite3.connect(home / "solnet.db")) as db, db:
        raw = db.execute("SELECT value FROM meta WHERE key=?", (chain_gate.META_KEY,)).fetchone()[0]
        state = json.loads(raw)
        state = {k: (v - ms if k in ("started", "confirmed") and v else v) for k, v in state.items()}
        db.execute("UPDATE meta SET value=? WHERE key=?", (json.dumps(state).encode(), chain_gate.META_KEY))


def restore(node: LocalNode, backup: Path) -> None:
    shutil.rmtree(node.home.path)
    shutil.copytree(backup, node.home.path)


def no_forks(node: LocalNode) -> bool:
    return not query(node, "SELECT 1 FROM forks") and not query(node, "SELECT 1 FROM frozen")


def test_a_restored_home_continues_after_its_newer_events_on_the_network(cluster: Cluster, tmp_path: Path) -> None:
    calais, bristol, cardiff = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")])
    bristol.peers.append(calais.port)
    cardiff.peers.append(calais.port)
    for node in (calais, cardiff, bristol):
        cluster.start(node)
    first = publish_action(bristol, "Before the backup", region="bristol")
    cluster.wait(lambda: holds(calais, first), 15, "Bristol's first event on Calais")
    assert localnet.stop(bristol) == 0
    backup = tmp_path / "bristol-backup"
    shutil.copytree(bristol.home.path, backup)
    backdate_last_sync(backup, HOUR_MS)

    cluster.start(bristol)
    newer = [publish_action(bristol, f"After the backup {i}", region="bristol") for i in range(2)]
    cluster.wait(lambda: all(holds(n, e) for n in (calais, cardiff) for e in newer), 15,
                 "Bristol's newer events on Calais and Cardiff")
    assert localnet.stop(bristol) == 0
    network_head = seq_of(calais, newer[-1])

    # 1. Restored, node not running: publishing is refused with what to do, and nothing is signed.
    restore(bristol, backup)
    assert device_head(bristol) == network_head - 2
    refused = cli(bristol, "publish", "action", "--title", "Would fork", "--region", "bristol",
                  "--starts-at", "2031-06-01T18:00", "--type", "protest", ok=False)
    assert refused.returncode == 1, refused.stdout
    assert "solnet sync" in refused.stderr and "--offline" in refused.stderr and "Traceback" not in refused.stderr
    assert device_head(bristol) == network_head - 2

    # 2. `solnet sync` fetches its own newer events (ordinary ingest); the next event continues after them.
    synced = cli(bristol, "sync", calais.address)
    assert "received" in synced.stdout, synced.stdout
    assert device_head(bristol) == network_head
    after_sync = publish_action(bristol, "After the sync", region="bristol")
    assert seq_of(bristol, after_sync) == network_head + 1
    network_head += 1
    cli(bristol, "sync", calais.address)  # the network holds it too before the home is lost again
    assert holds(calais, after_sync)

    # 3. Restored again, and started as a node while its peer is down: its own publishing is held
    # (a second writer is refused at once; `solnet publish` would wait for the first round).
    calais_proc = calais.proc
    assert localnet.stop(calais) == 0
    restore(bristol, backup)
    cluster.start(bristol)
    second_writer = bristol.home.log()
    try:
        with pytest.raises(InvalidEvent) as held:
            second_writer.append(bristol.home.keys(PASSPHRASE).device, "action", {
                "title": "Would fork too", "region": "bristol", "type": "protest", "starts_at": now_ms() + HOUR_MS})
    finally:
        second_writer.store.close()
    assert held.value.reason == chain_gate.NOT_CAUGHT_UP
    assert device_head(bristol) == 1

    # The peer is back: the first round brings the newer events; publishing continues after them.
    cluster.start(calais)
    assert calais.proc is not calais_proc
    cluster.wait(lambda: device_head(bristol) == network_head, 30, "the restored node fetching its own newer events")
    last = publish(bristol, "need", category="blankets", quantity=12, region="bristol")
    assert seq_of(bristol, last) == network_head + 1
    cluster.wait(lambda: holds(calais, last) and holds(cardiff, last), 20, "the new event accepted by every node")
    for node in (calais, bristol, cardiff):
        assert no_forks(node), f"{node.name} recorded a fork"
        assert chain_problems(node) == [], node.name
        assert status(node)["forks"] == 0 and status(node)["frozen_authors"] == []
