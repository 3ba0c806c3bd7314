"""node/openapi.json describes exactly the API the node serves: every /api/ route registered in the
app is in the document with its methods, and every documented operation is served."""
from __future__ import annotations

import json

from node import api as api_module
from node.webapp import build_app

METHODS = {"get", "post", "put", "patch", "delete"}


def served_operations(runtime) -> set[tuple[str, str]]:
    app = build_app(runtime)
    ops = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if path.startswith("/api/") and route.method.lower() in METHODS:
            ops.add((path, route.method.lower()))
    return ops


def documented_operations() -> set[tuple[str, str]]:
    doc = json.loads(api_module.OPENAPI_PATH.read_text(encoding="utf-8"))
    assert doc["openapi"].startswith("3.1")
    return {(path, method) for path, item in doc["paths"].items() for method in item if method in METHODS}


async def test_every_route_is_documented_and_every_documented_route_is_served(api):
    served = served_operations(api.runtime)
    documented = documented_operations()
    assert served, "no /api/ routes found: the check would prove nothing"
    assert served - documented == set(), "served but not in node/openapi.json"
    assert documented - served == set(), "documented but not served"


async def test_document_is_served_and_consistent(api):
    doc = await api.get("/api/v1/openapi.json", token=None)  # the document needs no token
    assert doc == json.loads(api_module.OPENAPI_PATH.read_text(encoding="utf-8"))
    refs = set()

    def walk(value):
        if isinstance(value, dict):
            if "$ref" in value:
                refs.add(value["$ref"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(doc)
    for ref in refs:  # every reference resolves
        node = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
    for path, item in doc["paths"].items():
        for method, op in item.items():
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert params == {seg[1:-1] for seg in path.split("/") if seg.startswith("{")}, (path, method)
            assert op["responses"], (path, method)
