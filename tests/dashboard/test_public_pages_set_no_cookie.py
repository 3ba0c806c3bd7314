"""A reader of the public pages (--public-dashboard) is given no cookie: a migrant checking where the
police are got a session cookie on the first visit and, once a language was picked, a year-long
"solnet_lang" in the phone's cookie jar, saying it had read a solnet node. The pages hold no form;
the language picked stays in the pages' addresses (?lang=) instead, from the page to the index."""
from __future__ import annotations

from html import unescape

from node.dashboard import AccessOptions
from test_http import get


async def test_the_public_pages_and_feeds_set_no_cookie_and_keep_the_language_in_links(sample, start_node) -> None:
    node = await start_node(sample.nodes[0], AccessOptions(public=True))
    for path in ("/", "/?lang=fr", "/public/", "/public/?lang=fr", "/public/alerts?lang=fr", "/public/alerts.atom",
                 "/public/calendar.ics"):
        status, _, answer = await get(node.client, path)
        assert status in (200, 303), (path, status)
        assert answer.headers.getall("Set-Cookie", []) == [], (path, answer.headers.getall("Set-Cookie", []))
    assert not list(node.client.session.cookie_jar)
    status, _, answer = await get(node.client, "/?lang=fr")
    assert answer.headers["Location"] == "/public/?lang=fr"
    _, page, _ = await get(node.client, "/public/alerts?lang=fr")
    assert '<html lang="fr"' in page and 'href="/public/?lang=fr"' in unescape(page), page[:400]
