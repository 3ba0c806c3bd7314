"""Private parts through the HTTP API: padded to a size bucket when published, a text too long for
the `sealed` field refused at once with the field at fault, and a part padded wrongly by its
author's software kept and reported as damaged to its reader."""
from __future__ import annotations

from crypto import envelope
from events.canonical import unpack
from node import publishing
from node.private import DAMAGED_TEXT, MAX_PRIVATE_BYTES

FIELDS = {"region": "calais", "type": "medical", "people": "1", "urgency": "high"}


async def _request(api, private: str) -> tuple[int, dict]:
    group = bytes(api.node.keys.group.public).hex()
    return await api.request("POST", "/api/v1/events", json={
        "kind": "support.request", "fields": FIELDS, "private": private, "to": [group]})


async def _stored_sealed(api, event_id: str) -> bytes:
    row = await api.node.db(api.node.log.store.event_row, bytes.fromhex(event_id))  # (its store: node/store/owner.py)
    return unpack(row[8])["sealed"]


async def test_private_details_of_one_bucket_are_stored_with_one_length(api):
    texts = ["diabetic, insulin", "diabetic, insulin needed twice a day; last dose Monday; the clinic on Rue "
             "Mollien has his file under the name Karim B., born 2009; his uncle in Lille: 06 00 00 00 00"]
    ids = []
    for text in texts:
        status, body = await _request(api, text)
        assert status == 201, body
        ids.append(body["event"]["id"])
    lengths = {len(await _stored_sealed(api, event_id)) for event_id in ids}
    assert lengths == {envelope.sealed_length(0)}
    for event_id, text in zip(ids, texts):
        opened = await api.get(f"/api/v1/events/{event_id}?private=true")
        assert opened["private_status"] == "readable" and opened["private_details"] == text
        assert "private_error" not in opened


async def test_private_details_too_long_are_refused_with_the_field_at_fault(api):
    status, body = await _request(api, "x" * MAX_PRIVATE_BYTES)  # with its framing, over the largest bucket
    assert status == 422, body
    assert body["error"]["field"] == "private" and "too long" in body["error"]["message"], body
    assert (await api.get("/api/v1/events?kind=support.request"))["events"] == []  # nothing was signed


async def test_a_private_part_padded_wrongly_is_kept_and_reported_as_damaged(api, monkeypatch):
    with monkeypatch.context() as patched:  # the author's software pads with ones: it still authenticates
        patched.setattr(envelope, "_framed", lambda plaintext: len(plaintext).to_bytes(4, "big") + plaintext
                        + b"\x01" * (512 - 4 - len(plaintext)))
        group = bytes(api.node.keys.group.public).hex()
        event = await api.node.db(lambda: publishing.publish(api.node.log, api.node.keys, "support.request", FIELDS,
                                                             private="room 12, ask for Nadia", to=[group]))
    opened = await api.get(f"/api/v1/events/{event.id.hex()}?private=true")
    assert opened["private_status"] == "damaged" and opened["private_details"] is None
    assert opened["private_error"] == DAMAGED_TEXT and opened["type"] == "medical"
    listed = await api.get("/api/v1/events?kind=support.request")
    assert [e["id"] for e in listed["events"]] == [event.id.hex()]
