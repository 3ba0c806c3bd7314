"""What POST /api/v1/events and the query parameters refuse, as node/openapi.json says: a body not
sent as JSON, nulls, numbers in text fields, values outside an enum, node.announce addresses no node
could dial, references to an event of the wrong kind, an expiry of 0, a date before 1970. Each
refusal names the field (code `invalid_field`) and stores nothing."""
from __future__ import annotations

import json

import pytest

ACTION = {"kind": "action", "fields": {"title": "Rally", "region": "calais", "starts_at": "2030-06-01T18:00Z",
                                        "type": "protest"}}


async def event_count(api) -> int:
    return await api.node.db(api.node.log.store.count)


async def refused(api, body, status: int = 422) -> dict:
    """POST `body`; it must be refused with `status` and leave the log as it was. The error object."""
    before = await event_count(api)
    got, reply = await api.request("POST", "/api/v1/events", json=body)
    assert got == status, reply
    assert await event_count(api) == before
    return reply["error"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_not_sent_as_json_gets_415(api, content_type):
    import json
    before = await event_count(api)
    headers = {"Content-Type": content_type} if content_type else {}
    got, reply = await api.request("POST", "/api/v1/events", data=json.dumps(ACTION).encode(), headers=headers)
    assert (got, reply["error"]["code"]) == (415, "unsupported_media_type"), reply
    assert "application/json" in reply["error"]["message"]
    assert await event_count(api) == before


@pytest.mark.parametrize("patch, field", [
    ({"as": None}, "as"),
    ({"expires_in": None}, "expires_in"),
    ({"private": None}, "private"),
    ({"to": None}, "to"),
    ({"public_note": None}, "public_note"),
    ({"kind": None}, "kind"),
    ({"fields": None}, "fields"),
    ({"fields": {**ACTION["fields"], "place": None}}, "place"),
    ({"fields": {**ACTION["fields"], "title": None}}, "title"),
])
async def test_null_anywhere_is_refused_naming_the_field(api, patch, field):
    error = await refused(api, {**ACTION, **patch})
    assert (error["code"], error["field"]) == ("invalid_field", field), error
    assert "null" in error["message"]


@pytest.mark.parametrize("kind, fields, field", [
    ("group.profile", {"name": 4.156022469424563e-225, "region": "calais"}, "name"),
    ("action", {**ACTION["fields"], "title": 12}, "title"),
    ("action", {**ACTION["fields"], "starts_at": 1906000000000}, "starts_at"),
    ("need", {"category": "tents", "quantity": True, "region": "calais"}, "quantity"),
    ("node.announce", {"addresses": 0.0}, "addresses"),
])
async def test_numbers_are_taken_only_for_numeric_fields(api, kind, fields, field):
    error = await refused(api, {"kind": kind, "fields": fields})
    assert (error["code"], error["field"]) == ("invalid_field", field), error


async def test_a_number_for_a_numeric_field_is_taken(api):
    status, reply = await api.request("POST", "/api/v1/events", json={
        "kind": "fundraiser", "fields": {"title": "Tents", "goal": 1500.5, "currency": "EUR", "region": "calais"}})
    assert status == 201 and reply["event"]["goal"] == 150050, reply


@pytest.mark.parametrize("fields, field", [
    ({**ACTION["fields"], "type": "Protest"}, "type"),
    ({**ACTION["fields"], "type": "info night"}, "type"),
])
async def test_enum_values_are_taken_exactly_as_listed(api, fields, field):
    error = await refused(api, {"kind": "action", "fields": fields})
    assert error["field"] == field and "protest, direct_action" in error["message"]


@pytest.mark.parametrize("address", ["0.0", "e0", "-7.4e+67", "calais", "http://", "127.0.0.1:0", "[::1"])
async def test_announced_addresses_follow_the_receivers_rule(api, address):
    error = await refused(api, {"kind": "node.announce", "fields": {"addresses": f"127.0.0.1:7000, {address}"}})
    assert (error["code"], error["field"]) == ("invalid_field", "addresses"), error
    assert "bad peer address" in error["message"] and "host:port" in error["message"]


async def test_a_good_announcement_is_published(api):
    status, reply = await api.request("POST", "/api/v1/events", json={
        "kind": "node.announce", "fields": {"addresses": "127.0.0.1:7000, https://node.example.org:443"}})
    assert status == 201 and reply["event"]["addresses"] == ["127.0.0.1:7000", "https://node.example.org:443"]


async def test_a_reference_to_an_event_of_the_wrong_kind_is_refused(api):
    action = await api.publish("action", **ACTION["fields"])
    need = await api.publish("need", category="tents", quantity="4", region="calais")
    cases = [
        ("need.fulfil", {"need": action["id"], "quantity": "1"}, "need", "must name a need event"),
        ("support.claim", {"request": need["id"]}, "request", "must name a support.request event"),
        ("support.close", {"request": action["id"][:12], "outcome": "resolved"}, "request", "is an action event"),
        ("fundraiser.update", {"fundraiser": action["id"], "pledge": "5"}, "fundraiser", "must name a fundraiser"),
    ]
    for kind, fields, field, words in cases:
        error = await refused(api, {"kind": kind, "fields": fields})
        assert (error["code"], error["field"]) == ("invalid_field", field) and words in error["message"], error
    status, reply = await api.request("POST", "/api/v1/events", json={
        "kind": "need.fulfil", "fields": {"need": need["id"], "quantity": "1"}})
    assert status == 201, reply


ALERT = {"kind": "alert", "fields": {"region": "calais", "type": "raid", "text": "vans"}}


@pytest.mark.parametrize("body, words", [
    ({**ALERT, "expires_in": "0m"}, "at least 1 minute"),
    ({**ALERT, "expires_in": "49h"}, "at most 48h"),
    ({**ACTION, "expires_in": "6 hours"}, "90m, 6h or 2d"),
    ({"kind": "need.fulfil", "fields": {"need": "ab" * 32, "quantity": "1"}, "expires_in": "2h"}, "do not expire"),
])
async def test_an_expiry_the_kind_cannot_have_is_refused_naming_expires_in(api, body, words):
    error = await refused(api, body)
    assert (error["code"], error["field"]) == ("invalid_field", "expires_in") and words in error["message"], error


@pytest.mark.parametrize("starts_at", ["1900-01-01T10:00", "1969-12-31T23:59Z", "0001-01-01T00:00Z"])
async def test_a_date_before_1970_is_refused_in_words(api, starts_at):
    error = await refused(api, {**ACTION, "fields": {**ACTION["fields"], "starts_at": starts_at}})
    assert (error["code"], error["field"]) == ("invalid_field", "starts_at"), error
    assert "before 1970" in error["message"] and "millisecond" not in error["message"]


@pytest.mark.parametrize("raw", [b'{"kind": "action", "fields": {"goal": NaN}}', b"[" * 100_000, b'{"a": Infinity}'])
async def test_what_json_does_not_have_is_bad_json(api, raw):
    got, reply = await api.request("POST", "/api/v1/events", data=raw, headers={"Content-Type": "application/json"})
    assert (got, reply["error"]["code"]) == (400, "bad_json"), reply


@pytest.mark.parametrize("raw, words", [
    (b'{"kind": "need", "fields": {"category": "tents", "quantity": 1' + b"0" * 5000 + b', "region": "calais"}}',
     "a number of 5001 digits"),
    (b'{"kind": "need", "fields": {"quantity": ' + b"[" * 5000 + b"]" * 5000 + b"}}", "nests arrays or objects too deeply"),
])
async def test_json_python_cannot_read_is_said_as_what_it_is_not_as_not_json(api, raw, words):
    """A 5,001-digit number and a deep nesting are JSON (RFC 8259 bounds neither): "the body is not JSON"
    sent a client's author looking for a syntax error that is not there."""
    got, reply = await api.request("POST", "/api/v1/events", data=raw, headers={"Content-Type": "application/json"})
    assert got == 400 and reply["error"]["code"] == "bad_json" and words in reply["error"]["message"], reply


async def test_a_body_behind_a_byte_order_mark_is_said_as_such(api):
    """A .NET or PowerShell client's UTF-8 may begin with a byte-order mark: "the body is not JSON"
    hid the one byte sequence to drop."""
    raw = b"\xef\xbb\xbf" + json.dumps(ALERT).encode()
    got, reply = await api.request("POST", "/api/v1/events", data=raw, headers={"Content-Type": "application/json"})
    assert got == 400 and reply["error"]["code"] == "bad_json", reply
    assert "begins with a byte-order mark (the bytes EF BB BF)" in reply["error"]["message"], reply


@pytest.mark.parametrize("query, status", [
    ("since=000000000000000000000000000000000000000", 400),
    ("since=0000000000000000", 400),
    ("since=%20123", 400),
    ("since=2026-12-01", 400),
    ("since=2026-13-01T00:00:00Z", 400),
    ("since=123456789012345", 200),
    ("since=2026-12-01T18:00:00Z", 200),
    ("since=2026-12-01t18:00:00.123456789z", 200),
    ("since=2016-12-31T23:59:60%2B01:00", 200),  # a leap second, as RFC 3339 allows
    ("cursor=01", 400),
    ("cursor=1000000000000000", 400),
    ("limit=%205", 400),
    ("limit=05", 400),
])
async def test_query_parameters_take_what_the_schema_says(api, query, status):
    got, reply = await api.request("GET", f"/api/v1/events?{query}")
    assert got == status, reply
    if status == 400:
        assert reply["error"]["code"] == "bad_parameter" and reply["error"]["field"] == query.split("=")[0]


async def test_a_refused_id_is_quoted_as_it_was_sent(api):
    got, reply = await api.request("GET", "/api/v1/events?author=Calais")
    assert got == 400 and reply["error"]["message"].endswith("got 'Calais'"), reply


async def test_private_takes_exactly_the_listed_values(api):
    event = await api.publish("action", **ACTION["fields"])
    got, reply = await api.request("GET", f"/api/v1/events/{event['id']}?private=TRUE")
    assert (got, reply["error"]["field"]) == (400, "private")


async def test_a_prefix_several_ids_start_with_gets_409(api):
    for last in ("01", "02"):  # two groups admitted whose keys both start with 0000
        status, reply = await api.request("POST", "/api/v1/events", json={
            "kind": "member.vouch", "as": "group", "fields": {"subject": "00" * 31 + last, "role": "group"}})
        assert status == 201, reply
    got, reply = await api.request("GET", "/api/v1/events?author=000000000000")
    assert (got, reply["error"]["code"], reply["error"]["field"]) == (409, "ambiguous", "author"), reply
    assert "give more characters" in reply["error"]["message"]


async def test_recipients_for_a_kind_everyone_reads_are_refused_plainly(api):
    """An alert with "to": the refusal said "give the details too", and with details "alert has no
    private part": a circle. It says once, either way, that an alert cannot go to chosen groups."""
    body = {"kind": "alert", "fields": {"region": "calais", "type": "raid", "text": "t"}, "to": ["Bristol"]}
    for extra in ({}, {"private": "x"}):
        status, refused = await api.request("POST", "/api/v1/events", json={**body, **extra})
        assert status == 422 and refused["error"]["field"] == "to", refused
        message = refused["error"]["message"]
        assert "alert cannot be shared with chosen groups" in message and "Leave out the recipients" in message
        assert "give the details too" not in message and "private part" not in message, message


async def refused_raw(api, raw: str, status: int = 422) -> dict:
    """`refused` for a body written as JSON text (a number such as 1e400, which no Python value writes)."""
    before = await event_count(api)
    got, reply = await api.request("POST", "/api/v1/events", data=raw.encode(),
                                   headers={"Content-Type": "application/json"})
    assert got == status, reply
    assert await event_count(api) == before
    return reply["error"]


@pytest.mark.parametrize("kind", ["5", "true", '["action"]', '{"name": "action"}', "1e400"])
async def test_a_kind_that_is_not_text_is_said_to_be_so_not_to_be_missing(api, kind):
    """`"kind": 5` was refused as "'kind' is required": the program did send one, and looked for a
    missing key. It is told the kind must be text, one of the kinds."""
    error = await refused_raw(api, json.dumps(ACTION).replace('"action"', kind, 1))
    assert (error["code"], error["field"]) == ("invalid_field", "kind"), error
    assert "required" not in error["message"] and "must be text" in error["message"], error
    assert "action, fundraiser" in error["message"], error
    missing = await refused(api, {"fields": ACTION["fields"]})
    assert missing["field"] == "kind" and "'kind' is required" in missing["message"], missing


@pytest.mark.parametrize("number", ["1e400", "-1e400", "12e999"])
async def test_a_number_too_large_for_the_node_is_not_quoted_as_inf(api, number):
    """JSON's 1e400 is a number (a whole one); Python reads it as infinity, and the refusal said
    "got 'inf'", which the program never sent. It says the number is too large, and what the field takes."""
    error = await refused_raw(api, '{"kind": "need", "fields": {"category": "tents", "region": "calais", '
                                   f'"quantity": {number}}}}}')
    assert (error["code"], error["field"]) == ("invalid_field", "quantity"), error
    assert "inf" not in error["message"] and "too large" in error["message"], error
    assert "whole number" in error["message"], error


@pytest.mark.parametrize("path, field, span", [
    ("/api/v1/events?limit=99999999999999999999999", "limit", "from 1 to 500"),
    ("/api/v1/events?limit=-99999999999999999999999", "limit", "from 1 to 500"),
    ("/api/v1/regions?limit=123456789012345678901234567890", "limit", "from 1 to 500"),
    ("/api/v1/events?cursor=99999999999999999999999", "cursor", "from 1 to "),
])
async def test_a_whole_number_too_long_for_a_parameter_is_told_its_range(api, path, field, span):
    """`limit=99999999999999999999999` is a whole number; it was refused as "must be a whole number",
    which sent the program looking for a typo. It is told the range the parameter takes."""
    got, reply = await api.request("GET", path)
    error = reply["error"]
    assert (got, error["code"], error["field"]) == (400, "bad_parameter", field), reply
    assert f"must be {span}" in error["message"] and "whole number" not in error["message"], error


async def test_milliseconds_too_long_for_since_are_told_the_digits_it_takes(api):
    """`since=99999999999999999` is milliseconds since 1970, 17 digits of them; it was told "'since' is
    a date and time ... or milliseconds since 1970", which it is: it is told the 15 digits `since` takes."""
    got, reply = await api.request("GET", "/api/v1/events?since=99999999999999999")
    error = reply["error"]
    assert (got, error["code"], error["field"]) == (400, "bad_parameter", "since"), reply
    assert "at most 15 digits" in error["message"], error


@pytest.mark.parametrize("number", ["1" + "0" * 400, "-" + "9" * 400])
async def test_a_whole_number_too_long_for_a_float_is_refused_not_a_failure(api, number):
    """A quantity of 400 digits is a JSON integer, which Python reads exactly; the check for 1e400
    (infinity) turned it into a float to ask, and the node answered 500 ("int too large to convert
    to float"), logged as its own bug. It is refused as the field's value, with the field named."""
    error = await refused_raw(api, '{"kind": "need", "fields": {"category": "tents", "region": "calais", '
                                   f'"quantity": {number}}}}}')
    assert (error["code"], error["field"]) == ("invalid_field", "quantity"), error
    assert "must be a whole number from 1 to" in error["message"], error
