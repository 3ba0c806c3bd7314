"""Every warning the API's publish answer can carry is one the document names: an API client reading
node/openapi.json alone learnt of an action in the past and of a step outranked by another device's,
but not of a delivery recorded twice (`need.fulfil`) nor of an `action.update` moving an action into
the past, both of which the answer's `warnings` carry: a bot that logged only the warnings it was
told of dropped a need counted twice."""
from __future__ import annotations

import json
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parents[2] / "node" / "openapi.json"


def warnings_said() -> str:
    doc = json.loads(DOCUMENT.read_text())
    answer = doc["paths"]["/api/v1/events"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    return answer["properties"]["warnings"]["description"]


async def test_a_delivery_recorded_twice_is_warned_of_as_the_document_says(api):
    need = await api.request("POST", "/api/v1/events", json={
        "kind": "need", "fields": {"category": "tents", "quantity": "12", "region": "calais"}})
    offer = await api.request("POST", "/api/v1/events", json={
        "kind": "offer", "fields": {"category": "tents", "quantity": "20", "region": "calais"}})
    assert need[0] == offer[0] == 201, (need, offer)
    fulfil = {"kind": "need.fulfil", "fields": {"need": need[1]["event"]["id"], "offer": offer[1]["event"]["id"],
                                                "quantity": "4"}}
    status, first = await api.request("POST", "/api/v1/events", json=fulfil)
    assert status == 201 and first["warnings"] == [], first
    status, again = await api.request("POST", "/api/v1/events", json=fulfil)
    assert status == 201, again
    [warning] = again["warnings"]
    assert "counts it twice" in warning and f"solnet redact {again['event']['id'][:12]}" in warning, warning
    said = warnings_said()
    assert "`need.fulfil`" in said and "twice" in said and "redact" in said, said


def test_the_document_names_an_update_moving_an_action_into_the_past() -> None:
    said = warnings_said()
    assert "`action.update`" in said and "into the past" in said, said


async def test_an_alert_update_says_when_the_alert_itself_ends_as_the_document_says(api):
    status, alert = await api.request("POST", "/api/v1/events", json={
        "kind": "alert", "expires_in": "2h", "fields": {"region": "calais", "type": "raid", "text": "ID checks"}})
    assert status == 201 and alert["warnings"] == [], alert
    update = {"kind": "alert.update", "expires_in": "5h",
              "fields": {"alert": alert["event"]["id"], "status": "update", "text": "still there"}}
    status, body = await api.request("POST", "/api/v1/events", json=update)
    assert status == 201, body
    [warning] = body["warnings"]
    assert warning.startswith("The alert itself still ends ") and "(expires_in is how long" in warning, warning
    assert "publish a new alert" in warning, warning
    clear = {"kind": "alert.update", "fields": {"alert": alert["event"]["id"], "status": "all_clear"}}
    status, body = await api.request("POST", "/api/v1/events", json=clear)
    assert status == 201 and body["warnings"] == [], body  # (it ended)
    said = warnings_said()
    assert "`alert.update`" in said and "still ends" in said, said
