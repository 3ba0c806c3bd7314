"""On a phone, the overview's live alerts are on the first screen (chromium, a real node): the "Alerts
on this device" panel, with a box for each region, came before them, and with alerts in 9 regions the
banner began at the bottom edge of a 390 x 844 screen, its first raid alert below it. The panel now
follows the overview's live part, a link at the page's head leads to it; it works there as before
(tests/browser/test_alerts_browser.py)."""
from __future__ import annotations

from chromium import api_publish, log_in, url

REGIONS = ("brighton", "bristol", "calais", "cardiff", "dunkirk", "glasgow", "london", "manchester", "norwich")


def test_the_first_live_alert_is_on_a_phones_first_screen(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    for region in REGIONS:
        api_publish(calais, "alert", {"region": region, "type": "raid", "text": f"Raid in {region}"}, expires_in="6h")
    page = browser.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, calais)
    page.goto(url(calais, "/?lang=en"))
    page.locator("#live-status[data-state='live']").wait_for()
    page.locator("#notify").wait_for()  # shown by the page's script, with its regions
    assert page.locator("#notify input.notify-region").count() == len(REGIONS)
    first = page.locator("#alerts li[data-key]").first.bounding_box()
    assert first is not None and first["y"] + first["height"] <= 844, first
    page.locator("#notify-link a").click()  # the page's head leads to it
    assert page.locator("#notify-title").bounding_box()["y"] < 844
    # The panel comes after the live part, in the order a screen reader and the keyboard meet them too.
    assert page.evaluate("""() => !!(document.getElementById("live").compareDocumentPosition(
        document.getElementById("notify")) & Node.DOCUMENT_POSITION_FOLLOWING)""")
