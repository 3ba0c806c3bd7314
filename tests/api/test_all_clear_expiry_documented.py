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


ZONE = "Pacific/Kiritimati"  # UTC+14, the zone of no server here: its times are told apart from the node's


def in_zone(iso: str) -> str:
    """An event's time as the API gives it (ISO 8601 in UTC), as a person reads it in ZONE."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M %Z")


async def test_the_alerts_end_is_said_in_the_requests_time_zone(api):
    """The refusal and the warning gave the alert's end in the server's own zone, not the request's
    `time_zone` (the browser's, the command's): a coordinator in Calais read a server's UTC."""
    status, alert = await api.request("POST", "/api/v1/events", json={
        "kind": "alert", "expires_in": "2h", "fields": {"region": "calais", "type": "raid", "text": "ID checks"}})
    assert status == 201, alert
    ends = alert["event"]["expires"]
    clear = {"kind": "alert.update", "time_zone": ZONE, "fields": {"alert": alert["event"]["id"], "status": "all_clear"}}
    status, refused = await api.request("POST", "/api/v1/events", json={**clear, "expires_in": "1h"})
    assert status == 422 and f"({in_zone(ends)})" in refused["error"]["message"], refused
    status, updated = await api.request("POST", "/api/v1/events", json={
        "kind": "alert.update", "time_zone": ZONE,
        "fields": {"alert": alert["event"]["id"], "status": "update", "text": "moved to the port"}})
    assert status == 201, updated
    assert any(f"still ends {in_zone(ends)}:" in w for w in updated["warnings"]), updated["warnings"]
