"""POST /api/v1/events and hostile input: the token gates everything, refusals are JSON that name
the field, and nothing is stored by a refused request."""
from __future__ import annotations

import json

import pytest

from node import api as api_module

ACTION = {"kind": "action", "fields": {"title": "Rally", "region": "calais", "starts_at": "2030-06-01T18:00Z",
                                        "type": "protest"}}


async def event_count(api) -> int:
    return await api.node.db(api.node.log.store.count)


async def test_publish_stores_and_lists_the_event(api):
    status, body = await api.request("POST", "/api/v1/events", json={**ACTION, "fields": {
        **ACTION["fields"], "languages": "en, fr", "ends_at": "2030-06-01T20:00Z"}})
    assert status == 201, body
    event = body["event"]
    assert event["kind"] == "action" and event["languages"] == ["en", "fr"]
    assert event["author"] == bytes(api.node.keys.device.public).hex()
    listed = await api.get("/api/v1/events?kind=action")
    assert [e["id"] for e in listed["events"]] == [event["id"]]
    assert (await api.get(f"/api/v1/events/{event['id']}"))["title"] == "Rally"
    assert any(a["id"] == event["id"] for a in (await api.get("/api/v1/actions"))["items"])


@pytest.mark.parametrize("given,stored", [(10.0, 10), (1e3, 1000), (10, 10)])
async def test_a_json_number_with_a_zero_fraction_is_the_whole_number_json_schema_reads(api, given, stored):
    """node/openapi.json types a quantity as "integer", which JSON Schema matches for 10.0 too (and many
    JSON writers write a whole float so): it was refused as "must be a whole number, got '10.0'"."""
    status, body = await api.request("POST", "/api/v1/events", json={"kind": "need", "fields": {
        "category": "tents", "quantity": given, "region": "calais"}})
    assert status == 201, body
    assert body["event"]["quantity"] == stored
    status, body = await api.request("POST", "/api/v1/events", json={"kind": "need", "fields": {
        "category": "tents", "quantity": 2.5, "region": "calais"}})
    assert status == 422 and body["error"]["field"] == "quantity", body


async def test_an_action_starting_in_the_past_is_published_with_the_clis_warning(api):
    past = {**ACTION, "fields": {**ACTION["fields"], "starts_at": "2020-01-05T10:00Z"}}  # a year typed wrong
    status, body = await api.request("POST", "/api/v1/events", json=past)
    assert status == 201, body
    event_id = body["event"]["id"]
    [warning] = body["warnings"]
    assert warning.startswith("this action starts in the past (") and f"solnet redact {event_id}" in warning, warning
    status, body = await api.request("POST", "/api/v1/events", json={**past, "to": ["calais"]})  # chosen groups
    assert status == 201 and len(body["warnings"]) == 1, body
    status, body = await api.request("POST", "/api/v1/events", json=ACTION)  # to come: nothing to say
    assert status == 201 and body["warnings"] == [], body


async def test_publish_options_expiry_and_group_signer(api):
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "alert", "fields": {"region": "calais", "type": "raid", "text": "vans at the bridge"},
        "expires_in": "2h"})
    assert status == 201 and body["event"]["expires"] is not None
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "group.profile", "fields": {"name": "Calais Solidarité", "region": "calais"}, "as": "group"})
    assert status == 201 and body["event"]["author"] == bytes(api.node.keys.group.public).hex()


@pytest.mark.parametrize("token, status, code", [
    (None, 401, "token_required"),
    ("Bearer not-the-token", 403, "token_invalid"),
    ("Basic dXNlcjpwYXNz", 401, "token_required"),  # no Bearer token: none was sent
    ("Bearer ", 403, "token_invalid"),
])
async def test_publish_without_the_right_token_is_refused_and_stores_nothing(api, token, status, code):
    before = await event_count(api)
    got, body = await api.request("POST", "/api/v1/events", json=ACTION, token=token)
    assert (got, body["error"]["code"]) == (status, code)
    assert "admin-token" in body["error"]["message"]
    assert await event_count(api) == before
    got, _ = await api.request("GET", "/api/v1/events", token=token)  # reads need it too
    assert got == status


