"""What the page says after a publish matches where the event is: "Published. It is on its way to the
other nodes." was said by a node with no link to any peer (a Pi whose peer is down), of a raid alert
that was going nowhere yet. Now it says that the node keeps it and sends it once a peer is linked."""
from __future__ import annotations

from page_text import csrf_of, visible_text


async def test_a_node_with_no_link_says_it_keeps_what_was_published(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])  # started alone: no peer is linked
    await node.log_in()
    async with node.client.get("/publish/alert") as r:
        token = csrf_of(await r.text())
    async with node.client.post("/publish/alert", data={"csrf": token, "region": "calais", "type": "raid",
                                                        "text": "Vans at the bridge", "expires_in": "6h"}) as r:
        assert r.status == 200 and "published=1" in str(r.url)
        text = visible_text(await r.text())
    assert "on its way to the other nodes" not in text, text
    assert "it has no link to any peer now, and sends it as soon as one is linked" in text, text
