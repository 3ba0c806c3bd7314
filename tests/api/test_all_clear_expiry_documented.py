"""An all clear whose `expires_in` ends before the alert it ends is refused by the API as by `solnet
publish` (once it expired, the alert showed as live again until its own end), and node/openapi.json,
where an API client looks for what `expires_in` may be, says so: it said only "at least 1 minute,
an alert at most 48h", so a bot clearing every alert with a short `expires_in` met a 422 that no
part of the document named."""
from __future__ import annotations

import json
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parents[2] / "node" / "openapi.json"


def expires_in_said() -> str:
    doc = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    return doc["components"]["schemas"]["PublishRequest"]["properties"]["expires_in"]["description"]


async def test_a_short_all_clear_is_refused_as_the_document_says(api):
    said = expires_in_said()
    assert "all clear" in said and "before the alert it ends" in said and "invalid_field" in said, said
    status, alert = await api.request("POST", "/api/v1/events", json={
        "kind": "alert", "expires_in": "2h", "fields": {"region": "calais", "type": "raid", "text": "ID checks"}})
    assert status == 201, alert
    clear = {"kind": "alert.update", "fields": {"alert": alert["event"]["id"], "status": "all_clear"}}
    status, refused = await api.request("POST", "/api/v1/events", json={**clear, "expires_in": "1h"})
    assert status == 422, refused
    error = refused["error"]
    assert (error["code"], error["field"]) == ("invalid_field", "expires_in"), error
    assert "before the alert it ends" in error["message"] and "leave 'expires_in' out" in error["message"], error
    status, cleared = await api.request("POST", "/api/v1/events", json={**clear, "expires_in": "3h"})
    assert status == 201, cleared
