"""A node killed (kill -9, a power cut) whose write-ahead log then loses its last transactions (a
changed bit on a failing card makes SQLite drop a frame and every later one; here the -wal file is
cut short there): its database is consistent and older, the alert it had already sent to its peer
is gone from it, and so is its record of its last round with a peer. A `solnet publish` with no
node running must not sign a different event at that seq (a fork: the device frozen on every
node): it is refused in words until a sync brings the events back (node/own_marks.py)."""
from __future__ import annotations

import struct
from pathlib import Path

from local_cluster import Cluster, chain_problems, cli, cli_json, holds, publish, query, status
from node.demo.localnet import LocalNode

WAL_HEADER, FRAME_HEADER = 32, 24


def cut_wal_before(home: Path, text: bytes) -> None:
    """Cut the home's -wal file at the start of the first transaction that wrote `text`: that one
    and every later one are lost, as SQLite drops them past a frame whose checksum fails."""
    wal = home / "solnet.db-wal"
    data = wal.read_bytes()
    page = struct.unpack(">I", data[8:12])[0]
    salts = data[16:24]
    size = FRAME_HEADER + page
    frames = [data[WAL_HEADER + i * size: WAL_HEADER + (i + 1) * size] for i in range((len(data) - WAL_HEADER) // size)]
    valid = [f for f in frames if f[8:16] == salts]  # (frames of an earlier pass over the file do not count)
    hit = next(i for i, f in enumerate(valid) if text in f)
    first = hit
    while first > 0 and struct.unpack(">I", valid[first - 1][4:8])[0] == 0:  # back to the previous commit frame
        first -= 1
    with open(wal, "r+b") as f:
        f.truncate(WAL_HEADER + first * size)
    (home / "solnet.db-shm").unlink(missing_ok=True)


def device_head(node: LocalNode) -> int:
    device = bytes.fromhex(node.home.config().device_id)
    return query(node, "SELECT coalesce(max(seq), 0) FROM events WHERE a=(SELECT k FROM keys WHERE key=?)", (device,))[0][0]


def test_a_publish_after_a_lost_wal_tail_waits_for_the_events_to_come_back(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers.append(calais.port)
    cluster.start(calais)
    cluster.start(bristol)
    text = "Police checks at the north station (sent before the power cut)"
    alert = publish(bristol, "alert", region="bristol", type="raid", location="North station", text=text)
    cluster.wait(lambda: holds(calais, alert), 15, "Bristol's alert on Calais")
    signed = device_head(bristol)

    cluster.kill(bristol)  # the power cut: nothing checkpointed, the WAL holds the alert
    cut_wal_before(bristol.home.path, text.encode())
    assert not holds(bristol, alert) and device_head(bristol) == signed - 1  # lost here, and nothing says so

    refused = cli(bristol, "publish", "need", "--category", "blankets", "--quantity", "5", "--region", "bristol",
                  ok=False)
    said = refused.stdout + refused.stderr
    assert refused.returncode == 1, said
    assert "lost its newest events" in said and "solnet sync PEER" in said and "--offline" in said, said
    assert "Traceback" not in said and "other hands" not in said
    assert device_head(bristol) == signed - 1  # nothing was signed

    cli(bristol, "sync", calais.address)  # the alert comes back from the peer that holds it
    assert holds(bristol, alert)
    need = publish(bristol, "need", category="blankets", quantity="5", region="bristol")
    assert query(bristol, "SELECT seq FROM events WHERE id=?", (need,))[0][0] == signed + 1

    cli(bristol, "sync", calais.address)
    assert holds(calais, need)
    for node in (calais, bristol):
        assert not query(node, "SELECT 1 FROM forks") and not query(node, "SELECT 1 FROM frozen"), node.name
        assert chain_problems(node) == [], node.name
        assert status(node)["frozen_authors"] == []
        assert "other hands" not in str(cli_json(node, "status"))