@pytest.mark.parametrize("patch, field, words", [
    ({"kind": "rally"}, "kind", "unknown kind"),
    ({"fields": {**ACTION["fields"], "type": "picnic"}}, "type", "picnic"),
    ({"fields": {**ACTION["fields"], "starts_at": "next tuesday"}}, "starts_at", "2026-12-01T18:00"),
    ({"fields": {k: v for k, v in ACTION["fields"].items() if k != "title"}}, "title", "needs"),
    ({"fields": {**ACTION["fields"], "colour": "red"}}, "colour", "no field"),
    ({"fields": {**ACTION["fields"], "ends_at": "2030-06-01T10:00Z"}}, "ends_at", "before"),
    ({"fields": {**ACTION["fields"], "title": "x" * 5000}}, "title", "title"),
    ({"fields": {**ACTION["fields"], "title": ["a list"]}}, "title", "text"),
    ({"expires_in": "soon"}, "expires_in", "90m"),
    ({"as": "root"}, "as", "device"),
    ({"private": "details"}, "private", "support.request"),
    ({"to": ["ab" * 32]}, "to", "no group"),  # an action for chosen groups, but no such group
    ({"to": "everyone"}, "to", "list"),
    ({"to": []}, "to", "leave 'to' out to publish to every group"),  # no audience is not "everyone"
    ({"sealed": "x"}, "sealed", "unknown key"),
    ({"fields": "title=Rally"}, "fields", "object"),
])
async def test_validation_errors_name_the_field(api, patch, field, words):
    before = await event_count(api)
    status, body = await api.request("POST", "/api/v1/events", json={**ACTION, **patch})
    assert status == 422, body
    assert body["error"]["field"] == field and words in body["error"]["message"], body
    assert await event_count(api) == before


async def test_an_empty_audience_is_refused_not_published_to_every_node(api):
    resource = {"kind": "resource", "fields": {"title": "Only us", "languages": "en", "summary": "s", "text": "t"}}
    before = await event_count(api)
    status, body = await api.request("POST", "/api/v1/events", json={**resource, "to": []})
    assert status == 422 and body["error"]["field"] == "to", body
    assert "name at least one group" in body["error"]["message"], body
    assert await event_count(api) == before
    status, body = await api.request("POST", "/api/v1/events", json=resource)  # "to" left out: every group
    assert status == 201 and not body["event"].get("for_chosen_groups"), body


async def test_support_request_validation(api):
    base = {"kind": "support.request", "fields": {"region": "calais", "type": "housing", "people": "2", "urgency": "high"}}
    status, body = await api.request("POST", "/api/v1/events", json={**base, "private": "a family", "to": []})
    assert status == 422 and body["error"]["field"] == "to"
    status, body = await api.request("POST", "/api/v1/events", json={**base, "private": "a family", "to": ["zz"]})
    assert status == 422 and body["error"]["field"] == "to"
    status, body = await api.request("POST", "/api/v1/events", json={**base, "private": "a family", "to": ["ab" * 32]})
    assert status == 422 and body["error"]["field"] == "to" and "no group" in body["error"]["message"]


async def test_a_full_disk_gets_507_and_stores_nothing(api):
    store = api.node.log.store
    await api.node.db(lambda: store.limit_pages(store.size_pages()))  # the disk is full
    before = await api.node.db(api.node.log.store.count)
    body = {"kind": "action", "fields": {"title": "Cours 9", "region": "calais", "type": "class",
                                         "starts_at": "2031-07-01T10:00", "description": "x" * 3900}}  # > one page
    status, reply = await api.request("POST", "/api/v1/events", json=body)
    assert status == 507 and reply["error"]["code"] == "storage_full" and "disk is full" in reply["error"]["message"]
    assert await api.node.db(api.node.log.store.count) == before
    await api.node.db(store.limit_pages, None)  # space freed
    status, _ = await api.request("POST", "/api/v1/events", json=body)
    assert status == 201


async def test_hostile_bodies_get_json_errors(api):
    before = await event_count(api)
    for raw, status, code in [
        (b"{not json", 400, "bad_json"),
        (b"\xff\xfe\x00", 400, "bad_json"),
        (b"[1, 2]", 400, "bad_json"),
        (b"", 400, "bad_json"),
        (b'{"kind": "action", "fields": {"title": ' + b'"x' * 200_000 + b'"}}', 413, "too_large"),
        (b"9" * 300_000, 413, "too_large"),
    ]:
        got, body = await api.request("POST", "/api/v1/events", data=raw, headers={"Content-Type": "application/json"})
        assert (got, body["error"]["code"]) == (status, code), raw[:40]
    assert await event_count(api) == before


