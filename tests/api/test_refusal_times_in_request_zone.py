"""Every time a publish refusal names is said in the request's `time_zone` (the browser's, the
command's), as the all clear's expiry is (test_all_clear_expiry_documented): an alert cleared
already, a pledge to a fundraiser that ended, a step on a support request that was closed, an end
moved before the action's start. They were said in the server's own zone: a coordinator in Calais
read the UTC of a server in a rack."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from node import publishing
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


async def test_a_pledge_to_an_ended_fundraiser_names_its_end_in_the_requests_zone(api, homes, passphrase):
    """Bristol's fundraiser ended a second ago; Calais pledges to it (a pledge to one's own group's
    fundraiser is refused for being its own, whatever its end)."""
    now = int(datetime.now(timezone.utc).timestamp() * 1000)
    ends = datetime.fromtimestamp((now - 1_000) // 1000, timezone.utc)
    log = homes["bristol"].log()
    try:
        fund = publishing.publish(log, homes["bristol"].keys(passphrase), "fundraiser", {
            "title": "Legal fund", "goal": "50000", "currency": "EUR", "region": "bristol",
            "ends_at": ends.isoformat()}, now=now - 2_000)
        wires = list(log.store.iter_wire())
    finally:
        log.store.close()
    await api.node.db(api.node.log.ingest, wires)
    told_apart(int(ends.timestamp() * 1000))
    said = await refused(api, "fundraiser.update", {"fundraiser": fund.id.hex(), "pledge": "500"})
    assert f"ended on {in_zone(int(ends.timestamp() * 1000))}" in said, said


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
