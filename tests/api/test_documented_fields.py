"""Every field the API answers with on a node in everyday use is in node/openapi.json.

schemathesis (test_schemathesis.py) reads the answers of a node that holds nothing: no peer, no
revocation, no group named like another. Here a real `solnet run` has those: a peer that dialled
in, a configured one that never answers (failures, backoff), a revoked group, a group named like
this one, events of many kinds. Each answer must validate against its schema, and each object the
document describes field by field (the status, its `node`, a peer, an event's own fields) may hold
no field the document does not name: a bot watching `key_elsewhere` or `revoked` must find them
documented, not guess them from one answer.
"""
from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

import jsonschema_rs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from local_cluster import cli, cli_json, cluster  # noqa: E402,F401  (cluster: a fixture)

from events.kinds import KINDS  # noqa: E402
from node.api import OPENAPI_PATH  # noqa: E402
from node.views import VIEWS  # noqa: E402

DOC = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
SCHEMAS = DOC["components"]["schemas"]


def call(node: Any, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{node.port}{path}", method=method, data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {node.admin_token()}", "Content-Type": "application/json"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10) as reply:
        assert reply.headers.get_content_type() == "application/json"
        return json.loads(reply.read())


def publish(node: Any, kind: str, fields: dict[str, Any], **extra: Any) -> str:
    return call(node, "POST", "/api/v1/events", {"kind": kind, "fields": fields, **extra})["event"]["id"]


def undeclared(value: dict[str, Any], schema: dict[str, Any], where: str, extra: set[str] = frozenset()) -> list[str]:
    return [f"{where}.{name}" for name in sorted(set(value) - set(schema["properties"]) - extra)]


def valid(path: str, body: Any) -> list[str]:
    schema = {**DOC["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
              "components": DOC["components"]}
    return [f"{path}: {e.message[:160]} at {list(e.instance_path)}"
            for e in jsonschema_rs.validator_for(schema).iter_errors(body)]


def test_every_field_of_status_peers_and_events_is_documented(cluster) -> None:
    calais, bristol, dover = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Dover", "dover")])
    bristol.peers.append(calais.port)
    cluster.start(calais, sync_interval=3600)
    cluster.start(bristol, sync_interval=3600)
    cli(calais, "peers", "add", "127.0.0.1:9")  # nothing listens there: failures, a next attempt
    cli(calais, "revoke", dover.home.config().group_id, "--reason", "infiltrated")
    own = calais.home.config().group_id
    publish(calais, "group.profile", {"name": "Calais Solidarité", "region": "calais"}, **{"as": "group"})
    publish(calais, "alert", {"region": "calais", "type": "raid", "text": "CRS"}, expires_in="2h")
    need = publish(calais, "need", {"category": "tents", "quantity": "20", "region": "calais"})
    publish(calais, "need.fulfil", {"need": need, "quantity": "5"})
    publish(calais, "support.request", {"region": "calais", "type": "legal", "people": "2", "urgency": "high"},
            private="Details", to=[own])
    publish(calais, "action", {"title": "Blocage", "region": "calais", "type": "direct_action",
                               "starts_at": "2031-03-03T05:00"}, to=[own])
    publish(bristol, "group.profile", {"name": "Calais Solidarite", "region": "bristol"}, **{"as": "group"})
    cluster.wait(lambda: any(p.get("failures") for p in cli_json(calais, "peers"))
                 and any(p.get("name") for p in cli_json(calais, "peers")), 20,
                 "Calais showing Bristol's link and its failed dials to the other peer")
    cluster.wait(lambda: call(calais, "GET", "/api/v1/status")["named_like_us"], 20, "a name like Calais's")

    found: list[str] = []
    status = call(calais, "GET", "/api/v1/status")
    assert status["revoked"] and status["named_like_us"], status
    found += valid("/api/v1/status", status)
    found += undeclared(status, SCHEMAS["Status"], "status")
    found += undeclared(status["node"], SCHEMAS["Status"]["properties"]["node"], "status.node")
    peers = call(calais, "GET", "/api/v1/peers")
    found += valid("/api/v1/peers", peers)
    assert {p["source"] for p in peers["peers"]} >= {"config", "inbound"}, peers
    for peer in peers["peers"] + status["peers"]:
        found += undeclared(peer, SCHEMAS["Peer"], f"peer {peer['source']}")
    events = call(calais, "GET", "/api/v1/events?limit=500")
    found += valid("/api/v1/events", events)
    for event in events["events"]:  # its body's fields are merged in, as the Event schema says
        fields = {f.name for f in KINDS[event["kind"]].fields} if event["kind"] in KINDS else set()
        found += undeclared(event, SCHEMAS["Event"], f"event {event['kind']}", fields)
        found += valid("/api/v1/events/{id}", call(calais, "GET", f"/api/v1/events/{event['id']}?private=true"))
    for name in VIEWS:
        found += valid(f"/api/v1/{name}", call(calais, "GET", f"/api/v1/{name}"))
    assert not found, "answered but not in node/openapi.json:\n" + "\n".join(found)
