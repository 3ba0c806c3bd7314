"""After a publish, a screen reader hears that it went out (chromium, a real node): the confirmation
("Published...") was a role=status paragraph already on the event page when it opened, and a live
region says its changes, not what it held from the start: nothing was said. The focus now goes to it
(as to a failed form's summary of errors), and a warning beside it (an action dated in the past) is
its description, read with it."""
from __future__ import annotations

import re

from chromium import fill_form, log_in, url


def test_the_published_confirmation_gets_the_focus_and_is_read(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    page = browser.new_page()
    log_in(page, calais)
    page.goto(url(calais, "/publish/action"))
    # dated in the past: the warning goes with the confirmation
    fill_form(page, {"title": "Vigil at the pier", "region": "calais", "type": "info_night", "starts_at": "2021-05-04T19:30"})
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/event/[0-9a-f]{64}\?published=1"))
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'flash'")
    focused = page.evaluate("""() => { const f = document.activeElement; return {role: f.getAttribute("role"),
        text: f.textContent, described: document.getElementById(f.getAttribute("aria-describedby") || "-")?.textContent}; }""")
    assert focused["role"] == "status" and focused["text"].startswith("Published"), focused
    assert "in the past" in (focused["described"] or ""), focused
    snapshot = page.locator("main").aria_snapshot()
    assert re.search(r"- status: \"?Published", snapshot), snapshot
