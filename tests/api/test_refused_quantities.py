"""A fulfilment refused for asking more than a need or an offer has left says the quantity as people
say it: "1 item", "1 box" (it said "that offer has 1 items left")."""
from __future__ import annotations


async def _refused(api, **fields: str) -> str:
    status, body = await api.request("POST", "/api/v1/events", json={"kind": "need.fulfil", "fields": fields})
    assert status == 422 and body["error"]["field"] == "quantity", body
    return body["error"]["message"]


async def test_one_left_is_said_in_the_singular(api) -> None:
    need = await api.publish("need", category="tents", quantity=5, region="calais")
    offer = await api.publish("offer", category="tents", quantity=1, region="calais")
    said = await _refused(api, need=need["id"], quantity=2, offer=offer["id"])
    assert said.startswith("that offer has 1 item left (0 of 1 already given): draw at most 1"), said

    boxes = await api.publish("need", category="food", quantity=3, unit="boxes", region="calais")
    await api.publish("need.fulfil", need=boxes["id"], quantity=2)
    said = await _refused(api, need=boxes["id"], quantity=2)
    assert said.startswith("that need has 1 box left to cover (2 of 3 covered): fulfil at most 1"), said
    await api.publish("need.fulfil", need=boxes["id"], quantity=1)
    said = await _refused(api, need=boxes["id"], quantity=1)
    assert said.startswith("that need is already fully covered (3 boxes); nothing is left to fulfil"), said
