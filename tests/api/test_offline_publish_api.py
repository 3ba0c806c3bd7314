"""POST /api/v1/events with `"offline": true` publishes while the node has not caught up with the
network (node/chain_gate.py): a Pi back from a power cut whose only peer is down holds its own
publishing until a first sync with a peer, and a raid alert sent through the API had no override
(`solnet publish --offline` had one). Without the field the node still refuses (422 not_caught_up),
and the refusal names the field; a value that is not a JSON boolean is refused, naming it."""
from __future__ import annotations

import pytest

from node.home import Home
from peer_down import only_peer_down

ALERT = {"kind": "alert", "fields": {"region": "calais", "type": "raid", "location": "Zone 7",
                                     "text": "CRS au camp"}, "expires_in": "6h"}


@pytest.fixture
def homes(homes: dict[str, Home]) -> dict[str, Home]:
    """The test network, Calais with one peer configured that is down: its node (the `api` fixture)
    completes no sync round."""
    only_peer_down(homes["calais"])
    return homes


async def alerts(api) -> list[dict]:
    return (await api.get("/api/v1/events?kind=alert"))["events"]


async def test_an_alert_is_refused_until_caught_up_and_published_with_offline_true(api) -> None:
    for body in (ALERT, {**ALERT, "offline": False}):
        status, refused = await api.request("POST", "/api/v1/events", json=body)
        assert status == 422 and refused["error"]["code"] == "not_caught_up", refused
        assert '"offline": true' in refused["error"]["message"], refused  # the override, in the API's words
        assert "--offline" not in refused["error"]["message"], refused
    assert await alerts(api) == []
    status, published = await api.request("POST", "/api/v1/events", json={**ALERT, "offline": True})
    assert status == 201, published
    [stored] = await alerts(api)
    assert stored["id"] == published["event"]["id"] and stored["text"] == "CRS au camp"


@pytest.mark.parametrize("value", ["true", 1, "yes", [True], {}])
async def test_offline_must_be_a_json_boolean(api, value: object) -> None:
    status, refused = await api.request("POST", "/api/v1/events", json={**ALERT, "offline": value})
    assert status == 422, refused
    assert (refused["error"]["code"], refused["error"]["field"]) == ("invalid_field", "offline"), refused
    assert "'offline' is true or false" in refused["error"]["message"], refused  # a known key, wrongly typed
    assert await alerts(api) == []


async def test_offline_null_is_refused_as_every_null(api) -> None:
    status, refused = await api.request("POST", "/api/v1/events", json={**ALERT, "offline": None})
    assert status == 422 and refused["error"]["field"] == "offline" and "null" in refused["error"]["message"]
