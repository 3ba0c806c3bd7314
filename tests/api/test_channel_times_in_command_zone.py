"""A command handed to a running node (node/net/admin_requests.py) reads the times of what the node
tells it in the command's own zone (its request's `time_zone`), as the API's answer does
(test_refusal_times_in_request_zone): a node run as a service with another TZ said a delivery
recorded twice at its own zone's time, where `solnet publish` signing alone said the command's."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from node.net import admin_requests
from node.words import local_time

ZONE = "Pacific/Kiritimati"  # UTC+14: told apart from the node's own zone


def in_zone(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M %Z")


def ms_of(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


async def publish(api, kind: str, fields: dict) -> dict:
    status, answer = await api.request("POST", "/api/v1/events", json={"kind": kind, "fields": fields})
    assert status == 201, answer
    return answer["event"]


async def test_a_delivery_recorded_twice_through_the_node_is_said_in_the_commands_zone(api):
    need = await publish(api, "need", {"category": "tents", "quantity": "20", "region": "calais"})
    offer = await publish(api, "offer", {"category": "tents", "quantity": "20", "unit": "items", "region": "calais"})
    given = {"need": need["id"], "offer": offer["id"], "quantity": "5"}
    first = await publish(api, "need.fulfil", given)
    at = ms_of(first["timestamp"])
    assert local_time(at) != in_zone(at)  # the test can fail: the node's own zone says it otherwise
    answer = await admin_requests.serve(api.node, {"op": "publish", "kind": "need.fulfil", "texts": given,
                                                   "offline": True, "time_zone": ZONE}, lambda _said: None,
                                        lambda: False)
    assert "ok" in answer, answer
    twice = answer["ok"]["twice"]
    assert f"({in_zone(at)}, " in twice, twice
