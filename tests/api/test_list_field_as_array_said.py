"""A program that sends a list field (a redaction's `ids`, an action's `languages`) as a JSON array,
the first thing a client writes, is told to send one comma-separated text: the refusal said only
"'ids' must be text, as a person would type it", which does not say how several are written."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize(("kind", "fields", "name"), [
    ("redact", {"ids": ["ab" * 32]}, "ids"),
    ("action", {"title": "Info night", "region": "calais", "type": "info_night", "starts_at": "2031-11-15T18:30",
                "languages": ["fr", "en"]}, "languages"),
])
async def test_a_list_field_sent_as_a_json_array_is_told_how_to_write_it(api, kind, fields, name) -> None:
    status, body = await api.request("POST", "/api/v1/events", json={"kind": kind, "fields": fields})
    assert status == 422 and body["error"]["field"] == name, body
    assert 'separated by commas ("a, b"), not a JSON array' in body["error"]["message"], body
