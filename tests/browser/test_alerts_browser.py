"""Alerts that reach people, in chromium against real nodes: a notification and a sound for each new
alert of the regions a coordinator chose (opt-in, remembered by the browser; the page's permission
granted as a person would grant it), none for other regions; and the public alert page read with
JavaScript turned off, as on an old phone."""
from __future__ import annotations

from chromium import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, api_publish, log_in, url

# Records what the page does through the real Notification and Web Audio objects (they still run):
# a headless browser shows no system notification and plays no sound a test could observe otherwise.
SPY = """
(() => {
  const Real = window.Notification;
  window.shown = [];
  window.beeps = 0;
  if (Real) {
    const Spy = function (title, options) { window.shown.push({title, body: options && options.body}); return new Real(title, options); };
    Spy.requestPermission = (...a) => Real.requestPermission(...a);
    Object.defineProperty(Spy, "permission", { get: () => Real.permission });
    window.Notification = Spy;
  }
  const Context = window.AudioContext;
  if (Context) {
    const make = Context.prototype.createOscillator;
    Context.prototype.createOscillator = function () { window.beeps += 1; return make.call(this); };
  }
})();
"""


def test_new_alerts_of_chosen_regions_notify_with_a_sound_and_the_choice_is_remembered(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais)
    api_publish(calais, "alert", {"region": "dunkerque", "type": "border_check", "text": "Earlier check"},
                expires_in="1h")  # so that both regions are on the page to choose from
    api_publish(calais, "alert", {"region": "calais", "type": "other", "text": "Earlier note"}, expires_in="1h")
    browser.grant_permissions(["notifications"], origin=url(calais, "").rstrip("/"))
    browser.add_init_script(SPY)
    page = browser.new_page()
    log_in(page, calais)
    panel = page.locator("#notify")
    panel.wait_for()  # shown by the script
    page.locator("#notify input.notify-region[value='calais']").check()
    page.locator("#notify-toggle").click()
    on = page.get_by_role("button", name="Turn off notifications", exact=True)
    on.wait_for()
    # The button's name says what it does; were it a pressed toggle too, a screen reader would read
    # "Turn off notifications, toggle button, pressed": on and off at once. #notify-state says the state.
    assert on.get_attribute("aria-pressed") is None
    assert page.locator("#notify-state").inner_text().startswith("On")
    page.locator("#live-status[data-state='live']").wait_for()
    beeps_before = page.evaluate("window.beeps")

    api_publish(calais, "alert", {"region": "dunkerque", "type": "raid", "text": "Not chosen"}, expires_in="1h")
    api_publish(calais, "alert", {"region": "calais", "type": "raid", "text": "Police at the canal camp"},
                expires_in="1h")
    page.locator(".alerts").get_by_text("Police at the canal camp").wait_for()
    page.locator(".alerts").get_by_text("Not chosen").wait_for()
    # (a function: a bare expression is eval()ed, which the page's CSP refuses once it must poll)
    page.wait_for_function("() => window.shown.length >= 1")
    shown = page.evaluate("window.shown")
    assert len(shown) == 1 and "Police at the canal camp" in shown[0]["body"], shown
    assert page.evaluate("window.beeps") > beeps_before  # and a sound

    page.reload()  # remembered by this browser
    page.get_by_role("button", name="Turn off notifications", exact=True).wait_for()
    assert page.locator("#notify input.notify-region[value='calais']").is_checked()
    assert not page.locator("#notify input.notify-region[value='dunkerque']").is_checked()
    page.locator("#notify-toggle").click()  # off again
    off = page.get_by_role("button", name="Turn on notifications and sound", exact=True)
    off.wait_for()
    assert off.get_attribute("aria-pressed") is None and page.locator("#notify-state").inner_text() == "Off."


def test_the_public_alert_page_works_without_javascript(cluster, tmp_path) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, extra_args=["--public-dashboard"])
    api_publish(calais, "alert", {"region": "calais", "type": "raid", "location": "Loon-Plage",
                                  "text": "Police clearing the camp", "public": "yes"}, expires_in="2h")
    api_publish(calais, "alert", {"region": "calais", "type": "raid", "text": "Members only"}, expires_in="2h")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 640})
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.goto(url(calais, "/public/alerts"))
            main = page.locator("main").inner_text()
            assert "Police clearing the camp" in main and "Loon-Plage" in main and "Members only" not in main
            assert page.locator("script").count() == 0
            page.get_by_role("link", name="Alerts as an Atom feed").wait_for()
            page.goto(url(calais, "/public/alerts?lang=fr"))
            assert page.locator("h1").inner_text() == "Alertes publiques"
        finally:
            browser.close()


def test_a_french_pages_notification_writes_its_colon_the_french_way(cluster, browser) -> None:
    """The notification's title joined the node's name and the region with a bare ": ", in French
    too, where the page writes "\u202f:" (a narrow no-break space before the colon) everywhere else;
    it takes the colon from the page's catalog now."""
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais)
    api_publish(calais, "alert", {"region": "calais", "type": "other", "text": "Earlier note"}, expires_in="1h")
    browser.grant_permissions(["notifications"], origin=url(calais, "").rstrip("/"))
    browser.add_init_script(SPY)
    page = browser.new_page()
    log_in(page, calais)
    page.goto(url(calais, "/?lang=fr"))
    page.locator("#notify").wait_for()
    page.locator("#notify-toggle").click()
    page.get_by_role("button", name="Désactiver les notifications", exact=True).wait_for()
    page.locator("#live-status[data-state='live']").wait_for()
    api_publish(calais, "alert", {"region": "calais", "type": "raid", "text": "Police au camp du canal"},
                expires_in="1h")
    # (a function: a bare expression is eval()ed, which the page's CSP refuses once it must poll)
    page.wait_for_function("() => window.shown.length >= 1")
    [shown] = page.evaluate("window.shown")
    assert shown["title"] == "solnet\u202f: calais", shown
    assert "Police au camp du canal" in shown["body"] and "\u202f: Police au camp du canal" in shown["body"], shown
