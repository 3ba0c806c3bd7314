"""POST /api/v1/events with `to` naming a group by name, on a real node: refused while a group of
the network has no profile here (an infiltrator's group may have taken the name of that one, and the
private content would be sealed to it), saying which group by short id and to give the id; the id
names the group, as it always did."""
from __future__ import annotations

import json

from crypto.keys import SigningKey
from crypto.short_ids import short_id
from node import references

OFFER = {"category": "tents", "quantity": "2", "region": "calais", "notes": "for the squat"}


async def test_a_name_is_refused_while_a_group_is_unnamed_here_and_the_id_is_not(api, unlock, homes) -> None:
    keys = unlock(homes["calais"])
    log = homes["bristol"].log()  # Bristol's events, its profile among them, as a peer brings them
    try:
        wires = list(log.store.iter_wire())
    finally:
        log.store.close()
    await api.node.db(api.node.log.ingest, wires)
    names = await api.node.db(references.profile_names, api.node.log.store)
    [bristol] = [g for g, n in names.items() if n == "Bristol"]
    body = {"kind": "offer", "fields": OFFER, "to": ["Bristol"]}
    status, answer = await api.request("POST", "/api/v1/events", json=body)
    assert status == 201, answer  # every group has a profile here: the name names Bristol

    newcomer = SigningKey.generate()  # a group admitted, whose profile has not come yet
    await api.node.db(lambda: api.node.log.append(keys.group, "member.vouch", {"subject": bytes(newcomer.public),
                                                                               "role": "group"}, offline=True))
    status, answer = await api.request("POST", "/api/v1/events", json=body)
    said = json.dumps(answer, ensure_ascii=False)
    assert status == 422 and "no profile here yet" in said and f"group {short_id(newcomer.public)}" in said, answer
    assert "Give the id of the group you mean" in said
    for given in (bristol.hex(), short_id(bristol)):
        status, answer = await api.request("POST", "/api/v1/events", json={**body, "to": [given]})
        assert status == 201, answer
