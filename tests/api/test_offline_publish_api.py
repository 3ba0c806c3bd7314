"""POST /api/v1/events with `"offline": true` publishes while the node has not caught up with the
network (node/chain_gate.py): a Pi back from a power cut whose only peer is down holds its own
publishing until a first sync with a peer, and a raid alert sent through the API had no override
(`solnet publish --offline` had one). Without the field the node still refuses (422 not_caught_up),
and the refusal names the field; a value that is not a JSON boolean is refused, naming it."""
from __future__ import annotations

import asyncio

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


async def test_a_publish_waiting_for_the_first_sync_on_a_full_disk_says_the_disk_is_full(api) -> None:
    """A node whose disk is full finishes no sync round: `solnet publish` waited 30 s for it, then said
    to try again once it had synced (exit 1), hiding what to do. It is told at once, as a full disk
    (exit 4), and nothing is published."""
    from node.net import admin_requests
    from node.store import StorageFull
    from solnet_errors import EXIT_STORAGE

    api.node.health.failed(StorageFull("the disk is full: nothing was stored"))
    said: list[dict] = []

    async def say(message: dict) -> None:
        said.append(message)

    request = {"op": "publish", "kind": "alert", "expires_in": "6h", "texts": {k: str(v) for k, v in ALERT["fields"].items()}}
    answer = await asyncio.wait_for(admin_requests.serve(api.node, request, say, lambda: False), timeout=10)
    error = answer["error"]
    assert error["exit_code"] == EXIT_STORAGE and error["message"].startswith("the disk is full: nothing was"), error
    assert "Free some space" in error["message"] and said == [], (error, said)  # not waited for 30 s
    assert await alerts(api) == []
