"""GET /api/v1/events and /api/v1/events/{id} against a running node: filters, paging, private parts."""
from __future__ import annotations

import asyncio

from crypto.envelope import seal
from crypto.keys import EncryptionKey

FUTURE = "2030-06-01T18:00Z"


async def publish_mix(api) -> dict[str, list[str]]:
    """A few events of several kinds and regions; ids by label."""
    ids: dict[str, list[str]] = {"calais": [], "dunkirk": [], "need": [], "action": []}
    for i in range(3):
        ev = await api.publish("action", title=f"Rally {i}", region="calais", starts_at=FUTURE, type="protest")
        ids["calais"].append(ev["id"])
        ids["action"].append(ev["id"])
    for i in range(2):
        ev = await api.publish("need", category="tents", quantity=str(i + 1), region="dunkirk")
        ids["dunkirk"].append(ev["id"])
        ids["need"].append(ev["id"])
    return ids


async def test_filters_by_kind_author_region_and_since(api):
    ids = await publish_mix(api)
    device = bytes(api.node.keys.device.public).hex()

    by_kind = await api.get("/api/v1/events?kind=need")
    assert [e["id"] for e in by_kind["events"]] == ids["need"][::-1]  # newest stored first
    assert all(e["kind"] == "need" for e in by_kind["events"])

    by_region = await api.get("/api/v1/events?region=Calais")
    assert all(e["region"] == "calais" for e in by_region["events"])
    assert {e["id"] for e in by_region["events"] if e["kind"] != "group.profile"} == set(ids["calais"])

    by_author = await api.get(f"/api/v1/events?author={device[:12]}")
    assert {e["id"] for e in by_author["events"]} == set(ids["calais"] + ids["dunkirk"])
    assert all(e["author"] == device for e in by_author["events"])

    both = await api.get(f"/api/v1/events?author={device}&kind=action&region=calais")
    assert [e["id"] for e in both["events"]] == ids["action"][::-1]

    everything = await api.get("/api/v1/events")
    newest_ts = max(e["timestamp"] for e in everything["events"])
    since = await api.get(f"/api/v1/events?since={newest_ts}")
    assert since["events"] and all(e["timestamp"] >= newest_ts for e in since["events"])
    assert (await api.get("/api/v1/events?since=4102444800000"))["events"] == []  # 2100: nothing yet
    assert (await api.get("/api/v1/events?author=abcdef012345"))["events"] == []  # no such author


