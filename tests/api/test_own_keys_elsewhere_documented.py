"""The status's warnings of this node's keys signing elsewhere validate against node/openapi.json:
`key_elsewhere` carried the device and group ids its commands need, which the document (no
additional properties) did not name, so a bot validating the status failed exactly when a copy of
the home ran; `group_key_elsewhere` (the group key signing elsewhere) is documented as answered."""
from __future__ import annotations

import json

import jsonschema_rs

from crypto.keys import SigningKey
from events.canonical import pack
from events.format import sign_event
from node.api import OPENAPI_PATH
from node.clock import now_ms
from node.key_elsewhere import GroupKeyAbove, KeyElsewhere

DOC = json.loads(OPENAPI_PATH.read_text())


async def test_a_status_saying_both_keys_sign_elsewhere_is_as_documented(api) -> None:
    node = api.node
    device, group = node.keys.device, node.keys.group
    assert group is not None, "Calais's node holds its group key"
    node.links.key_elsewhere = KeyElsewhere(bytes(device.public), now_ms() - 3_600_000)
    node.group_watch.found = GroupKeyAbove(bytes(group.public), now_ms() - 3_600_000)
    made = sign_event(device, network=node.log.network_id, seq=900, prev=bytes(32), timestamp=now_ms(),
                      kind="action", body=pack({"title": "x"}))
    vouch = sign_event(group, network=node.log.network_id, seq=900, prev=bytes(32), timestamp=now_ms(),
                       kind="member.vouch", body=pack({"subject": bytes(SigningKey.generate().public), "role": "device"}))
    node.links.key_elsewhere.stored([made.encode()])
    node.group_watch.found.add(900, vouch.encode())
    status, body = await api.request("GET", "/api/v1/status")
    assert status == 200, body
    said = body["node"]
    assert said["key_elsewhere"]["seq"] == 900 and said["group_key_elsewhere"]["devices"], said
    schema = {**DOC["paths"]["/api/v1/status"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
              "components": DOC["components"]}
    errors = [f"{e.message[:200]} at {list(e.instance_path)}" for e in jsonschema_rs.validator_for(schema).iter_errors(body)]
    assert errors == [], errors
