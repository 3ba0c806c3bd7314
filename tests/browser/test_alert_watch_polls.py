"""A page without live parts of its own (a form, /groups) polls /fragment/alerts rather than holding
the live stream, and a failed read of the alerts is asked again (chromium, a real node). Every
admin page held a stream: with 6 such tabs open (a browser allows 6 connections to a node) no
alert was said in any of them and a 7th page did not load; and a read that failed (a reset, an
answer given up) was never asked again: the alert stayed unsaid until some other event came."""
from __future__ import annotations

from chromium import api_publish, url
from test_alert_news_updates import LISTEN, logged_in_with_an_alert

POLL_AND_RETRY_MS = 15_000  # a poll every 10 s (a visible tab) and a retry within a few seconds


def _ready(page) -> None:
    page.locator("#live-status[data-state='live']").wait_for()
    page.evaluate(LISTEN)


def test_seven_form_tabs_each_say_a_new_alert_and_another_page_still_loads(cluster, browser) -> None:
    calais, _, first = logged_in_with_an_alert(cluster, browser)
    tabs = [first]
    first.goto(url(calais, "/publish/need"))
    for path in ("/groups", "/publish/need", "/groups", "/publish/need", "/groups", "/publish/need"):
        tab = browser.new_page()
        tab.goto(url(calais, path))
        tabs.append(tab)
    for tab in tabs:
        _ready(tab)
    api_publish(calais, "alert", {"region": "calais", "type": "raid", "text": "Raid at the bridge"}, expires_in="3h")
    for tab in tabs:
        tab.locator("#alert-news", has_text="Raid at the bridge").wait_for(state="attached", timeout=POLL_AND_RETRY_MS)
        assert tab.evaluate("() => window.said").count(tab.locator("#alert-news").text_content()) == 1
    overview = browser.new_page()  # an 8th page, with its own stream, still loads and goes live
    overview.goto(url(calais, "/"), timeout=POLL_AND_RETRY_MS)
    overview.locator("#live-status[data-state='live']").wait_for(timeout=POLL_AND_RETRY_MS)


def test_a_failed_read_of_the_alerts_is_asked_again(cluster, browser) -> None:
    calais, old, page = logged_in_with_an_alert(cluster, browser)
    failed = []

    def fail(route) -> None:
        failed.append(route.request.url)
        route.abort("connectionreset")

    for path in ("/publish/need", f"/event/{old}"):  # a polling page, and one with a stream of its own
        page.goto(url(calais, path))
        _ready(page)
        page.route("**/fragment/alerts", fail, times=1)  # the next read of the alerts fails, once
        text = f"Vans at {path}"
        api_publish(calais, "alert", {"region": "calais", "type": "raid", "text": text}, expires_in="3h")
        page.locator("#alert-news", has_text=text).wait_for(state="attached", timeout=POLL_AND_RETRY_MS)
        assert len(failed) == 1 and page.locator("#live-status").get_attribute("data-state") == "live"
        failed.clear()

    # Failing again and again: the page stops saying it is live, and says it again once reads succeed
    page.goto(url(calais, "/publish/need"))
    _ready(page)
    page.route("**/fragment/alerts", fail)
    page.locator("#live-status[data-state='retry']").wait_for(timeout=POLL_AND_RETRY_MS)
    assert len(failed) >= 2
    page.unroute("**/fragment/alerts")
    api_publish(calais, "alert", {"region": "calais", "type": "raid", "text": "Checks at the port"}, expires_in="3h")
    page.locator("#alert-news", has_text="Checks at the port").wait_for(state="attached", timeout=2 * POLL_AND_RETRY_MS)
    page.locator("#live-status[data-state='live']").wait_for(timeout=POLL_AND_RETRY_MS)
