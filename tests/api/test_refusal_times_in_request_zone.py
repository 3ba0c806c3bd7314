"""Every time a publish refusal names is said in the request's `time_zone` (the browser's, the
command's), as the all clear's expiry is (test_all_clear_expiry_documented): an alert cleared
already, a pledge to a fundraiser that ended, a step on a support request that was closed, an end
moved before the action's start. They were said in the server's own zone: a coordinator in Calais
read the UTC of a server in a rack."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from node.words import local_time

ZONE = "Pacific/Kiritimati"  # UTC+14, the zone of no server here: its times are told apart from the node's


def in_zone(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M %Z")


def ms_of(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


async def publish(api, kind: str, fields: dict, **more) -> dict:
    status, answer = await api.request("POST", "/api/v1/events", json={"kind": kind, "fields": fields, **more})
    assert status == 201, answer
    return answer["event"]


async def refused(api, kind: str, fields: dict) -> str:
    status, answer = await api.request("POST", "/api/v1/events",
                                       json={"kind": kind, "fields": fields, "time_zone": ZONE})
    assert status == 422, answer
    return answer["error"]["message"]


def told_apart(ms: int) -> None:
    """The test can fail: the server's own zone says that moment otherwise."""
    assert local_time(ms) != in_zone(ms)


async def test_a_second_all_clear_names_the_first_in_the_requests_zone(api):
    alert = await publish(api, "alert", {"region": "calais", "type": "raid", "text": "ID checks"}, expires_in="2h")
    clear = await publish(api, "alert.update", {"alert": alert["id"], "status": "all_clear"})
    told_apart(ms_of(clear["timestamp"]))
    said = await refused(api, "alert.update", {"alert": alert["id"], "status": "all_clear"})
    assert f"cleared on {in_zone(ms_of(clear['timestamp']))}" in said, said


async def test_a_pledge_to_an_ended_fundraiser_names_its_end_in_the_requests_zone(api):
    ends = (datetime.now(timezone.utc) + timedelta(seconds=2)).replace(microsecond=0)
    fund = await publish(api, "fundraiser", {"title": "Legal fund", "goal": "50000", "currency": "EUR",
                                             "region": "calais", "ends_at": ends.isoformat()})
    told_apart(int(ends.timestamp() * 1000))
    for _ in range(200):  # bounded: the end is 2 s away (the API's own clock decides)
        status, answer = await api.request("POST", "/api/v1/events", json={
            "kind": "fundraiser.update", "fields": {"fundraiser": fund["id"], "pledge": "500"}, "time_zone": ZONE})
        if status == 422:
            break
        assert status == 201, answer
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the fundraiser never ended")
    assert f"ended on {in_zone(int(ends.timestamp() * 1000))}" in answer["error"]["message"], answer


async def test_a_step_on_a_closed_request_names_its_closing_in_the_requests_zone(api):
    request = await publish(api, "support.request", {"region": "calais", "type": "housing", "people": "2",
                                                     "urgency": "high"}, private="two adults, one night",
                            to=["Calais"])
    close = await publish(api, "support.close", {"request": request["id"], "outcome": "resolved"})
    told_apart(ms_of(close["timestamp"]))
    said = await refused(api, "support.close", {"request": request["id"], "outcome": "resolved"})
    assert f"on {in_zone(ms_of(close['timestamp']))}" in said, said


async def test_an_end_before_the_start_names_the_start_in_the_requests_zone(api):
    starts = (datetime.now(timezone.utc) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    action = await publish(api, "action", {"title": "Vigil", "region": "calais", "type": "protest",
                                           "starts_at": starts.isoformat()})
    told_apart(int(starts.timestamp() * 1000))
    said = await refused(api, "action.update", {"action": action["id"],
                                                "ends_at": (starts - timedelta(hours=1)).isoformat()})
    assert f"({in_zone(int(starts.timestamp() * 1000))})" in said, said
