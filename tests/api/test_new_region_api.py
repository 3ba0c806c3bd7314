"""POST /api/v1/events refuses a region no group is based in and no event names (a typo: 'calis'
for calais, an alert to a region no one follows) with 422 and `field` region naming the close
matches, unless the body says `"new_region": true` (node/known_regions.py)."""
from __future__ import annotations

ALERT = {"kind": "alert", "fields": {"type": "raid", "location": "Zone 7", "text": "CRS au camp"}, "expires_in": "6h"}


def alert_in(region: str, **extra: object) -> dict:
    return {**ALERT, "fields": {**ALERT["fields"], "region": region}, **extra}


async def alert_regions(api) -> list[str]:
    return [e["region"] for e in (await api.get("/api/v1/events?kind=alert"))["events"]]


async def test_a_mistyped_region_is_refused_naming_the_close_match(api) -> None:
    status, refused = await api.request("POST", "/api/v1/events", json=alert_in("calis"))
    assert status == 422 and refused["error"]["field"] == "region", refused
    assert "did you mean calais?" in refused["error"]["message"], refused
    assert '"new_region": true' in refused["error"]["message"], refused  # the API's words, not the command's
    assert await alert_regions(api) == []


async def test_a_new_region_on_purpose_is_published_with_new_region_true(api) -> None:
    status, published = await api.request("POST", "/api/v1/events", json=alert_in("dunkerque", new_region=True))
    assert status == 201, published
    assert await alert_regions(api) == ["dunkerque"]


async def test_new_region_must_be_a_json_boolean(api) -> None:
    status, refused = await api.request("POST", "/api/v1/events", json=alert_in("dunkerque", new_region="yes"))
    assert status == 422 and refused["error"]["field"] == "new_region", refused
