"""A delivery recorded twice (two coordinators of a group, or one form sent twice) was said by
`solnet publish` and the API's `warnings`, but the dashboard's publish form said 'Published' alone:
the need then counted it twice, unsaid. The page after the publish says it now, with a link to take it
back (node/dashboard/withdraw.py)."""
from __future__ import annotations

from page_text import csrf_of, visible_text


async def _publish(node, kind: str, fields: dict[str, str]) -> tuple[str, str]:
    async with node.client.get(f"/publish/{kind}") as r:
        token = csrf_of(await r.text())
    async with node.client.post(f"/publish/{kind}", data={"csrf": token, **fields}) as r:
        assert r.status == 200 and "published=1" in str(r.url), visible_text(await r.text())
        return str(r.url).split("/event/")[1].split("?")[0], visible_text(await r.text())


async def test_a_delivery_recorded_twice_is_said_after_the_form(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    need, _ = await _publish(node, "need", {"category": "blankets", "quantity": "20", "region": "calais",
                                            "urgency": "high"})
    offer, _ = await _publish(node, "offer", {"category": "blankets", "quantity": "20", "region": "calais"})
    delivery = {"need": need, "offer": offer, "quantity": "5"}
    first, text = await _publish(node, "need.fulfil", delivery)
    assert "already recorded" not in text, text
    second, text = await _publish(node, "need.fulfil", delivery)
    assert "This device already recorded 5 from that offer for that need" in text, text
    assert "take this one back (Withdraw its content)" in " ".join(text.split()).replace("( ", "(").replace(" )", ")")
    assert "solnet redact" not in text, text
    assert first[:12] in text and "Your offer gave it twice too." in text
