"""A time field's refusals are in node/openapi.json, where an API client looks for them: a date
without its time (it read as that day's 00:00: an offer lapsed as its last day began) and a time
without an offset that the clocks skip or show twice in its zone are refused with 422, but the
document described a time field only as "ISO 8601 such as 2031-06-01T18:00 (this node's time zone)",
which 2031-06-01 and 2030-03-31T02:30 in Europe/Paris both look like."""
from __future__ import annotations

import json
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parents[2] / "node" / "openapi.json"
ACTION = {"title": "Welcome cafe", "region": "calais", "type": "outreach"}


def starts_at_said() -> str:
    doc = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    [branch] = [b for b in doc["components"]["schemas"]["PublishRequest"]["oneOf"]
                if b["properties"]["kind"].get("const") == "action"]
    return branch["properties"]["fields"]["properties"]["starts_at"]["description"]


async def test_the_times_the_api_refuses_are_the_ones_the_document_says(api):
    said = starts_at_said()
    assert "a date without its time" in said and "skip or show twice" in said and "`time_zone`" in said, said
    for starts_at, time_zone, words in (("2031-06-01", None, "a date without a time"),
                                        ("2030-03-31T02:30", "Europe/Paris", "does not exist in Europe/Paris"),
                                        ("2030-10-27T02:30", "Europe/Paris", "happens twice in Europe/Paris")):
        body = {"kind": "action", "fields": {**ACTION, "starts_at": starts_at}}
        status, answer = await api.request("POST", "/api/v1/events",
                                           json={**body, "time_zone": time_zone} if time_zone else body)
        assert status == 422 and answer["error"]["field"] == "starts_at", answer
        assert words in answer["error"]["message"], answer