async def test_pages_have_no_duplicates_or_gaps_while_events_arrive(api):
    for i in range(7):
        await api.publish("offer", category="water", quantity=str(i + 1), region="calais")
    before = [e["id"] for e in (await api.get("/api/v1/events?limit=500"))["events"]]
    seen: list[str] = []
    cursor, added = None, []
    for _ in range(50):  # bounded: 11 events at 2 a page
        page = await api.get("/api/v1/events?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        seen += [e["id"] for e in page["events"]]
        # Someone publishes between our page requests: it must not shift what the next page holds.
        added.append((await api.publish("offer", category="food", quantity="1", region="calais"))["id"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert cursor is None, "paging did not end"
    assert len(seen) == len(set(seen)), "an event came twice"
    assert seen == before, "pages skipped or reordered events"
    first = await api.get("/api/v1/events?limit=3")
    assert [e["id"] for e in first["events"]] == added[::-1][:3]  # the new ones wait on the first page


async def test_paging_with_concurrent_publisher_task(api):
    """A publisher runs at the same time as the reader (both over HTTP)."""
    for i in range(10):
        await api.publish("offer", category="shoes", quantity=str(i + 1), region="brighton")
    snapshot = [e["id"] for e in (await api.get("/api/v1/events?limit=500"))["events"]]

    async def publisher() -> None:
        for i in range(15):
            await api.publish("offer", category="books", quantity="1", region="brighton")

    task = asyncio.create_task(publisher())
    try:
        first = await api.get("/api/v1/events?limit=1")
        pages = [e["id"] for e in first["events"]]
        cursor = first["next_cursor"]
        for _ in range(100):
            if cursor is None:
                break
            page = await api.get(f"/api/v1/events?limit=3&cursor={cursor}")
            pages += [e["id"] for e in page["events"]]
            cursor = page["next_cursor"]
    finally:
        await task
    assert cursor is None
    assert len(pages) == len(set(pages))
    # Everything stored before the first page is there, in order, after whatever was newest then.
    assert pages[-len(snapshot):] == snapshot


async def test_one_event_by_id_and_prefix(api):
    ev = await api.publish("alert", region="calais", type="raid", location="Loon-Plage", text="police at the camp")
    full = await api.get(f"/api/v1/events/{ev['id']}")
    assert full["id"] == ev["id"] and full["text"] == "police at the camp" and full["expires"] is not None
    assert (await api.get(f"/api/v1/events/{ev['id'][:12].upper()}"))["id"] == ev["id"]
    status, body = await api.request("GET", "/api/v1/events/" + "ab" * 32)
    assert status == 404 and body["error"]["code"] == "not_found"


async def test_private_part_never_listed_and_decrypted_only_on_request(api):
    group = bytes(api.node.keys.group.public).hex()
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "support.request", "fields": {"region": "calais", "type": "housing", "people": "2", "urgency": "high"},
        "private": "Family of 3, phone +33 6 00 00 00 00, at the Grande-Synthe gym", "to": [group]})
    assert status == 201, body
    event_id = body["event"]["id"]
    secret = "Grande-Synthe"
    for path in ("/api/v1/events", f"/api/v1/events/{event_id}", "/api/v1/support", "/api/v1/events?kind=support.request"):
        status, reply = await api.request("GET", path)
        text = str(reply)
        assert status == 200 and secret not in text and "sealed" not in text, path
        assert "'private': True" in text, path
    opened = await api.get(f"/api/v1/events/{event_id}?private=true")
    assert secret in opened["private_details"] and opened["private_status"] == "readable"


async def test_private_part_for_others_stays_closed(api):
    """A request sealed only to another key: this node's admin sees that a private part exists, not
    what it says."""
    log = api.node.log
    sealed = seal(b"not for Calais", [EncryptionKey.generate().public])
    ev = await api.node.db(lambda: log.append(api.node.keys.device, "support.request", {
        "region": "calais", "type": "legal", "people": "1", "urgency": "low", "sealed": sealed}))
    opened = await api.get(f"/api/v1/events/{ev.id.hex()}?private=true")
    assert opened["private"] is True and opened["private_details"] is None
    assert opened["private_status"] == "not_a_recipient"


async def test_a_fundraiser_update_says_the_currency_of_its_amounts(api):
    """An update names its fundraiser, not a currency: its event's JSON gives its fundraiser's (as
    `solnet show` and the dashboard do), in the list, by id, in a publish's answer, and inside an
    event for chosen groups; null for a fundraiser this node does not hold."""
    fund = await api.publish("fundraiser", title="Winter tents", goal="2000", currency="GBP", region="calais")
    update = await api.publish("fundraiser.update", fundraiser=fund["id"], raised="150")
    assert (update["raised"], update["currency"]) == (15000, "GBP"), update
    assert (await api.get(f"/api/v1/events/{update['id']}"))["currency"] == "GBP"
    [listed] = (await api.get("/api/v1/events?kind=fundraiser.update"))["events"]
    assert listed["currency"] == "GBP", listed
    own = bytes(api.node.keys.group.public).hex()
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "fundraiser.update", "fields": {"fundraiser": fund["id"], "raised": "20"}, "to": [own]})
    assert status == 201, body
    assert body["event"]["inner"]["currency"] == "GBP", body
    elsewhere = await api.node.db(lambda: api.node.log.append(api.node.keys.device, "fundraiser.update", {
        "fundraiser": bytes(32), "pledge": 500}))
    assert (await api.get(f"/api/v1/events/{elsewhere.id.hex()}"))["currency"] is None
