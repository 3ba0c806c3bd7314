"""A `time_zone` that names no zone is refused as one, whatever the zone database makes of it: a
region's folder ("Europe") or a name longer than a file name can be were read as files, and the
OSError (IsADirectoryError, "File name too long") escaped the refusal as a traceback (HTTP 500)."""
from __future__ import annotations

import pytest

from node import moments, words
from node.field_input import InputError, zone_of

NOT_ZONES = ("Europe", "America", "a" * 300)


@pytest.mark.parametrize("name", NOT_ZONES)
def test_a_name_that_is_no_zone_is_refused_in_words(name: str) -> None:
    with pytest.raises(ValueError):
        moments.zone_named(name)
    with pytest.raises(InputError) as refused:
        zone_of(name)
    assert "is not a time zone this machine knows" in str(refused.value)
    assert words.local_time(0, name).startswith("19")  # a time shown: in this machine's zone


async def test_the_api_refuses_it_naming_the_field(api) -> None:
    for name in NOT_ZONES:
        status, body = await api.request("POST", "/api/v1/events", json={
            "kind": "action", "time_zone": name,
            "fields": {"title": "Vigil", "region": "calais", "type": "protest", "starts_at": "2031-01-10T18:00"}})
        assert status == 422 and body["error"]["field"] == "time_zone", body
        assert "is not a time zone this machine knows" in body["error"]["message"]
