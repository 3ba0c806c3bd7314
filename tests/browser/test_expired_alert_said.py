"""A screen reader hears that a live alert ended when it expires while the page is open (chromium,
a real node): the node tells the page to read again at the alert's end (recheck), the alert leaves
the banner, and #alert-news said nothing, though an all clear is said (WCAG 4.1.3): someone who
cannot see the banner still believed the raid was on. Now "Alert ended: raid, calais, ...", in
English and French, without moving the focus."""
from __future__ import annotations

import time

from chromium import PASSPHRASE, log_in, url
from test_alert_news_updates import LISTEN

LIFETIME_MS = 20_000  # long enough to start the node and open both pages before it ends


def _alert_ending_soon(node) -> None:
    """A raid alert that expires LIFETIME_MS from now, stored before the node runs (publishing asks
    for a minute at least: a test waiting a minute for it would be slow)."""
    log, keys = node.home.log(), node.home.keys(PASSPHRASE)
    try:
        now = int(time.time() * 1000)
        log.append(keys.device, "alert", {"region": "calais", "type": "raid", "location": "Hospital camp",
                                          "text": "CRS at the camp"}, expires=now + LIFETIME_MS, now=now)
    finally:
        log.store.close()


def test_an_alert_that_expires_while_the_overview_is_open_is_said_to_have_ended(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    _alert_ending_soon(calais)
    cluster.start(calais, sync_interval=3600)
    pages = {}
    for lang in ("en", "fr"):
        page = browser.new_page()
        if not pages:
            log_in(page, calais)
        page.goto(url(calais, f"/?lang={lang}"))
        page.locator("#live-status[data-state='live']").wait_for()
        assert page.locator("#alerts li", has_text="CRS at the camp").count() == 1, "the alert ended too soon"
        page.evaluate(LISTEN)
        page.locator("header nav a").first.focus()  # reading elsewhere on the page
        page.evaluate("() => { window.before = document.activeElement; }")
        pages[lang] = page
    for lang, ended in (("en", "Alert ended:"), ("fr", "Alerte terminée\u202f:")):
        page = pages[lang]
        page.locator("#alert-news", has_text=ended).wait_for(state="attached", timeout=LIFETIME_MS + 20_000)
        said = page.evaluate("() => window.said")
        assert said[-1].startswith(ended) and "Hospital camp" in said[-1] and "CRS at the camp" in said[-1], said
        assert sum(ended in s for s in said) == 1, said  # once
        assert page.locator("#alerts li").count() == 0
        assert page.evaluate("() => document.activeElement === window.before")
