"""A screen reader hears what changes in a live alert, not only that one began (chromium, a real node):
an update ("the vans moved to camp B") and the all clear ("police gone") of an alert already on the
overview are said through the persistent #alert-news, once each, in the page's language, without
moving the focus. Only new alerts were said: the banner's text changed and the alert left it at
its all clear, and a person who cannot see the page heard nothing of either (WCAG 4.1.3)."""
from __future__ import annotations

from chromium import LISTEN_ALERT_NEWS as LISTEN, api_publish, log_in, url


def logged_in_with_an_alert(cluster, browser) -> tuple[object, str, object]:
    """A running node with a raid alert live ("CRS at the camp", Hospital camp), and a page logged in
    to it: the node, the alert's id and the page."""
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    alert = api_publish(calais, "alert", {"region": "calais", "type": "raid", "location": "Hospital camp",
                                          "text": "CRS at the camp"}, expires_in="6h")["id"]
    page = browser.new_page()
    log_in(page, calais)
    return calais, alert, page


def test_an_alerts_update_and_its_all_clear_are_said_without_moving_the_focus(cluster, browser) -> None:
    calais, alert, page = logged_in_with_an_alert(cluster, browser)
    for lang, updated, cleared in (("fr", "Alerte mise à jour\u202f:", "Fin d’alerte\u202f:"), ("en", "Alert updated:", "All clear:")):
        page.goto(url(calais, f"/?lang={lang}"))
        page.locator("#live-status[data-state='live']").wait_for()
        page.evaluate(LISTEN)
        page.locator("header nav a").first.focus()  # reading elsewhere on the page
        focused = page.evaluate("() => { window.before = document.activeElement; return window.before.outerHTML; }")
        text = f"Vans moved to camp B ({lang})"
        api_publish(calais, "alert.update", {"alert": alert, "status": "update", "text": text})
        page.locator("#alert-news", has_text=text).wait_for(state="attached")
        said = page.evaluate("() => window.said")
        assert said[-1].startswith(updated) and text in said[-1] and "Hospital camp" in said[-1], said
        if lang == "en":
            api_publish(calais, "alert.update", {"alert": alert, "status": "all_clear", "text": "Police gone"})
            page.locator("#alert-news", has_text="Police gone").wait_for(state="attached")
            said = page.evaluate("() => window.said")
            assert said[-1].startswith(cleared) and "Hospital camp" in said[-1], said
            assert sum("Police gone" in s for s in said) == 1, said  # once
        assert page.evaluate("() => document.activeElement === window.before"), focused
