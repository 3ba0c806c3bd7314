"""POST /api/v1/events with `"offline": true` publishes while the node has not caught up with the
network (node/chain_gate.py): a Pi back from a power cut whose only peer is down holds its own
publishing until a first sync with a peer, and a raid alert sent through the API had no override
(`solnet publish --offline` had one). Without the field the node still refuses (422 not_caught_up),
and the refusal names the field; a value that is not a JSON boolean is refused, naming it."""
from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from conftest import Api, calais_node
from node.demo import localnet
from node.home import Home
from node.webapp import create_app

ALERT = {"kind": "alert", "fields": {"region": "calais", "type": "raid", "location": "Zone 7",
                                     "text": "CRS au camp"}, "expires_in": "6h"}


@pytest.fixture
async def held_api(homes: dict[str, Home], aiohttp_client) -> Api:
    """Calais's node, started with one peer configured that is down: no sync round completes."""
    [down] = localnet.free_ports(1)
    store = homes["calais"].log().store
    try:
        with store.write():
            store.save_peer(f"http://127.0.0.1:{down}", "config")
    finally:
        store.close()
    node = calais_node(homes)
    client: TestClient = await aiohttp_client(create_app(node))
    return Api(node, client, homes["calais"].admin_token(node.keys))


async def alerts(api: Api) -> list[dict]:
    return (await api.get("/api/v1/events?kind=alert"))["events"]


async def test_an_alert_is_refused_until_caught_up_and_published_with_offline_true(held_api: Api) -> None:
    for body in (ALERT, {**ALERT, "offline": False}):
        status, refused = await held_api.request("POST", "/api/v1/events", json=body)
        assert status == 422 and refused["error"]["code"] == "not_caught_up", refused
        assert '"offline": true' in refused["error"]["message"], refused  # the override, in the API's words
        assert "--offline" not in refused["error"]["message"], refused
    assert await alerts(held_api) == []
    status, published = await held_api.request("POST", "/api/v1/events", json={**ALERT, "offline": True})
    assert status == 201, published
    [stored] = await alerts(held_api)
    assert stored["id"] == published["event"]["id"] and stored["text"] == "CRS au camp"


@pytest.mark.parametrize("value", ["true", 1, "yes", [True], {}])
async def test_offline_must_be_a_json_boolean(held_api: Api, value: object) -> None:
    status, refused = await held_api.request("POST", "/api/v1/events", json={**ALERT, "offline": value})
    assert status == 422, refused
    assert (refused["error"]["code"], refused["error"]["field"]) == ("invalid_field", "offline"), refused
    assert "'offline' is true or false" in refused["error"]["message"], refused  # a known key, wrongly typed
    assert await alerts(held_api) == []


async def test_offline_null_is_refused_as_every_null(held_api: Api) -> None:
    status, refused = await held_api.request("POST", "/api/v1/events", json={**ALERT, "offline": None})
    assert status == 422 and refused["error"]["field"] == "offline" and "null" in refused["error"]["message"]
