"""POST /api/v1/events refuses a region no group is based in and no event names (a typo: 'calis'
for calais, an alert to a region no one follows) with 422 and `field` region naming the close
matches, unless the body says `"new_region": true` (node/known_regions.py)."""
from __future__ import annotations

from node.dashboard.i18n import catalog

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
    # the key of its words, in the API's terms (not the dashboard's "tick ... below"), with the close matches
    error = refused["error"]
    assert (error["key"], error["values"]) == ("body.new_region_close", {"region": "calis", "close": "calais"}), error
    status, refused = await api.request("POST", "/api/v1/events", json=alert_in("zzyzx"))
    assert status == 422 and (refused["error"]["key"], refused["error"]["values"]) == ("body.new_region", {"region": "zzyzx"})
    for lang in ("en", "fr"):
        for key in ("body.new_region", "body.new_region_close"):
            assert '"new_region": true' in catalog(lang)[f"error.{key}"], (lang, key)


async def test_a_new_region_on_purpose_is_published_with_new_region_true(api) -> None:
    status, published = await api.request("POST", "/api/v1/events", json=alert_in("dunkerque", new_region=True))
    assert status == 201, published
    assert await alert_regions(api) == ["dunkerque"]


async def test_new_region_must_be_a_json_boolean(api) -> None:
    status, refused = await api.request("POST", "/api/v1/events", json=alert_in("dunkerque", new_region="yes"))
    assert status == 422 and refused["error"]["field"] == "new_region", refused


async def test_reading_alerts_of_a_mistyped_region_is_refused_naming_the_close_match(api) -> None:
    """A bot following 'calis' (meant: calais) waited forever on the stream, and the list was empty,
    both without a word: the region is refused as publishing refuses it, naming the close one."""
    await api.request("POST", "/api/v1/events", json=alert_in("calais"))
    for path in ("/api/v1/alerts/stream?region=calais&region=calis", "/api/v1/alerts?region=Calis"):
        status, refused = await api.request("GET", path)
        assert status == 400 and refused["error"]["code"] == "bad_parameter", (path, refused)
        assert refused["error"]["field"] == "region", refused
        assert "'calis'" in refused["error"]["message"] and "did you mean calais?" in refused["error"]["message"]
    status, listed = await api.request("GET", "/api/v1/alerts?region=calais")
    assert status == 200 and [a["region"] for a in listed["items"]] == ["calais"], listed


async def test_every_view_of_a_mistyped_region_is_refused_as_alerts_are(api) -> None:
    """`/api/v1/regions?region=calis` (and every other read model) answered an empty list with 200
    where `/api/v1/alerts` refused it: a script read a typo as a quiet region. Refused alike now, as
    `solnet view` refuses it."""
    await api.request("POST", "/api/v1/events", json=alert_in("calais"))
    for name in ("regions", "support", "needs", "fundraisers", "capacity", "actions", "timeline", "past-actions",
                 "alert-history", "resources", "groups"):
        status, refused = await api.request("GET", f"/api/v1/{name}?region=Calis")
        assert status == 400 and refused["error"]["field"] == "region", (name, refused)
        assert "'calis'" in refused["error"]["message"] and "did you mean calais?" in refused["error"]["message"]
        assert "no alert comes" not in refused["error"]["message"], refused  # (the alerts' words)
        status, _ = await api.request("GET", f"/api/v1/{name}?region=calais")
        assert status == 200, name
    status, refused = await api.request("GET", "/api/v1/events?region=calis")  # the log's listing too
    assert status == 400 and "did you mean calais?" in refused["error"]["message"], refused


async def test_the_homes_own_region_may_be_read_before_anything_is_placed_in_it(api, monkeypatch) -> None:
    """A group that has just joined follows its own region (config.json) before its profile or any
    event is here."""
    config = api.node.home.config()
    config.region = "dunkerque"  # (a plain object, read afresh by each call: this one is kept below)
    monkeypatch.setattr(api.node.home, "config", lambda: config)
    status, listed = await api.request("GET", "/api/v1/alerts?region=dunkerque")
    assert status == 200 and listed["items"] == [], listed
    status, refused = await api.request("GET", "/api/v1/alerts?region=dunkirk")
    assert status == 400 and refused["error"]["field"] == "region", refused
