"""An open overview shows what changes while no event comes (chromium, real nodes): Bristol's node
stops, and Calais's page, open all along, says "0 connected of 1" by itself. It said "1 connected
of 1" until the next event was stored (never, with its only peer gone): the live stream told only
of new events; now it tells `recheck` (node/dashboard/app.py) and the page reads its parts again
(static/app.js). The same stream drops an alert that ended (tests/dashboard/test_quiet_changes_said.py)."""
from __future__ import annotations

from chromium import log_in, url

from node.demo import localnet


def test_a_peer_that_goes_is_said_on_an_open_overview_without_a_new_event(cluster, browser) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    localnet.line([calais, bristol])
    cluster.start_all([calais, bristol], sync_interval=3600)
    page = browser.new_page()
    log_in(page, calais)
    page.goto(url(calais, "/?lang=en"))
    page.locator("#live-status[data-state='live']").wait_for()
    health = page.locator("#health dd").first
    if "1 connected of 1" not in health.inner_text():  # (the link may come after the page)
        page.reload()
    page.locator("#health dd", has_text="1 connected of 1").wait_for()
    events = page.evaluate(  # the events held: none is stored meanwhile
        "() => document.querySelector('#health dl > div:last-child dd').textContent")
    localnet.stop(bristol)
    page.locator("#health dd", has_text="0 connected of 1").wait_for()  # within the Playwright timeout
    assert page.locator("#live-status").get_attribute("data-state") == "live"
    assert page.evaluate("() => document.querySelector('#health dl > div:last-child dd').textContent") == events
