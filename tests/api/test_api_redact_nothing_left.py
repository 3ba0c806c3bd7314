"""`solnet redact` refuses to withdraw what has no content left ("no content left to redact"); the
API stored the same redaction with 201, empty `warnings` and `no_effect` null, so a script that
withdrew twice believed it had done something. Its answer now warns of each such id."""
from __future__ import annotations


async def test_an_api_redaction_of_an_event_withdrawn_already_warns(api) -> None:
    alert = await api.publish("alert", region="calais", type="raid", location="Test camp", text="Police at the camp")
    status, first = await api.request("POST", "/api/v1/events", json={"kind": "redact", "fields": {"ids": alert["id"]}})
    assert status == 201 and first["warnings"] == [], first
    status, again = await api.request("POST", "/api/v1/events", json={"kind": "redact", "fields": {"ids": alert["id"]}})
    assert status == 201, again
    said = [w for w in again["warnings"] if w.startswith("no content left to redact")]
    assert said and alert["id"] in said[0] and first["event"]["id"] in said[0], again

    # One of two ids gone already: only that one is named
    need = await api.publish("need", category="tents", quantity=3, region="calais")
    status, both = await api.request("POST", "/api/v1/events",
                                     json={"kind": "redact", "fields": {"ids": f"{alert['id']},{need['id']}"}})
    assert status == 201, both
    said = [w for w in both["warnings"] if w.startswith("no content left to redact")]
    assert said and alert["id"] in said[0] and need["id"] not in said[0], both
