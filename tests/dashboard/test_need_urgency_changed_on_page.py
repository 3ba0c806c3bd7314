"""The dashboard's page of a need says its urgency and its newest notes as its group last set them
(need.update, offer.update): it showed the fields as published ("Urgency: medium") under a status
line of quantities only, so a coordinator who opened a need raised to high read it as medium, and
the newest notes were on the overview alone (`solnet show`: tests/cli/test_need_urgency_changed_said.py)."""
from __future__ import annotations

import re

from page_text import visible_text


async def test_the_need_page_says_its_urgency_and_newest_notes(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    need = await node.node.publish("need", {"category": "tents", "quantity": "20", "region": "calais",
                                            "urgency": "medium", "notes": "2-person tents"}, offline=True)
    offer = await node.node.publish("offer", {"category": "tents", "quantity": "8", "region": "calais"}, offline=True)
    await node.node.publish("need.update", {"need": need.id.hex(), "urgency": "high",
                                            "notes": "we got some from the church"}, offline=True)
    await node.node.publish("offer.update", {"offer": offer.id.hex(), "notes": "collect at the hall"}, offline=True)
    for lang, urgency, newest in (("en", "urgency: high", "Its group's newest notes:"),
                                  ("fr", "urgence\u202f: haute", "Dernières notes de son groupe\u202f:")):
        async with node.client.get(f"/event/{need.id.hex()}?lang={lang}") as r:
            text = re.sub(r"\s*\n\s*", " ", visible_text(await r.text()))  # (its lines run on)
        status = text[:text.index("2-person tents")]  # the status box, above the fields as published
        assert urgency in status and f"{newest} we got some from the church" in status, text
        async with node.client.get(f"/event/{offer.id.hex()}?lang={lang}") as r:
            text = re.sub(r"\s*\n\s*", " ", visible_text(await r.text()))  # (its lines run on)
        assert f"{newest} collect at the hall" in text, text


async def test_a_support_offer_page_says_its_places_notes_and_withdrawal(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    offer = await node.node.publish("support.offer", {"region": "calais", "type": "housing", "capacity": "3",
                                                      "notes": "spare room"}, offline=True)
    await node.node.publish("support.offer.update", {"offer": offer.id.hex(), "capacity": "1",
                                                     "notes": "one bed now"}, offline=True)

    async def page() -> str:
        async with node.client.get(f"/event/{offer.id.hex()}?lang=en") as r:
            return re.sub(r"\s*\n\s*", " ", visible_text(await r.text()))

    text = await page()
    assert "Its group's newest notes: one bed now" in text and "Adjust or withdraw" in text, text
    await node.node.publish("support.offer.update", {"offer": offer.id.hex(), "status": "withdrawn"}, offline=True)
    text = await page()
    status = text[:text.index("spare room")]  # the status box, above the fields as published
    assert "withdrawn" in status.lower() and "Adjust or withdraw" not in text, text
