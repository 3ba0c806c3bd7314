"""The dashboard in a real browser (chromium) against real nodes: the overview and its live
updates across two syncing nodes, the French switch, script injection shown as text, and logging
in (a one-time link from `solnet dashboard-link`, or the passphrase) with the CSRF checks."""
from __future__ import annotations

import re

from chromium import LINK_BUTTON, PASSPHRASE, log_in, login_link, publish, url

HOSTILE = "<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\">"


def test_publish_on_one_node_shows_on_another_without_reload(cluster, browser) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    calais.peers.append(bristol.port)
    cluster.start_all([calais, bristol])
    publish(calais, "alert", "--region", "calais", "--type", "raid", "--text", "Contrôle gare", "--expires-in", "2h")

    watcher = browser.new_page()
    log_in(watcher, bristol)
    watcher.locator(".alerts").get_by_text("Contrôle gare").wait_for()  # synced from Calais
    watcher.evaluate("window.sameDocument = true")
    watcher.locator("#live-status[data-state='live']").wait_for()

    author = browser.new_page()
    log_in(author, calais)  # a second node on the same host: both logins hold (one cookie per node)
    author.goto(url(calais, "/publish/action"))
    author.fill("#f-title", "Vigil at the pier")
    author.fill("#f-region", "calais")  # (a region the network knows: a new one must be ticked as meant)
    author.select_option("#f-type", "info_night")
    author.fill("#f-starts_at", "2031-05-04T19:30")
    author.click("main button[type=submit]")
    author.wait_for_load_state()
    assert re.search(r"/event/[0-9a-f]{64}\?published=1", author.url), author.locator("main").inner_text()
    assert author.locator("h1").inner_text() == "Vigil at the pier"

    watcher.locator("#live").get_by_text("Vigil at the pier").wait_for()
    assert watcher.evaluate("window.sameDocument") is True, "the page was reloaded instead of updated"


def test_overview_switches_to_french_and_remembers(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais)
    publish(calais, "action", "--title", "Cours de français", "--region", "calais", "--type", "class",
            "--starts-at", "2031-03-02T10:00")
    page = browser.new_page()
    log_in(page, calais)
    assert page.locator("h1").inner_text() == "Overview"
    time = page.locator("#live time").first
    page.wait_for_function("el => el.title !== ''", arg=time.element_handle())  # formatted by the browser, its zone said
    page.get_by_role("link", name="Français", exact=True).click()
    page.wait_for_url(re.compile(r"lang=fr"))
    assert page.locator("h1").inner_text() == "Vue d’ensemble"
    assert page.evaluate("document.documentElement.lang") == "fr"
    page.goto(url(calais, "/groups"))
    assert page.locator("h1").inner_text() == "Groupes et membres"  # remembered without ?lang
    page.goto(url(calais))
    assert "Les 7 prochains jours" in page.locator("#timeline-title").inner_text()
    assert "mars" in page.locator("#later-list time").first.inner_text()  # the date in French, by the browser


def test_script_in_a_title_is_shown_as_text(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais)
    page = browser.new_page()
    log_in(page, calais)
    page.goto(url(calais, "/publish/action"))
    page.fill("#f-title", HOSTILE)
    page.fill("#f-region", "calais")
    page.fill("#f-starts_at", "2031-05-04T19:30")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/event/"))
    assert page.locator("h1").inner_text() == HOSTILE
    page.goto(url(calais))
    assert page.locator("#live").get_by_text(HOSTILE).count() == 1
    assert page.evaluate("window.pwned") is None
    assert page.locator("img[src=x]").count() == 0 and page.locator("#live script").count() == 0


def test_login_with_the_passphrase_or_a_link_and_a_forged_form_is_refused(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais)  # on 127.0.0.1: this browser is on the node's machine, and still logs in
    page = browser.new_page()
    page.goto(url(calais, "/publish/action"))
    page.wait_for_url(re.compile(r"/login\?next="))
    page.fill("#f-passphrase", "not the passphrase")
    page.click("main button[type=submit]")
    assert page.locator("#e-passphrase").inner_text().startswith("Wrong passphrase. It is the one that unlocks this node's keys")
    page.wait_for_function("() => document.activeElement.id === 'error-summary'")  # the problems first
    assert page.title().startswith("Error: ")
    page.locator("#error-summary a[href='#f-passphrase']").click()  # each problem leads to its field
    page.wait_for_function("() => document.activeElement.id === 'f-passphrase'")
    assert page.locator("#f-passphrase").get_attribute("aria-invalid") == "true"
    page.fill("#f-passphrase", PASSPHRASE)
    page.click("main button[type=submit]")
    page.wait_for_url(url(calais, "/publish/action"))

    page.fill("#f-title", "Forged")
    page.fill("#f-region", "calais")
    page.fill("#f-starts_at", "2031-05-04T19:30")
    page.evaluate("document.querySelector('main input[name=csrf]').value = '0'.repeat(64)")
    page.click("main button[type=submit]")
    assert "did not come from this dashboard" in page.locator("main").inner_text()
    page.goto(url(calais))
    assert page.get_by_text("Forged").count() == 0

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(url(calais, "/login?left=1&lang=en"))  # said, where the focus goes: not a bare login form
    assert page.evaluate("document.activeElement.id") == "flash", page.evaluate("document.activeElement.outerHTML")
    assert page.locator("#flash[role=status]").inner_text() == "You are logged out."
    page.goto(url(calais, "/publish"))
    page.wait_for_url(re.compile(r"/login"))

    link = login_link(calais)
    page.goto(link)
    page.get_by_role("heading", name="Log in with this link").wait_for()  # opening it logs in nobody
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url(url(calais, "/"))  # logged in, and the token is gone from the address bar
    assert page.get_by_role("button", name="Log out").count() == 1
    other = browser.new_page()
    other.goto(link)
    other.click(LINK_BUTTON)
    assert "already used or has expired" in other.locator("#error-summary").inner_text()
