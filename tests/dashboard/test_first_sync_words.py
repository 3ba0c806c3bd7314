"""A publish form sent to a node that has not finished its first sync since it started (a Pi back
from a power cut, its one peer down) says that, and what to do: the dashboard said "its key may be
revoked or not yet certified", which sent a coordinator posting a raid alert looking for an
infiltration that was not there. Nothing is published, what was typed comes back."""
from __future__ import annotations

from page_text import csrf_of, visible_text
from peer_down import only_peer_down


async def test_a_node_before_its_first_sync_says_so_not_revoked(sample, start_node) -> None:
    calais = sample.nodes[0]
    only_peer_down(calais.home)  # no round completes
    node = await start_node(calais)
    await node.log_in()
    for lang, said in (("en", "has not yet synced with a peer since it started"),
                       ("fr", "ne s’est pas encore synchronisé avec un pair depuis son démarrage")):
        async with node.client.get(f"/publish/alert?lang={lang}") as r:
            token = csrf_of(await r.text())
        async with node.client.post(f"/publish/alert?lang={lang}", allow_redirects=False, data={
                "csrf": token, "region": "calais", "type": "raid", "text": "CRS au camp", "expires_in": "6h"}) as r:
            html = await r.text()
            assert r.status == 400
        text = visible_text(html)
        assert said in text and "--offline" in text, text
        assert "revoked" not in text and "révoqu" not in text, text
        assert 'value="CRS au camp"' in html or ">CRS au camp<" in html
