"""An address the dashboard has no page for (a mistyped or cut link, an old bookmark) is a page of the
dashboard (chromium, a real node): in the reader's language, titled, with its landmarks and a way
back to the overview, and axe finds nothing in it; it was aiohttp's '404: Not Found' in plain
English text, with nothing to follow."""
from __future__ import annotations

import hashlib

from chromium import log_in, url
from test_axe import AXE, AXE_SHA256, RUN, TAGS


def test_an_address_with_no_page_says_so_in_the_readers_language_with_a_way_back(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256, "the vendored axe-core was changed"
    browser.add_init_script(path=str(AXE))
    page = browser.new_page()
    log_in(page, calais)
    for path, lang, said in (("/evnt/1f2e", "en", "No such page"), ("/event/1f2e3d?lang=fr", "fr", "Page introuvable"),
                             ("/groups/?lang=en", "en", "No such page")):
        reply = page.goto(url(calais, path))
        assert reply is not None and reply.status == 404, path
        assert reply.headers["content-type"].startswith("text/html"), (path, reply.headers["content-type"])
        assert page.locator("html").get_attribute("lang") == lang, path
        assert page.title().startswith(said), (path, page.title())
        assert page.locator("main h1").inner_text() == said, path
        page.locator("main").get_by_role("link").first.click()  # the way back
        page.wait_for_url(url(calais, "/"))
        page.go_back()
        result = page.evaluate(RUN, TAGS)
        assert result["rules"] > 20 and not result["violations"], (path, result["violations"])
