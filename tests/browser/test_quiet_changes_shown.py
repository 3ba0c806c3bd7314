"""An open overview shows what changes while no event comes (chromium, real nodes): Bristol's node
stops, and Calais's page, open all along, says "0 connected of 1" by itself. It said "1 connected
of 1" until the next event was stored (never, with its only peer gone): the live stream told only
of new events; now it tells `recheck` (node/dashboard/app.py) and the page reads its parts again
(static/app.js). The same stream drops an alert that ended (tests/dashboard/test_quiet_changes_said.py)."""
from __future__ import annotations

from chromium import overview_linked_once

from node.demo import localnet


def test_a_peer_that_goes_is_said_on_an_open_overview_without_a_new_event(cluster, browser) -> None:
    page, _, bristol = overview_linked_once(cluster, browser)
    events = page.evaluate(  # the events held: none is stored meanwhile
        "() => document.querySelector('#health dl > div:last-child dd').textContent")
    localnet.stop(bristol)
    page.locator("#health dd", has_text="0 connected of 1").wait_for()  # within the Playwright timeout
    assert page.locator("#live-status").get_attribute("data-state") == "live"
    assert page.evaluate("() => document.querySelector('#health dl > div:last-child dd').textContent") == events
