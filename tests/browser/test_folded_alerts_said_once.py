"""A flood of live alerts folded on the overview's banner (node/alert_banner.py: a lineage's alerts
beyond its share, behind one line) is said in that one line, not alert by alert (chromium, real
nodes): the folded alerts were folded for the eye only, and #alert-news read every one of them
out ("New alert: other, calais: noise 24 (posted by Dunkirk) — noise 23 ..."), each was a desktop
notification of its own, and a form page's notice listed each as a link: a member's made-up groups'
hundred alerts buried a real raid alert for whoever hears the page or follows its notifications.
Those not folded are said each, as before."""
from __future__ import annotations

import re

from chromium import LISTEN_ALERT_NEWS as LISTEN, api_publish, cli, log_in, url

FLOOD = 25  # of one group, more than the banner's room (20): some are folded


def test_a_folded_flood_is_said_in_its_one_line(cluster, browser) -> None:
    calais, dunkirk = cluster.network([("Calais", "calais"), ("Dunkirk", "dunkirk")])
    cluster.start(calais, sync_interval=3600)
    cluster.start(dunkirk, sync_interval=3600)  # (no peer: what it publishes stays with it until the sync)
    for i in range(FLOOD):
        api_publish(dunkirk, "alert", {"region": "calais", "type": "other", "text": f"noise {i}"}, expires_in="6h",
                    offline=True)
    api_publish(calais, "alert", {"region": "calais", "type": "raid", "text": "Raid at the bridge"}, expires_in="6h")
    overview, form = browser.new_page(), browser.new_page()
    log_in(overview, calais)
    overview.goto(url(calais, "/?lang=en"))
    form.goto(url(calais, "/publish/alert?lang=en"))
    for page in (overview, form):
        page.locator("#live-status[data-state='live']").wait_for()
        page.evaluate(LISTEN)
    cli(calais, "sync", f"127.0.0.1:{dunkirk.port}")  # the whole flood in one batch
    overview.locator("#alerts-folded").wait_for(state="attached")
    folded = overview.locator("#alerts-folded li[data-key]").evaluate_all(
        "items => items.map(i => i.getAttribute('data-label-announce'))")
    summary = overview.locator("#alerts-folded summary").text_content().strip()
    assert folded and summary == f"{len(folded)} more live alerts, from Dunkirk", summary
    overview.locator("#alert-news", has_text=summary).wait_for(state="attached")
    said = " ".join(overview.evaluate("() => window.said"))
    assert not [label for label in folded if told(label, said)], said  # in the fold's line only
    assert said.count("noise") == FLOOD - len(folded), said  # those on the banner, each
    # A form page (no banner): its notice lists the fold as one link to it, and says the same line.
    form.locator("#alert-notice-list a[href='/#alerts-folded']", has_text=summary).wait_for()
    links = form.locator("#alert-notice-list a").evaluate_all("links => links.map(a => a.textContent)")
    assert len(links) == FLOOD - len(folded) + 1 and not [label for label in folded if label in links], links
    form.locator("#alert-news", has_text=summary).wait_for(state="attached")
    assert not [label for label in folded if told(label, " ".join(form.evaluate("() => window.said")))]


def told(label: str, said: str) -> bool:
    """Whether the alert `label` ("other, calais (posted by Dunkirk): noise 2") is said in `said` as a
    whole: not as the start of another's ("... noise 24")."""
    return re.search(re.escape(label) + r"(?!\d)", said) is not None
