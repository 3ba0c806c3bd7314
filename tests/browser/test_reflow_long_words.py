"""At 320 CSS px (a phone, or a laptop at 400% zoom: WCAG 1.4.10) no page scrolls sideways, also when
groups write what does not break into words (chromium, a real node): a map link as an alert's place,
a Telegram link in its text, a sign-up link in an action's title. Such a word made the overview's
alert banner and the event page's heading as wide as the word (the whole page scrolled sideways,
and the banner's text ran off the screen)."""
from __future__ import annotations

from chromium import api_publish, log_in, url

MAP = "https://www.openstreetmap.org/?mlat=50.95130&mlon=1.85870#map=18/50.95130/1.85870"
CHANNEL = "https://t.me/calais_solidarite_alertes/12345"
SIGN_UP = "https://framaforms.org/inscription-distribution-du-samedi-1733300000"
WIDE = """() => ({page: document.documentElement.scrollWidth, view: document.documentElement.clientWidth,
  wide: Array.from(document.querySelectorAll("main *")).filter(el => el.getBoundingClientRect().right >
        document.documentElement.clientWidth + 1 || el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 &&
        getComputedStyle(el).overflowX === "visible").slice(0, 5).map(el => el.tagName + "." + el.className)})"""


def test_no_page_scrolls_sideways_at_320_px_with_links_as_words(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600, extra_args=["--public-dashboard"])
    alert = api_publish(calais, "alert", {"region": "calais", "type": "raid", "location": MAP, "public": "yes",
                                          "text": f"CRS au camp, suivez {CHANNEL}"}, expires_in="6h")["id"]
    action = api_publish(calais, "action", {"title": SIGN_UP, "region": "calais", "type": "distribution",
                                            "starts_at": "2031-03-02T10:00", "link": SIGN_UP})["id"]
    page = browser.new_page()
    page.set_viewport_size({"width": 320, "height": 800})
    wide = {}
    for path in ("/public/", "/public/alerts"):
        page.goto(url(calais, path))
        if (seen := page.evaluate(WIDE))["page"] > seen["view"]:
            wide[path] = seen
    log_in(page, calais)
    for path in ("/", "/?region=calais", f"/event/{alert}", f"/event/{action}", "/groups"):
        page.goto(url(calais, path))
        page.locator("main h1").wait_for()
        if (seen := page.evaluate(WIDE))["page"] > seen["view"]:
            wide[path] = seen
    assert not wide, f"pages wider than the 320 px screen: {wide}"