@pytest.mark.parametrize("path, field", [
    ("/api/v1/events?limit=-1", "limit"),
    ("/api/v1/events?limit=0", "limit"),
    ("/api/v1/events?limit=501", "limit"),
    ("/api/v1/events?limit=ten", "limit"),
    ("/api/v1/events?cursor=-5", "cursor"),
    ("/api/v1/events?cursor=abc", "cursor"),
    ("/api/v1/events?kind=rally", "kind"),
    ("/api/v1/events?author=xyz", "author"),
    ("/api/v1/events?author=ab", "author"),
    ("/api/v1/events?author=abcd", "author"),  # the CLI's rule: at least 12 (crypto/short_ids.py MIN_ID_PREFIX_HEX)
    ("/api/v1/events?since=yesterday", "since"),
    ("/api/v1/events?region=%3Cscript%3E", "region"),
    ("/api/v1/needs?region=grande%20synthe", "region"),  # the region rule of events: no spaces
    ("/api/v1/events?cursor=0", "cursor"),
    ("/api/v1/events?sort=asc", "sort"),
    ("/api/v1/events/xyz123", "id"),
    ("/api/v1/events/abc", "id"),
    ("/api/v1/events/" + "a" * 65, "id"),
    ("/api/v1/events/abcdef?private=maybe", "private"),
    ("/api/v1/needs?limit=-3", "limit"),
    ("/api/v1/groups?region=" + "a" * 80, "region"),
    ("/api/v1/status?verbose=1", "verbose"),
])
async def test_bad_parameters_get_400_naming_them(api, path, field):
    status, body = await api.request("GET", path)
    assert status == 400, body
    assert body["error"]["code"] == "bad_parameter" and body["error"]["field"] == field


async def test_unknown_routes_and_methods_are_json(api):
    for method, path, status, code in [
        ("GET", "/api/v1/nothing", 404, "not_found"),
        ("GET", "/api/v2/events", 404, "not_found"),
        ("GET", "/api/", 404, "not_found"),
        ("DELETE", "/api/v1/events", 405, "method_not_allowed"),
        ("PUT", "/api/v1/events/abcdef", 405, "method_not_allowed"),
        ("POST", "/api/v1/status", 405, "method_not_allowed"),
    ]:
        got, body = await api.request(method, path)
        assert (got, body["error"]["code"]) == (status, code), (method, path)


async def test_a_public_note_on_a_claim_must_be_confirmed_and_case_details_are_sealed(api):
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "support.request", "fields": {"region": "calais", "type": "housing", "people": "1", "urgency": "high"}})
    assert status == 201, body
    claim = {"kind": "support.claim", "fields": {"request": body["event"]["id"], "note": "Host at 12 Acacia Road"}}
    before = await event_count(api)
    status, refused = await api.request("POST", "/api/v1/events", json=claim)
    assert status == 422 and refused["error"]["field"] == "note" and "public" in refused["error"]["message"]
    assert await event_count(api) == before
    status, bad = await api.request("POST", "/api/v1/events", json={**claim, "public_note": "yes"})
    assert status == 422 and bad["error"]["field"] == "public_note"
    sealed = {**claim, "fields": {"request": claim["fields"]["request"]}, "private": "Host at 12 Acacia Road"}
    status, made = await api.request("POST", "/api/v1/events", json=sealed)
    assert status == 201 and made["event"]["has_private"] and "Host" not in str(made)
    status, twice = await api.request("POST", "/api/v1/events", json={**claim, "public_note": True})
    assert status == 422 and twice["error"]["field"] == "request" and "already claimed" in twice["error"]["message"]
    # A public note (confirmed) on the close: this group has claimed the request already, once is enough.
    status, public = await api.request("POST", "/api/v1/events", json={"kind": "support.close", "fields": {
        "request": claim["fields"]["request"], "outcome": "resolved", "note": "We could help"}, "public_note": True})
    assert status == 201 and public["event"]["note"] == "We could help"


SUPPORT = {"region": "calais", "type": "housing", "people": "2", "urgency": "high"}
ANSWERED = {  # kinds and options whose answers carry different parts of an event's JSON
    "need": {"kind": "need", "fields": {"category": "water", "region": "calais", "quantity": "4"}},
    "action": {**ACTION, "fields": {**ACTION["fields"], "languages": "en, fr", "ends_at": "2030-06-01T20:00Z"}},
    "alert_expiring": {"kind": "alert", "fields": {"region": "calais", "type": "raid", "text": "vans at the bridge"},
                       "expires_in": "2h"},
    "group_signed": {"kind": "group.profile", "fields": {"name": "Calais Solidarité", "region": "calais"},
                     "as": "group"},
    "private_part": {"kind": "support.request", "fields": SUPPORT, "private": "a family of 3", "to": ["calais"]},
    "chosen_groups": {**ACTION, "to": ["calais"]},
}


