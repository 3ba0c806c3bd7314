"""The coordinator's routes of the API on a running node: the region summary, the timeline, what
happened, support capacity beside requests, alerts with their updates and history, resources; a
refusal of what would have no effect names who may do it; `private` and group names as everywhere."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from node import publishing
from node.demo import localnet
from node.net import Node
from node.webapp import create_app

PASSPHRASE = "api tests only: not a secret"  # a network of this test's own


def _iso(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_regions_timeline_capacity_and_alerts(api):
    soon = await api.publish("action", title="Distribution", region="calais", starts_at=_iso(timedelta(days=1)),
                             type="distribution")
    await api.publish("action", title="Far away", region="calais", starts_at=_iso(timedelta(days=20)), type="protest")
    past = await api.publish("action", title="Visit", region="calais", starts_at=_iso(-timedelta(days=2)),
                             type="detention_visit")
    await api.publish("action.report", action=past["id"], people="4", outcome="Saw three people",
                      photos="https://example.org/a.jpg")
    need = await api.publish("need", category="firewood", quantity="6", unit="m3", urgency="high", region="calais")
    offer = await api.publish("offer", category="firewood", quantity="4", unit="m3", region="calais")
    await api.publish("need.fulfil", need=need["id"], quantity="3", offer=offer["id"][:12])
    await api.publish("support.offer", region="calais", type="legal_information", capacity="5")
    request = await api.publish("support.request", region="calais", type="legal_information", people="2",
                                urgency="medium")
    await api.publish("support.claim", request=request["id"])
    fund = await api.publish("fundraiser", title="Wood", goal="450.50", currency="EUR", region="calais")
    await api.publish("fundraiser.update", fundraiser=fund["id"], raised="500")
    alert = await api.publish("alert", region="calais", type="raid", location="Rue des Huttes squat", text="Vans")
    await api.publish("alert.update", alert=alert["id"], status="update", text="Two vans left")

    [calais] = (await api.get("/api/v1/regions?region=calais"))["items"]
    assert calais["needs"] == [{"category": "firewood", "unit": "m3", "quantity": 6, "fulfilled": 3, "missing": 3,
                                "count": 1, "shared": 0, "urgency": "high"}]
    assert calais["offers"] == [{"category": "firewood", "unit": "m3", "available": 1, "count": 1, "shared": 0}]
    assert [{**c, "by_group": [(b["group_name"], b["capacity"]) for b in c["by_group"]]} for c in calais["capacity"]] == [
        {"type": "legal_information", "capacity": 5, "offers": 1, "shared": 0, "from": None,
         "by_group": [("Calais", 5)]}]  # who offers the places
    assert calais["requests"] == {"high": 0, "medium": 1, "low": 0, "open": 1, "taken": 1, "waiting": 0}
    assert calais["next_action"]["id"] == soon["id"] and calais["actions_this_week"] == 1
    assert calais["funds"] == [{"currency": "EUR", "raised": 50000, "pledged": 0, "goal": 45050, "count": 1,
                                "shared": 0, "progress": 110, "declined": 0, "pledged_declined": 0,
                                "pledges_gone": 0, "pledged_gone": 0}]
    assert calais["alerts"] == 1 and calais["group_names"] == ["Calais"] and calais["last_heard"] is not None
    everywhere = (await api.get("/api/v1/regions"))["items"]
    assert [r["region"] for r in everywhere] == sorted(r["region"] for r in everywhere) and calais in everywhere

    assert [a["id"] for a in (await api.get("/api/v1/timeline"))["items"]] == [soon["id"]]
    [happened] = (await api.get("/api/v1/past-actions"))["items"]
    assert happened["id"] == past["id"] and happened["people"] == 4
    assert happened["reports"][0]["photos"] == ["https://example.org/a.jpg"]

    [s] = (await api.get("/api/v1/support"))["items"]
    assert [t["group_name"] for t in s["taken"]] == ["Calais"] and s["private"] is False
    assert s["can_go"] == []  # Calais's own offer is not where its request could go: it asks others
    [place] = (await api.get("/api/v1/capacity"))["items"]
    assert (place["capacity"], place["available_now"], place["group_name"]) == (5, True, "Calais")

    [live] = (await api.get("/api/v1/alerts"))["items"]
    assert (live["location"], live["latest"], live["group_name"]) == ("Rue des Huttes squat", "Two vans left", "Calais")
    assert live["posted_at"].endswith("Z") and live["updated_at"].endswith("Z")
    await api.publish("alert.update", alert=alert["id"][:12], status="all_clear")
    assert (await api.get("/api/v1/alerts"))["items"] == []
    [story] = (await api.get("/api/v1/alert-history?region=calais"))["items"]
    assert story["status"] == "all_clear" and [u["status"] for u in story["updates"]] == ["update", "all_clear"]


async def test_refusals_say_who_may_and_times_are_read_in_the_given_zone(api):
    fund = await api.publish("fundraiser", title="Tents", goal="100", currency="EUR", region="calais")
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "need.fulfil", "fields": {"need": fund["id"], "quantity": "1"}})
    assert status == 422 and body["error"]["field"] == "need"
    need = await api.publish("need", category="tents", quantity="2", region="calais")
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "need.fulfil", "fields": {"need": need["id"], "quantity": "3"}})
    assert status == 422 and body["error"]["field"] == "quantity" and "fulfil at most 2" in body["error"]["message"]
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "action", "time_zone": "Europe/Paris",
        "fields": {"title": "Vigil", "region": "calais", "type": "protest", "starts_at": "2031-01-10T18:00"}})
    assert status == 201 and body["event"]["starts_at"] == "2031-01-10T17:00:00Z"
    assert body["event"]["private"] is False and body["event"]["group_name"] == "Calais"
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "action", "time_zone": "Mars/Olympus",
        "fields": {"title": "Vigil", "region": "calais", "type": "protest", "starts_at": "2031-01-10T18:00"}})
    assert status == 422 and body["error"]["field"] == "time_zone"
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "support.request", "to": ["calais"], "private": "a family",
        "fields": {"region": "calais", "type": "housing", "people": "2", "urgency": "low"}})
    assert status == 201 and body["event"]["private"] is True, body



async def test_could_go_to_says_which_places_cannot_read_the_private_details(tmp_path, aiohttp_client) -> None:
    """Calais's request, its private details sealed to Bristol: Cardiff's places could take it, but
    Cardiff cannot read who the people are. `can_go` named Cardiff first (the most places), as if
    it could; it says so now (`reads_private`), and the places that can read come first."""
    homes = {h.path.name: h for h in (n.home for n in localnet.create_network(
        tmp_path, [("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")], PASSPHRASE))}
    node = Node(homes["calais"], homes["calais"].keys(PASSPHRASE), sync_interval_s=3600)
    client = await aiohttp_client(create_app(node))
    auth = {"Authorization": f"Bearer {homes['calais'].admin_token(node.keys)}"}
    for name, capacity in (("cardiff", "9"), ("bristol", "2")):
        log = homes[name].log()
        try:
            publishing.publish(log, homes[name].keys(PASSPHRASE), "support.offer",
                               {"region": name, "type": "housing", "capacity": capacity})
            wires = list(log.store.iter_wire())
        finally:
            log.store.close()
        await node.db(node.log.ingest, wires)
    published = await client.post("/api/v1/events", headers=auth, json={
        "kind": "support.request", "fields": {"region": "calais", "type": "housing", "people": "2", "urgency": "high"},
        "private": "Two minors, arrived Tuesday, contact via Amira", "to": [homes["bristol"].config().group_id]})
    assert published.status == 201, await published.text()
    [s] = (await (await client.get("/api/v1/support", headers=auth)).json())["items"]
    assert [(o["group_name"], o.get("reads_private")) for o in s["can_go"]] == [("Bristol", True), ("Cardiff", False)]
    # Calais shares the details with Cardiff (support.share): its places can read them now
    shared = await client.post("/api/v1/events", headers=auth, json={
        "kind": "support.share", "fields": {"request": s["id"]}, "to": ["Cardiff"]})
    assert shared.status == 201, await shared.text()
    made = (await shared.json())["event"]
    assert made["kind"] == "support.share" and made["has_private"] and "Amira" not in str(made)
    [s] = (await (await client.get("/api/v1/support", headers=auth)).json())["items"]
    assert [(o["group_name"], o.get("reads_private")) for o in s["can_go"]] == [("Cardiff", True), ("Bristol", True)]
