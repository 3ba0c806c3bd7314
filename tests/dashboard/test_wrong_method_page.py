"""A request with a method a dashboard address does not take (405) is answered with the
dashboard's own page, in the reader's language, with its landmarks and a way back, as a missing
page is: opening /logout from the history or a bookmark (a GET of a form's address), or a page
posted to. aiohttp's plain text '405: Method Not Allowed' was all the browser showed. The API's
answer stays JSON, and both keep the Allow header."""
from __future__ import annotations

from page_text import visible_text


async def test_a_wrong_method_is_said_on_a_page_in_the_readers_language(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for method, path, lang, title in (("GET", "/logout", "en", "Wrong kind of request"),
                                      ("POST", "/groups?lang=fr", "fr", "Requête d’un autre type"),
                                      ("GET", "/admin/wipe", None, None)):
        async with node.client.request(method, path, allow_redirects=False) as r:
            html = await r.text()
            if title is None:  # a page that takes the method: not this one
                assert r.status == 200
                continue
            assert r.status == 405, (path, r.status, html[:200])
            assert r.content_type == "text/html", (path, r.content_type, html[:200])
            assert "GET" in r.headers["Allow"] or "POST" in r.headers["Allow"]
            assert f'<html lang="{lang}"' in html and "<main" in html and 'href="/"' in html
            assert title in visible_text(html), visible_text(html)


async def test_the_api_still_answers_a_wrong_method_in_json(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    async with node.client.request("DELETE", "/api/v1/status") as r:
        assert r.status == 405 and r.content_type == "application/json"
        assert (await r.json())["error"]["code"] == "method_not_allowed"
        assert "GET" in r.headers["Allow"]
