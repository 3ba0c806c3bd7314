"""`since` with a time zone offset typed into a URL: a '+' in a query is read as a space, so
`since=2026-12-01T18:00:00+01:00` arrives as '2026-12-01T18:00:00 01:00'. The refusal said only the
general form, which the client's own value looked like; it now says how to write the '+' (%2B).
The refusal stays the documented 400 bad_parameter naming the field."""
from __future__ import annotations


async def test_a_plus_read_as_a_space_is_said_with_how_to_write_it(api):
    status, body = await api.request("GET", "/api/v1/events?since=2026-12-01T18:00:00+01:00")
    assert status == 400, body
    assert body["error"]["code"] == "bad_parameter" and body["error"]["field"] == "since", body
    assert "%2B" in body["error"]["message"] and "2026-12-01T18:00:00%2B01:00" in body["error"]["message"], body
    # written as the message says, it is taken
    status, body = await api.request("GET", "/api/v1/events?since=2026-12-01T18:00:00%2B01:00")
    assert status == 200, body
    # any other wrong form keeps the general words
    status, body = await api.request("GET", "/api/v1/events?since=2026-12-01")
    assert status == 400 and "%2B" not in body["error"]["message"] and "seconds and time zone" in body["error"]["message"]
