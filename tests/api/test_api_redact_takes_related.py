"""A redaction published through the API (POST /api/v1/events, kind `redact`) takes along this
device's events that name what it withdraws, as `solnet redact` and the dashboard's withdrawal do
(node.related). Calais posted an alert, then an update saying where a person hides, and withdrew
the alert from a script: the alert's body went, the update's "Hiding at Maison 77" stayed readable
on every node, and the answer said nothing of it."""
from __future__ import annotations

from node import publishing, related
from node.request_shares import shares_by_request

HIDING = "Hiding at Maison 77"


async def test_an_api_redaction_withdraws_this_devices_update_with_its_alert(api) -> None:
    alert = await api.publish("alert", region="calais", type="raid", location="Test camp", text="Police at the camp")
    update = await api.publish("alert.update", alert=alert["id"], status="update", text=HIDING)
    done = await api.publish("redact", ids=alert["id"], reason="named a person")
    assert done["ids"] == [alert["id"], update["id"]], done
    for event_id in (alert["id"], update["id"]):
        shown = await api.get(f"/api/v1/events/{event_id}")
        assert shown["body"] != "present" and HIDING not in str(shown), shown


async def test_more_related_than_one_redaction_holds_is_refused_naming_the_field(api) -> None:
    need = await api.publish("need", category="tents", quantity=60, region="calais")
    for n in range(64):  # 64 updates of this device: with the need, 65 ids, past the 64 a redaction holds
        await api.publish("need.update", need=need["id"], quantity=60 + n + 1)
    status, body = await api.request("POST", "/api/v1/events", json={"kind": "redact", "fields": {"ids": need["id"]}})
    assert status == 422 and body["error"]["field"] == "ids", body
    assert "64 events of this device name" in body["error"]["message"], body
    assert (await api.get(f"/api/v1/events/{need['id']}"))["body"] == "present"


async def test_an_api_redaction_warns_of_another_devices_event_that_stays(api, homes, unlock) -> None:
    """Bristol recorded a delivery to Calais's need: withdrawn, the need's record stays on every node
    unless Bristol withdraws it. The answer warns of it, as `solnet redact` says it."""
    need = await api.publish("need", category="tents", quantity=20, region="calais")
    calais_wires = await api.node.db(lambda: list(api.node.log.store.iter_wire()))
    bristol = homes["bristol"].log()
    try:
        bristol.ingest(calais_wires)
        fulfil = publishing.publish(bristol, unlock(homes["bristol"]), "need.fulfil",
                                    {"need": need["id"], "quantity": "5"})
        bristol_wires = list(bristol.store.iter_wire())
    finally:
        bristol.store.close()
    await api.node.db(api.node.log.ingest, bristol_wires)
    status, body = await api.request("POST", "/api/v1/events", json={"kind": "redact", "fields": {"ids": need["id"]}})
    assert status == 201, body
    assert body["event"]["ids"] == [need["id"]], body
    assert [w for w in body["warnings"] if "still readable" in w and f"need.fulfil {fulfil.id.hex()}" in w], body


async def test_a_redaction_of_a_redaction_is_refused_as_solnet_redact_refuses_it(api, homes) -> None:
    """A redaction withdrawn travels as a stub that names nothing: Bristol, which had not yet received
    it whole, refused it as malformed and held every later event of Calais's device pending (its
    chain broken for good, since no node keeps the body). The API took it; `solnet redact` did not."""
    alert = await api.publish("alert", region="calais", type="raid", location="Test camp", text="Police at the camp")
    first = await api.publish("redact", ids=alert["id"])
    status, body = await api.request("POST", "/api/v1/events", json={"kind": "redact", "fields": {"ids": first["id"]}})
    assert status == 422 and body["error"]["field"] == "ids", body
    assert "is a redaction itself" in body["error"]["message"], body
    later = await api.publish("need", category="tents", quantity=3, region="calais")
    calais_wires = await api.node.db(lambda: list(api.node.log.store.iter_wire()))
    bristol = homes["bristol"].log()
    try:
        bristol.ingest(calais_wires)
        assert bristol.store.event_row(bytes.fromhex(first["id"])) is not None
        assert bristol.store.event_row(bytes.fromhex(later["id"])) is not None
    finally:
        bristol.store.close()


async def test_a_redaction_of_64_events_reads_the_stored_shares_once(api, homes, monkeypatch) -> None:
    """Each id of an API redaction was looked up with every stored share read and unpacked again,
    twice (its own events, then the warning's): 128 reads of them all for 64 ids, on the database
    thread (300 shares held: 1.2 s; a mole group can store thousands). One read now."""
    bristol = homes["bristol"].log()
    try:
        bristol_wires = list(bristol.store.iter_wire())
    finally:
        bristol.store.close()
    await api.node.db(api.node.log.ingest, bristol_wires)  # Bristol's device: a group to share with
    status, request = await api.request("POST", "/api/v1/events", json={
        "kind": "support.request", "fields": {"region": "calais", "type": "housing", "people": "2", "urgency": "high"},
        "private": "a family of 3, Rue X", "to": ["Calais"], "new_region": True})
    assert status == 201, request
    status, share = await api.request("POST", "/api/v1/events", json={
        "kind": "support.share", "fields": {"request": request["event"]["id"]}, "to": ["Bristol"]})
    assert status == 201, share
    needs = [(await api.publish("need", category="tents", quantity=n + 1, region="calais"))["id"] for n in range(64)]
    reads = []

    def counted(log):
        reads.append(1)
        return shares_by_request(log)

    monkeypatch.setattr(related, "shares_by_request", counted)
    done = await api.publish("redact", ids=",".join(needs))
    assert done["ids"] == needs and len(reads) == 1, (len(reads), done["ids"])


async def test_a_repeated_id_counts_once_in_the_refusal(api) -> None:
    """"ids": "X,X" (field validation takes it) was counted as two events: the refusal said "these 2
    events", one fewer of this device's events than it held, and one less room left."""
    need = await api.publish("need", category="tents", quantity=60, region="calais")
    for n in range(64):
        await api.publish("need.update", need=need["id"], quantity=60 + n + 1)
    said = []
    for ids in (need["id"], f"{need['id']},{need['id']}"):
        status, body = await api.request("POST", "/api/v1/events", json={"kind": "redact", "fields": {"ids": ids}})
        assert status == 422 and body["error"]["field"] == "ids", body
        said.append(body["error"]["message"])
    assert said[1] == said[0] and said[0].startswith("64 events of this device name ") and "(63)" in said[0], said
