"""One flipped byte in a stored event (an SD card that fails a bit at a time): the node must not
serve it as what its author signed, nor gossip it to a peer, which would refuse it and ban this
honest node for an hour (a damaged card cutting a group off the network). Said like any damaged
database instead: what is wrong, and what mends it. Walked end to end with real processes.

Until 2026-12-04 the changed byte went out unchecked: the API and `solnet show` gave the action's
start time 4 minutes later than signed, the read model too, every sync round sent the event again
and the peer banned the node after the fifth (body_mismatch, 20 points each), and nothing told the
operator anything but "peer closed the connection: banned".
"""
from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request

import pytest

from local_cluster import DIRECT, Cluster, cli, holds, log_text, publish_action
from node.demo import localnet
from node.demo.localnet import LocalNode

pytestmark = pytest.mark.integration


def flip_a_body_byte(node: LocalNode, event_id: bytes) -> None:
    """Change one bit in the middle of the stored body of `event_id` (the node is stopped)."""
    with sqlite3.connect(node.home.db_path) as db:
        (body,) = db.execute("SELECT body FROM events WHERE id=?", (event_id,)).fetchone()
        changed = bytearray(body)
        changed[len(changed) // 2] ^= 0x04
        db.execute("UPDATE events SET body=? WHERE id=?", (bytes(changed), event_id))


def get(node: LocalNode, path: str) -> tuple[int, dict]:
    req = urllib.request.Request(f"http://127.0.0.1:{node.port}{path}",
                                 headers={"Authorization": f"Bearer {node.admin_token()}"})
    try:
        with urllib.request.build_opener(DIRECT).open(req, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_flipped_byte_is_neither_served_nor_gossiped_and_is_said(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    localnet.line([calais, bristol])
    ids = [publish_action(calais, f"Action {i}") for i in range(3)]
    flip_a_body_byte(calais, ids[1])

    # Offline, `solnet show` says the database is damaged and what to do (exit 4), not a wrong time
    shown = cli(calais, "show", ids[1].hex(), ok=False)
    assert shown.returncode == 4 and "is damaged" in shown.stderr and "solnet join FILE" in shown.stderr, shown
    assert "starts at" not in shown.stdout, shown.stdout

    cluster.start_all([calais, bristol])
    cluster.wait(lambda: "ERROR the database" in log_text(calais), 30, "calais says its database is damaged")
    said = log_text(calais)
    assert ids[1].hex()[:16] in said and "solnet join FILE" in said, said[-2000:]
    assert "Traceback" not in said, said[-3000:]

    # The API: 503 database_damaged, not the event with a changed field
    code, answer = get(calais, f"/api/v1/events/{ids[1].hex()}")
    assert (code, answer["error"]["code"]) == (503, "database_damaged"), (code, answer)
    code, answer = get(calais, "/api/v1/actions")
    assert (code, answer["error"]["code"]) == (503, "database_damaged"), (code, answer)

    # The peer was never sent the changed event, so it holds nothing false and bans nobody
    heard = log_text(bristol)
    assert "body_mismatch" not in heard and "banned" not in heard, heard[-2000:]
    assert not holds(bristol, ids[1])

    # `solnet status` beside the running node: the damage and what to do
    status = cli(calais, "status", ok=False)
    assert status.returncode == 4 and "is damaged" in status.stdout and "solnet join FILE" in status.stdout, status
