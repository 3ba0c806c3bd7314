"""The coordinator's desk in chromium, with the week of five groups (tests/integration/
coordination_week.py) played on real nodes in a line and read on Calais's overview, in English and
French, on a laptop (1280 px: every region a row of one table, all on one screen) and a phone
(390 px: a card per region, nothing wider than the screen): sums with their units, who can take
whom, the next 7 days soonest first, report-backs, alerts with their context and case kept,
right-to-left titles, and no accessibility violation (axe-core, as in test_axe.py)."""
from __future__ import annotations

import hashlib

from chromium import log_in, url
from coordination_week import ARABIC, GROUPS, play_week
from test_axe import AXE, AXE_SHA256, check

from node.demo import localnet

REGIONS = sorted(region for _, region in GROUPS)
WORDS = {  # what the page says, per language (node/dashboard/catalogs)
    "en": {"title": "Network at a glance", "places": "housing: 3 places", "missing": "40 items missing of 60",
           "taken": "taken by Bristol", "later": "Later"},
    "fr": {"title": "Le réseau d’un coup d’œil", "places": "3 places", "missing": "il manque 40",
           "taken": "prise en charge par Bristol", "later": "Plus tard"},
}
DESK_ROWS = """() => Array.from(document.querySelectorAll("#desk-table tbody tr")).map(tr => {
  const box = tr.getBoundingClientRect();
  return {key: tr.dataset.key, top: box.top + window.scrollY, bottom: box.bottom + window.scrollY,
          display: getComputedStyle(tr).display, text: tr.innerText};
})"""


def test_the_desk_of_a_week_in_english_and_french_on_a_laptop_and_a_phone(cluster, browser) -> None:
    nodes = cluster.network(GROUPS)
    localnet.line(nodes)
    cluster.start_all(nodes)
    cluster.wait(lambda: cluster.converged(nodes), 40, "the five groups' profiles on every node")
    week = play_week(cluster, nodes)
    calais = nodes[0]
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256
    browser.add_init_script(path=str(AXE))
    page = browser.new_page()
    log_in(page, calais)
    found: list[str] = []
    for lang, words in WORDS.items():
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(url(calais, f"/?lang={lang}"))
        page.locator("#live-status[data-state='live']").wait_for()
        assert words["title"] in page.locator("#desk-title").inner_text()

        # A laptop: one row per region, in a table that fits on one screen.
        rows = page.evaluate(DESK_ROWS)
        assert [r["key"] for r in rows] == [f"region-{r}" for r in REGIONS]
        assert all(r["display"] == "table-row" for r in rows)
        table = page.locator("#desk-table").bounding_box()
        assert table["height"] <= 900 and table["width"] <= 1280, table
        by_region = {r["key"][len("region-"):]: r["text"] for r in rows}
        assert words["places"] in by_region["bristol"] and words["missing"] in by_region["calais"]
        assert "Manchester" in by_region["manchester"] and "Hotel" not in by_region["manchester"]

        # The next 7 days soonest first, across regions; the tournament in 10 days comes later.
        timeline = page.locator("#timeline-list > li").evaluate_all("els => els.map(e => e.dataset.key)")
        assert timeline == [week.hex(k) for k in ("manchester_info", "brighton_collection", "bristol_vigil",
                                                  "cardiff_picnic")]
        assert page.locator("#later-list > li").evaluate_all("els => els.map(e => e.dataset.key)") == [
            week.hex("cardiff_later")]
        assert words["later"] in page.locator("#later-title").inner_text()
        # Every time says its zone (the browser's: UTC here).
        assert all(t.endswith("UTC") for t in page.locator("#timeline-list time").all_inner_texts())

        # What happened, with its report-back; who took the housing request, and where it could go.
        visit = page.locator(f"#happened-list li[data-key='{week.hex('bristol_visit')}']")
        assert "one was released on bail" in visit.inner_text() and visit.locator("a[href^='https://']").count() == 1
        housing = page.locator(f"#support-list li[data-key='{week.hex('housing')}']")
        assert words["taken"] in housing.inner_text()
        assert housing.locator(f"a[href='/event/{week.hex('bristol_housing')}']").count() == 1
        # Calais made it: it may close it, not take it.
        assert housing.locator("a[href^='/publish/support.claim']").count() == 0
        assert housing.locator("a[href^='/publish/support.close']").count() == 1
        assert page.locator(f"#support-list li[data-key='{week.hex('legal')}']").count() == 0  # closed: gone

        # Alerts with context: who posted it and when; the location as typed, never recased.
        alert = page.locator(f".alerts li[data-key='{week.hex('eviction')}']")
        assert "Manchester" in alert.locator(".alert-meta").inner_text()
        where = alert.locator(".alert-where bdi")
        assert where.inner_text() == "Hotel on Oldham Road"
        assert where.evaluate("el => getComputedStyle(el.parentElement).textTransform") == "none"
        assert page.locator(f"#history-list li[data-key='{week.hex('raid')}']").count() == 1

        # Arabic reads right to left, in its own island.
        arabic = page.locator("#resources-list a", has_text=ARABIC)
        assert arabic.evaluate("el => getComputedStyle(el).direction") == "rtl"
        assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
        check(page, f"overview with the week ({lang})", found)  # axe at 1280 and 390 px

        # A phone: a card per region, the labels beside each value, nothing wider than the screen.
        page.set_viewport_size({"width": 390, "height": 844})
        rows = page.evaluate(DESK_ROWS)
        assert all(r["display"] == "block" for r in rows), rows
        assert all(a["bottom"] <= b["top"] for a, b in zip(rows, rows[1:])), "cards overlap"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        label = page.locator("#desk-table td").first.evaluate("el => getComputedStyle(el, '::before').content")
        assert label.strip('"') == page.locator("#desk-table td").first.get_attribute("data-label")
    assert not found, f"{len(found)} axe violations:\n" + "\n".join(found)
