"""A publish refusal answered by the API carries the key of its words and their values (documented in
the Error schema), as the dashboard chooses its words by them: a program need not match the English
message to tell "cleared already" from any other refusal, nor to say it in its own language. A
refusal the body's own check makes (a quantity that is not a whole number, a region not in its form)
carries the key of the same words a publish refusal of that value has."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import node
from crypto.short_ids import MIN_ID_PREFIX_HEX
from node.api_body import BodyError, parse
from node.dashboard.i18n import catalog
from test_refusal_times_in_request_zone import ZONE, in_zone, ms_of, publish


async def test_a_refusal_carries_its_key_and_values(api):
    alert = await publish(api, "alert", {"region": "calais", "type": "raid", "text": "ID checks"}, expires_in="2h")
    clear = await publish(api, "alert.update", {"alert": alert["id"], "status": "all_clear"})
    status, answer = await api.request("POST", "/api/v1/events", json={
        "kind": "alert.update", "fields": {"alert": alert["id"], "status": "all_clear"}, "time_zone": ZONE})
    error = answer["error"]
    assert status == 422 and error["code"] == "invalid_field" and error["field"] == "alert", answer
    assert error["key"] == "alert_cleared" and error["values"] == {"time": in_zone(ms_of(clear["timestamp"]))}, error
    assert f"error.{error['key']}" in catalog("fr")

    status, answer = await api.request("POST", "/api/v1/events", json={
        "kind": "need", "fields": {"category": "food", "quantity": "lots", "region": "calais"}})
    # (refused by the body's check, before publishing: its words have their key as publishing's have)
    assert status == 422 and answer["error"]["field"] == "quantity", answer
    assert answer["error"]["key"] == "number" and answer["error"]["values"] == {}, answer


NEED = {"category": "food", "quantity": "3", "region": "calais"}


@pytest.mark.parametrize(("kind", "fields", "key", "values"), [
    ("need", {**NEED, "quantity": "lots"}, "number", {}),
    ("need", {**NEED, "region": "North Wales"}, "region", {}),
    ("need", {**NEED, "category": "Food"}, "choice", {}),
    ("need.update", {"need": "not-an-id", "status": "met"}, "event_id_form", {"least": MIN_ID_PREFIX_HEX}),
    ("fundraiser", {"title": "Bail", "goal": "1,5", "currency": "EUR", "region": "calais"}, "amount_dot", {}),
    ("fundraiser", {"title": "Bail", "goal": "100", "currency": "euro", "region": "calais"}, "currency", {}),
])
def test_a_refusal_of_the_bodys_own_check_has_the_key_of_its_words(kind, fields, key, values) -> None:
    """A value not in the form the schema gives was refused with English text only: an API client
    could not say "Give a whole number ..." in its own language, though the words have a key."""
    with pytest.raises(BodyError) as refused:
        parse(json.dumps({"kind": kind, "fields": fields}).encode(), "application/json")
    assert (refused.value.key, dict(refused.value.values)) == (key, values), refused.value
    for lang in ("en", "fr"):
        assert f"error.{key}" in catalog(lang), (lang, key)


def test_the_key_and_its_values_are_documented() -> None:
    doc = json.loads((Path(node.__file__).parent / "openapi.json").read_text(encoding="utf-8"))
    said = doc["components"]["schemas"]["Error"]["properties"]["error"]["properties"]
    assert said["key"]["type"] == "string" and said["values"]["type"] == "object"


async def test_a_time_among_the_values_is_said_in_the_requests_zone(api):
    """A report on an action not started yet was refused with `values.starts_at` the action's start
    as milliseconds in a string ("1938…"), where the schema promises a time in the request's
    time_zone; the page's words now name that start, as the other refusals name their times."""
    starts = "2031-06-01T05:00:00Z"
    action = await publish(api, "action", {"title": "Blockade", "region": "calais", "type": "direct_action",
                                           "starts_at": starts})
    status, answer = await api.request("POST", "/api/v1/events", json={
        "kind": "action.report", "fields": {"action": action["id"], "people": "6", "outcome": "Held"},
        "time_zone": ZONE})
    error = answer["error"]
    assert status == 422 and error["key"] == "no_effect.report_too_early", answer
    assert error["values"]["starts_at"] == in_zone(ms_of(starts)), error
    for lang in ("en", "fr"):
        assert "{starts_at}" in catalog(lang)["error.no_effect.report_too_early"], lang
