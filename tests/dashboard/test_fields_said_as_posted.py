"""An event's page says its fields are as first posted, under the status box that says what holds now:
a support offer whose group took its places from 3 to 1 showed "1 place" above "Capacity: 3", with
nothing to say which a coordinator should believe (found playing a week of five groups, in French)."""
from __future__ import annotations

import re

from page_text import visible_text


async def test_an_updated_support_offer_page_says_its_fields_are_as_first_posted(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    offer = await node.node.publish("support.offer", {"region": "calais", "type": "housing", "capacity": "3",
                                                      "notes": "spare room"}, offline=True)
    await node.node.publish("support.offer.update", {"offer": offer.id.hex(), "capacity": "1"}, offline=True)
    for lang, places, posted in (("en", "1 place", "As first posted (what holds now is above)"),
                                 ("fr", "1 place", "Tel que publié au départ (ce qui vaut maintenant est plus haut)")):
        async with node.client.get(f"/event/{offer.id.hex()}?lang={lang}") as r:
            text = re.sub(r"\s*\n\s*", " ", visible_text(await r.text()))
        now, _, fields = text.partition(posted)
        assert places in now and "spare room" in fields and "3" in fields, text
