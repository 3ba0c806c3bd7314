"""Every header an API answer carries is in node/openapi.json, on the response documented for that
route and status, and holds what its schema there says; every header the document marks required is
sent. A client generated from the document (or a reviewer reading it) learns of Cache-Control,
Server-Timing and Cross-Origin-Resource-Policy, which every answer carries, from the document.

A real node on 127.0.0.1 (tests/api/conftest.py's served_api); the answers are got by real requests
that make each documented status the test can make without breaking the node (200, 201, 400, 401,
403, 404, 405, 413, 415, 422, and the alert stream's 200)."""
from __future__ import annotations

import json
import re
from typing import Any

import jsonschema_rs

from node import api as api_module

# What HTTP itself puts on every answer, which no API document lists: its framing, its date, its
# media type (the document's `content` says it) and the Server header, sent empty (node/webapp.py).
TRANSPORT = {"date", "content-length", "content-type", "transfer-encoding", "connection", "keep-alive", "server"}
EVENT = "ab" * 32


def documented(doc: dict[str, Any], path: str, method: str, status: int) -> dict[str, Any]:
    """The response object the document gives for `method path` answering `status` ($ref followed)."""
    for template, item in doc["paths"].items():
        if re.fullmatch(re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(template)), path):
            # a method the route does not take: its 405 is documented on each method it takes
            operation = item[method] if method in item else next(iter(item.values()))
            response = operation["responses"][str(status)]
            while "$ref" in response:
                response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
            return response
    raise AssertionError(f"{method.upper()} {path} is not in the document")


def check(doc: dict[str, Any], path: str, method: str, status: int, headers: Any) -> None:
    response = documented(doc, path, method, status)
    declared = {name.lower(): spec for name, spec in response.get("headers", {}).items()}
    sent = {name.lower(): value for name, value in headers.items()}
    undocumented = set(sent) - TRANSPORT - set(declared)
    assert not undocumented, f"{method.upper()} {path} {status}: {sorted(undocumented)} not in node/openapi.json"
    for name, spec in declared.items():
        if spec.get("required"):
            assert name in sent, f"{method.upper()} {path} {status}: the document requires {name}; not sent"
        if name in sent:
            value = int(sent[name]) if spec["schema"].get("type") == "integer" else sent[name]
            assert jsonschema_rs.validator_for(spec["schema"]).is_valid(value), (path, status, name, value)


async def test_every_header_an_answer_carries_is_documented_for_its_route_and_status(served_api) -> None:
    api = served_api
    doc = json.loads(api_module.OPENAPI_PATH.read_text(encoding="utf-8"))
    token = {"Authorization": f"Bearer {api.token}"}
    as_json = {**token, "Content-Type": "application/json"}
    alert = {"kind": "alert", "fields": {"region": "calais", "type": "raid", "text": "at the bridge"}}
    asked = [
        ("get", "/api/v1/openapi.json", {}, None, 200),
        ("get", "/api/v1/status", token, None, 200),
        ("head", "/api/v1/status", token, None, 200),
        ("get", "/api/v1/regions", token, None, 200),
        ("get", "/api/v1/events?limit=1", token, None, 200),
        ("post", "/api/v1/events", as_json, json.dumps(alert).encode(), 201),
        ("get", "/api/v1/events?limit=0", token, None, 400),
        ("get", "/api/v1/status", {}, None, 401),
        ("get", "/api/v1/status", {"Authorization": "Bearer not-the-token"}, None, 403),
        ("get", "/api/v1/status", {**token, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors",
                                   "Sec-Fetch-Dest": "script"}, None, 403),
        ("get", f"/api/v1/events/{EVENT}", token, None, 404),
        ("put", "/api/v1/status", token, None, 405),
        ("post", "/api/v1/events", as_json, b"{" + b" " * 300_000 + b"}", 413),
        ("post", "/api/v1/events", {**token, "Content-Type": "text/plain"}, b"{}", 415),
        ("post", "/api/v1/events", as_json, b"{}", 422),
    ]
    for method, path, headers, body, status in asked:
        async with api.client.request(method.upper(), api.url(path), headers=headers, data=body) as reply:
            assert reply.status == status, (method, path, reply.status, await reply.text())
            documented_method = "get" if method == "head" else method  # HEAD answers as GET (the document says)
            check(doc, path.split("?")[0], documented_method, status, reply.headers)
    async with api.client.get(api.url("/api/v1/alerts/stream"), headers=token) as reply:  # headers, then close
        assert reply.status == 200 and reply.content_type == "text/event-stream"
        check(doc, "/api/v1/alerts/stream", "get", 200, reply.headers)