@pytest.mark.parametrize("body", ANSWERED.values(), ids=ANSWERED.keys())
async def test_a_publish_answers_the_event_exactly_as_get_reads_it(api, body):
    """The answer of POST /api/v1/events is the JSON GET /api/v1/events/{id} gives for the same
    event, to the byte: its number, its group and the group's name, its private flag and an event
    for chosen groups opened for this node."""
    async with api.client.post(api.url("/api/v1/events"), json=body,
                               headers={"Authorization": f"Bearer {api.token}"}) as reply:
        assert reply.status == 201, await reply.text()
        posted = await reply.text()
    event = json.loads(posted)["event"]
    async with api.client.get(api.url(f"/api/v1/events/{event['id']}"),
                              headers={"Authorization": f"Bearer {api.token}"}) as reply:
        assert reply.status == 200
        read = await reply.text()
    assert posted == f'{{"event": {read}, "warnings": []}}'  # (none: each starts in the future)
    assert event["group_name"] is not None and event["no_effect"] is None
    assert event["private"] is (body is ANSWERED["private_part"])
    assert ("inner" in event) is (body is ANSWERED["chosen_groups"])


async def test_an_accept_of_a_group_this_group_already_named_is_refused_and_stores_nothing(bristol_api, homes):
    """Bristol joined through Calais and named it (its accept is in its log). Another accept of Calais
    changes nothing (`solnet accept` skips it); published through the API it is refused as a trust
    event without effect is (`not_allowed`, saying why), and nothing is stored."""
    api, node = bristol_api, bristol_api.node
    calais = homes["calais"].config().group_id
    own = bytes.fromhex(homes["bristol"].config().group_id)
    assert await node.db(node.log.trust.accepted_by, own) == {bytes.fromhex(calais)}
    before = await event_count(api)
    body = {"kind": "member.vouch", "as": "group", "fields": {"subject": calais, "role": "accept"}}
    status, reply = await api.request("POST", "/api/v1/events", json=body)
    assert (status, reply["error"]["code"]) == (422, "not_allowed"), reply
    assert "already named" in reply["error"]["message"], reply
    assert await event_count(api) == before


async def test_an_action_for_chosen_groups_is_listed_as_sealed_as_the_document_says(api):
    """`?kind=action` and `?region=` filter on what is stored: an action shared with chosen groups is
    stored as `sealed` (its kind and region encrypted), so they leave it out. The document said only
    "only this kind": it now says so, and how to get them (`kind=sealed`, or the read models)."""
    status, body = await api.request("POST", "/api/v1/events", json={**ACTION, "to": ["calais"]})
    assert status == 201, body
    event_id = body["event"]["id"]
    listed = {q: [e["id"] for e in (await api.get(f"/api/v1/events?{q}&limit=500"))["events"]]
              for q in ("kind=action", "region=calais", "kind=sealed")}
    assert event_id not in listed["kind=action"] and event_id not in listed["region=calais"], listed
    assert event_id in listed["kind=sealed"], listed
    [sealed] = [e for e in (await api.get("/api/v1/events?kind=sealed&limit=500"))["events"] if e["id"] == event_id]
    assert sealed["for_chosen_groups"] is True and sealed["inner"]["kind"] == "action", sealed
    assert event_id in [a["id"] for a in (await api.get("/api/v1/actions?limit=500"))["items"]]
    doc = json.loads(api_module.OPENAPI_PATH.read_text(encoding="utf-8"))
    said = {p["name"]: p["description"] for p in doc["paths"]["/api/v1/events"]["get"]["parameters"]}
    assert "`kind=sealed`" in said["kind"] and "`kind=sealed`" in said["region"], said


async def test_a_share_of_a_request_names_other_groups_and_no_details(api):
    """support.share through POST /api/v1/events carries the request's own details: `private` is
    refused, and so is a share with no other group (test_coordination_api has one that is made)."""
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "support.request", "fields": SUPPORT, "private": "a family of 3, Rue X", "to": ["calais"]})
    assert status == 201, body
    share = {"kind": "support.share", "fields": {"request": body["event"]["id"]}}
    for extra, field in (({"private": "other words", "to": ["calais"]}, "private"), ({}, "to"),
                         ({"to": ["calais"]}, "to")):
        before = await event_count(api)
        status, refused = await api.request("POST", "/api/v1/events", json={**share, **extra})
        assert (status, refused["error"]["field"]) == (422, field), refused
        assert await event_count(api) == before
