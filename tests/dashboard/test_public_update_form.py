"""The form for an update or all clear of a public alert says, next to its text, that the update is
public too: it goes under the alert on the public alert page and feed, where anyone reads it. The
form said nothing, and a member typed where people were hiding. The form for an update of a
network-only alert does not say it."""
from __future__ import annotations

from page_text import visible_text

RAID = {"region": "calais", "type": "raid", "text": "Police at the camp"}
SAID = {"en": "This alert is public: your update goes under it on the public alert page",
        "fr": "Cette alerte est publique\u202f: votre mise à jour paraît sous elle sur la page publique"}


async def test_the_update_form_of_a_public_alert_says_the_update_is_public(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    public = await node.node.publish("alert", {**RAID, "public": "yes"}, expires_in="1h", offline=True)
    private = await node.node.publish("alert", RAID, expires_in="1h", offline=True)
    for lang, words in SAID.items():
        async with node.client.get(f"/publish/alert.update?alert={public.id.hex()}&status=update&lang={lang}") as r:
            html = await r.text()
        text = visible_text(html)
        assert words in text, text
        # next to the text field: after its box, before the next field
        assert html.index('id="f-text"') < html.index('id="h-public-update"') < html.index('id="f-location"')
        async with node.client.get(f"/publish/alert.update?alert={private.id.hex()}&status=update&lang={lang}") as r:
            assert 'id="h-public-update"' not in await r.text()
