"""End to end with two real `solnet run` processes (node.demo.localnet): an event POSTed to one node's
API is gossiped and shows in the other node's API."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from node.demo import localnet

pytestmark = pytest.mark.integration  # two real `solnet run` processes

PASSPHRASE = "api gossip test only: not a secret"
WAIT_S = 30.0


def call(port: int, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except OSError:
        return 0, None


def tail(node: localnet.LocalNode) -> str:
    return node.log_path.read_text(errors="replace")[-3000:] if node.log_path and node.log_path.exists() else ""


def test_posted_event_reaches_the_other_node(tmp_path: Path):
    nodes = localnet.create_network(tmp_path, [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
    localnet.line(nodes)  # Calais dials Bristol
    calais, bristol = nodes
    try:
        for node in nodes:
            localnet.start(node, PASSPHRASE, sync_interval=1.0)
        for node in nodes:
            assert (why := localnet.wait_started(node)) is None, why
        tokens = {n.name: n.admin_token() for n in nodes}
        for node in nodes:
            assert localnet.wait_until(lambda: call(node.port, tokens[node.name], "GET", "/api/v1/status")[0] == 200,
                                       WAIT_S), f"{node.name} did not serve its API:\n{tail(node)}"
        # Wait for the link, so the event travels by gossip rather than by a later sync.
        assert localnet.wait_until(
            lambda: call(calais.port, tokens["Calais"], "GET", "/api/v1/status")[1]["node"].get("links", 0) > 0,
            WAIT_S), tail(calais)
        alert = {"kind": "alert", "fields": {"region": "calais", "type": "raid", "location": "Loon-Plage",
                                             "text": "police vans at the camp"}}
        posted: list = []

        def publish_once_caught_up() -> bool:
            # A node signs nothing until its first complete round with a peer (node/chain_gate.py); a
            # link can be up before that round ends, and the API then says so (422 not_caught_up).
            posted[:] = call(calais.port, tokens["Calais"], "POST", "/api/v1/events", alert)
            return not (posted[0] == 422 and posted[1]["error"]["code"] == "not_caught_up")

        assert localnet.wait_until(publish_once_caught_up, WAIT_S), posted
        status, body = posted
        assert status == 201, body
        event_id = body["event"]["id"]
        # Bristol's own token: Calais's token does not open Bristol's API.
        assert call(bristol.port, tokens["Calais"], "GET", f"/api/v1/events/{event_id}")[0] == 403
        arrived = localnet.wait_until(
            lambda: call(bristol.port, tokens["Bristol"], "GET", f"/api/v1/events/{event_id}")[0] == 200, WAIT_S)
        assert arrived, f"the alert did not reach Bristol:\n{tail(calais)}\n{tail(bristol)}"
        _, there = call(bristol.port, tokens["Bristol"], "GET", f"/api/v1/events/{event_id}")
        assert there["text"] == "police vans at the camp" and there["kind"] == "alert"
        _, alerts = call(bristol.port, tokens["Bristol"], "GET", "/api/v1/alerts?region=calais")
        assert [a["id"] for a in alerts["items"]] == [event_id]
    finally:
        for node in nodes:
            localnet.stop(node)
    assert all(n.proc.poll() is not None for n in nodes)
