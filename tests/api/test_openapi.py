"""node/openapi.json describes exactly the API the node serves: every /api/ route registered in the
app is in the document with its methods, and every documented operation is served."""
from __future__ import annotations

import json

from node import api as api_module
from node.render import MONEY_FIELDS
from node.webapp import create_app

METHODS = {"get", "post", "put", "patch", "delete"}


def served_operations(node) -> set[tuple[str, str]]:
    app = create_app(node)
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
    served = served_operations(api.node)
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


def field_description(f) -> str:
    """How node/openapi.json describes one typed field of a kind (what `solnet publish` accepts)."""
    words = {
        "text": f"text, at most {f.max_len} characters",
        "enum": "one of: " + ", ".join(f.choices),
        "int": f"a whole number from {f.minimum} to {f.maximum}",
        "time": "a time: ISO 8601 such as 2031-06-01T18:00 (this node's time zone) or with a UTC offset",
        "id": "an event id: 64 hex characters or a unique prefix of at least 6",
        "key": "a device or group id: 64 hex characters",
        "languages": "language codes separated by commas, such as en, fr, ar",
        "url": "a web link starting with https://",
        "region": "a region name such as calais (letters, digits and -)",
        "currency": "a three-letter currency code such as EUR",
        "ids": "event ids separated by commas",
        "texts": "texts separated by commas",
    }.get(f.type, f.type)
    if f.name in MONEY_FIELDS:  # typed in major units; `help` speaks of the stored minor units
        return "an amount such as 1500 or 12.50"
    return f"{f.help}; {words}" if f.help else words


def publish_branches() -> list[dict]:
    """One `oneOf` branch of PublishRequest per kind: its typed fields (text, or a number written as
    text), the required ones non-blank."""
    from events.kinds import KINDS
    from node.publishing import typed_fields

    branches = []
    for name, kind in KINDS.items():
        typed = typed_fields(kind)
        props = {f.name: {"type": ["string", "number"], **({"pattern": "\\S"} if f.required else {}),
                          "description": field_description(f)} for f in kind.fields if f.name in typed}
        required = [f.name for f in kind.fields if f.required and f.name in typed]
        fields = {"type": "object", "properties": props, "additionalProperties": False,
                  **({"required": required} if required else {})}
        branches.append({"properties": {"kind": {"const": name}, "fields": fields},
                         **({"required": ["kind", "fields"]} if required else {})})
    return branches


def test_publish_request_names_the_fields_of_every_kind():
    """The document cannot drift from events/kinds.py: each kind's branch lists exactly its fields.
    (After changing a kind: `python tests/api/test_openapi.py` rewrites the branches.)"""
    doc = json.loads(api_module.OPENAPI_PATH.read_text(encoding="utf-8"))
    assert doc["components"]["schemas"]["PublishRequest"]["oneOf"] == publish_branches()


if __name__ == "__main__":
    raw = api_module.OPENAPI_PATH.read_text(encoding="utf-8")
    doc = json.loads(raw)
    doc["components"]["schemas"]["PublishRequest"]["oneOf"] = publish_branches()
    api_module.OPENAPI_PATH.write_text(json.dumps(doc, indent=2 if raw.startswith('{\n  "') else 1,
                                                  ensure_ascii=False) + "\n", encoding="utf-8")
