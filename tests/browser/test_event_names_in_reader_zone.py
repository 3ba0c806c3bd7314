"""An untitled event's name ends with when it was made ("Need: tents, calais, 2026-12-07 08:18
UTC"): the node writes it in UTC, as it writes every time before the page's script shows it in the
reader's zone. The names were left in UTC: an event page's heading said "08:18 UTC" over "posted
Mon 7 Dec, 09:18 CET", and so did the page's title, a form's "That is:" and the name a screen reader
hears of each link that acts on the event ("Cover this need: tents, calais, 2026-12-07 08:18 UTC").
Now each says the time as the page's other times do, in English and French."""
from __future__ import annotations

import re

from chromium import log_in, url
from local_cluster import publish

PARIS = re.compile(r"\b(CES?T|UTC\+[12])\b")  # Europe/Paris as en and fr say it, in winter and summer
UTC_TEXT = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")  # the node's own writing of a time (fallback_time)


def test_an_event_is_named_with_its_time_in_the_readers_zone(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais)
    need = publish(calais, "need", category="tents", quantity="20", region="calais").hex()
    page = browser.new_page()
    browser.new_cdp_session(page).send("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Paris"})
    log_in(page, calais)
    for lang in ("en", "fr"):
        page.goto(url(calais, f"/event/{need}?lang={lang}"))
        posted = page.locator("article time").first.inner_text()  # as the page shows a time: the reader's zone
        # (Paris in winter or in summer: the need is made now, whatever the day the test runs)
        assert not UTC_TEXT.search(posted) and PARIS.search(posted), posted
        heading = page.locator("h1").inner_text()
        assert heading.endswith(posted) and not UTC_TEXT.search(heading), (heading, posted)
        assert posted in page.title() and not UTC_TEXT.search(page.title()), page.title()

        page.goto(url(calais, f"/publish/need.fulfil?need={need}&lang={lang}"))
        that_is = page.locator(".named-ref").inner_text()
        assert that_is.endswith(posted) and not UTC_TEXT.search(that_is), (that_is, posted)

        page.goto(url(calais, f"/?lang={lang}"))
        cover = page.locator(f"#needs a[href^='/publish/need.fulfil?need={need}']")
        name = cover.get_attribute("aria-label")
        assert name.endswith(posted) and not UTC_TEXT.search(name), (name, posted)
