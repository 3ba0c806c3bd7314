"""A support request with private details and no group ticked to read them says to tick one (en,
fr): it said "These recipients cannot receive private details: tick other groups", of recipients
nobody had chosen. Nothing is published, and the details typed come back."""
from __future__ import annotations

from page_text import PRIVATE, csrf_of


async def test_no_group_ticked_is_said_as_such(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    before = await node.node.db(node.node.log.store.count)
    for lang, said in (("en", "Tick at least one group that may read the private details"),
                       ("fr", "Cochez au moins un groupe qui pourra lire les détails privés")):
        async with node.client.get(f"/publish/support.request?lang={lang}") as r:
            token = csrf_of(await r.text())
        async with node.client.post(f"/publish/support.request?lang={lang}", allow_redirects=False, data={
                "csrf": token, "region": "calais", "type": "legal", "people": "2", "urgency": "high",
                "private": PRIVATE}) as r:
            html = await r.text()
            assert r.status == 400
        assert f'<p class="field-error" id="e-to">{said}' in html, html[html.find("e-to") - 200:][:600]
        assert "cannot receive" not in html and "ne peuvent pas recevoir" not in html
        assert PRIVATE in html  # given back, to tick a group and send
    assert await node.node.db(node.node.log.store.count) == before
