"""A closed support request's page says when it was closed and links to the close (whose page holds
its notes, sealed to the requesting and closing groups: not reachable from the request before) and
to the claim by which a group takes it, as `solnet view support` says "closed <time>"."""
from __future__ import annotations

import re

from test_http import get
from page_text import PASSPHRASE, visible_text
from node import publishing


async def test_a_closed_requests_page_says_when_and_links_to_its_claim_and_close(sample, start_node) -> None:
    calais = sample.nodes[0]
    log, keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:
        request = publishing.publish(log, keys, "support.request", {
            "region": "calais", "type": "legal", "people": "1", "urgency": "low"}).id.hex()
        claim = publishing.publish(log, keys, "support.claim", {"request": request}).id.hex()
        close = publishing.publish(log, keys, "support.close", {"request": request, "outcome": "resolved"},
                                       private="seen by the lawyer").id.hex()
    finally:
        log.store.close()
    node = await start_node(calais)
    await node.log_in()
    for lang, closed, close_words, claim_words in (("en", "closed", "the close, with its notes", "the claim"),
                                                   ("fr", "clôturée", "la clôture, avec ses notes",
                                                    "la prise en charge")):
        _, page, _ = await get(node.client, f"/event/{request}?lang={lang}")
        box = re.search(r'<div class="status-box">.*?</div>', page, re.S)[0]
        assert re.search(rf'</span> · [^<]+ · <time datetime="[^"]+">[^<]+</time> · '
                         rf'<a class="close-link" href="/event/{close}">{close_words}</a>', box), visible_text(box)
        assert f'<a class="claim-link" href="/event/{claim}">{claim_words}</a>' in box, visible_text(box)
        _, page, _ = await get(node.client, f"/event/{close}?lang={lang}")
        assert "seen by the lawyer" in page, visible_text(page)


async def test_an_alert_history_entry_links_to_the_alerts_page_with_its_updates(sample, start_node) -> None:
    calais = sample.nodes[0]
    node = await start_node(calais)
    await node.log_in()
    alert = sample.ids["alert"]
    await node.node.publish("alert.update", {"alert": alert, "status": "all_clear", "text": "police gone"})
    _, page, _ = await get(node.client, "/?lang=en")
    entry = re.search(rf'<li data-key="{alert}".*?</li>', page[page.index('id="history-list"'):], re.S)[0]
    assert f'href="/event/{alert}"' in entry, visible_text(entry)
    _, page, _ = await get(node.client, f"/event/{alert}?lang=en")
    assert "police gone" in page, visible_text(page)
