"""The admin's pages say translate="no" (and Google's notranslate meta): a browser's page translation
(Chrome's Google Translate, Edge's Microsoft Translator; unasked once "always translate" is ticked)
sends the whole page's text to its vendor, and an event page holds the private details this node
decrypted, the overview the titles, places and notes of events for chosen groups it opened. The
public pages, and the login page, stay translatable."""
from __future__ import annotations

import re

from node.dashboard import AccessOptions
from test_http import get

HTML = re.compile(r"<html\b[^>]*>")


async def test_pages_with_what_this_node_opened_are_never_handed_to_a_translator(sample, start_node) -> None:
    node = await start_node(sample.nodes[0], AccessOptions(public=True))
    for path in ("/login", "/public/", "/public/alerts"):
        _, page, _ = await get(node.client, path)
        assert 'translate="no"' not in HTML.search(page)[0] and "notranslate" not in page, path
    await node.log_in()
    _, overview, _ = await get(node.client, "/")
    events = re.findall(r'href="/event/([0-9a-f]{64})"', overview)
    assert events, overview[:300]
    for path in ("/", f"/event/{events[0]}", "/publish/support.request", "/groups", "/admin/wipe"):
        status, page, _ = await get(node.client, path)
        assert status == 200, path
        assert 'translate="no"' in HTML.search(page)[0], path
        assert '<meta name="google" content="notranslate">' in page, path
