"""The API's answer to a publish says when the group's newest step on the item, from another device,
is stamped after the one just published (that device's clock ahead): the step changes nothing on any
node (tests/node/test_step_behind_another_device.py has the words)."""
from __future__ import annotations

from crypto.keys import EncryptionKey, SigningKey
from events.canonical import pack
from events.format import sign_event
from events.trust import device_consent
from node.log import now_ms

ACTION = {"title": "Welcome cafe", "region": "calais", "starts_at": "2030-06-01T11:00Z", "type": "outreach"}


async def test_an_update_under_another_device_s_stamped_ahead_is_warned_of(api) -> None:
    node = api.node
    action = (await api.publish("action", **ACTION))["id"]
    group = node.keys.group
    laptop, enc = SigningKey.generate(), bytes(EncryptionKey.generate().public)
    net = node.log.genesis.network_id
    seq, prev = await node.db(node.log.store.head, bytes(group.public))
    vouch = sign_event(group, network=net, seq=seq + 1, prev=prev, timestamp=now_ms(), kind="member.vouch",
                       body=pack({"subject": bytes(laptop.public), "role": "device", "encryption_key": enc,
                                  "consent": device_consent(laptop, bytes(group.public), enc)}))
    ahead = sign_event(laptop, network=net, seq=1, prev=None, timestamp=now_ms() + 3_600_000 - 60_000,
                       kind="action.update", body=pack({"action": bytes.fromhex(action), "status": "on"}))
    # set right, its next event proves its clock (node/stamped_ahead.py): the one stamped ahead goes in
    proof = sign_event(laptop, network=net, seq=2, prev=ahead.id, timestamp=now_ms(), kind="need",
                       body=pack({"category": "tents", "quantity": 4, "region": "calais"}))
    await node.db(node.log.ingest, [vouch.encode(), ahead.encode(), proof.encode()])
    status, body = await api.request("POST", "/api/v1/events", json={
        "kind": "action.update", "fields": {"action": action, "status": "cancelled"}})
    assert status == 201, body
    [warning] = body["warnings"]
    assert ahead.id.hex()[:12] in warning and "every node reads its step as the newer" in warning, warning
    [item] = (await api.get("/api/v1/actions"))["items"]
    assert item["status"] == "on"  # what it warns of
