"""The state of live updates is said to a screen reader when it changes, not at every page load
(chromium, a real node). Every page opened said "Live updates on" through the footer's status
region once its stream connected: news that was none, on every page, after every form. Now the
footer shows the state, and the persistent #live-news (role=status) says each change from then on:
the stream lost, and back again. What every live region of the page receives is recorded from the
document's start (an init script), so nothing said before the test looks is missed."""
from __future__ import annotations

from chromium import api_publish, log_in, url

# Every live region (role status or alert, or aria-live other than off) and what was written into it.
RECORD = """
window.said = [];
document.addEventListener("DOMContentLoaded", () => {
  const live = el => el.matches("[role=status], [role=alert], [aria-live]:not([aria-live=off])");
  new MutationObserver(records => {
    for (const r of records) {
      const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      const region = node && node.closest("[role=status], [role=alert], [aria-live]:not([aria-live=off])");
      if (region && live(region) && region.textContent.trim()) { window.said.push([region.id, region.textContent]); }
    }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
});
"""


def test_live_updates_on_at_load_is_not_said_and_each_change_is(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    browser.add_init_script(RECORD)
    page = browser.new_page()
    log_in(page, calais)
    for path in ("/", "/?region=calais", "/"):  # the pages with live parts (overview, event pages)
        page.goto(url(calais, path))
        page.locator("#live-status[data-state='live']").wait_for()
        assert page.locator("#live-status").inner_text() == "Live updates on"  # shown in the footer
        assert page.evaluate("() => window.said") == [], path  # and said to no one

    # A stream that cannot connect at load is a problem: said; once it connects, that is news too.
    page.route("**/live?**", lambda route: route.abort())
    page.goto(url(calais, "/"))
    page.locator("#live-status[data-state='retry']").wait_for()
    page.wait_for_function("() => window.said.length >= 1")
    assert page.evaluate("() => window.said") == [["live-news", "Live updates interrupted: reconnecting…"]]
    page.unroute("**/live?**")
    page.locator("#live-status[data-state='live']").wait_for()
    page.wait_for_function("() => window.said.length >= 2")
    assert page.evaluate("() => window.said")[1:] == [["live-news", "Live updates on"]]

    cluster.kill(calais)  # lost: said
    page.locator("#live-status[data-state='retry']").wait_for()
    page.wait_for_function("() => window.said.length >= 3")
    assert page.evaluate("() => window.said")[2:] == [["live-news", "Live updates interrupted: reconnecting…"]]


def test_a_login_the_node_forgot_is_said_not_reconnected_for_minutes(cluster, browser) -> None:
    """The node restarted (a power cut at the Pi) while a coordinator watched the overview for
    alerts: its logins went with it, and the live stream is refused. The page said "reconnecting…"
    and tried again for some 8 minutes, then "reload the page", while no alert came; now, once the
    node answers again, it says that the login ended and to log in again, and stops trying."""
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    browser.add_init_script(RECORD)
    page = browser.new_page()
    log_in(page, calais)
    page.locator("#live-status[data-state='live']").wait_for()
    cluster.kill(calais)
    page.locator("#live-status[data-state='retry']").wait_for()
    cluster.start(calais, sync_interval=3600)
    page.locator("#live-status[data-state='login']").wait_for(timeout=60_000)
    said = "Live updates stopped: your login ended (the node restarted, or 12 hours passed); reload the page and log in again"
    assert page.locator("#live-status").inner_text() == said
    page.wait_for_function("() => window.said.length >= 2")
    assert page.evaluate("() => window.said")[-1] == ["live-news", said]
    page.reload()  # as it says: the login page, then the overview again
    page.locator("#f-passphrase").wait_for()


def test_a_streams_planned_end_is_not_said(cluster, browser) -> None:
    """The node ends each stream after its lifetime, saying so ("event: end"): the page opens a new
    one without a word. Every 5 minutes, every page said "Live updates interrupted: reconnecting…"
    then "Live updates on"."""
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    browser.add_init_script(RECORD)
    page = browser.new_page()
    log_in(page, calais)
    ended = "retry: 3000\n\nevent: end\ndata: lifetime\n\n"  # (a stream at its lifetime's end, as the node closes it)
    page.route("**/live?**", lambda route: route.fulfill(status=200, content_type="text/event-stream", body=ended),
               times=1)
    page.goto(url(calais, "/"))
    page.locator("#live-status[data-state='live']").wait_for()
    api_publish(calais, "alert", {"region": "calais", "type": "raid", "text": "Vans at the port"}, expires_in="3h")
    page.locator("#live", has_text="Vans at the port").wait_for()  # told by the new stream
    assert page.locator("#live-status").get_attribute("data-state") == "live"
    assert [s for s in page.evaluate("() => window.said") if s[0] == "live-news"] == []
