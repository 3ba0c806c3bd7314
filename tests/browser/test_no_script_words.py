"""The dashboard read with JavaScript turned off (a hardened browser, an old phone): it says that new
alerts come only with a reload (nothing came in, and nothing said so), and its footer says the times
are in UTC, as the page then shows them (it said "your local time"); with JavaScript on, the footer
says local time, as the script shows them."""
from __future__ import annotations

from chromium import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, log_in, url


def test_the_footer_and_a_note_say_what_the_page_does_with_and_without_javascript(cluster) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            for scripts, zone, note in ((False, "Times are in UTC.", True),
                                        (True, "Times are in your local time.", False)):
                context = browser.new_context(java_script_enabled=scripts, locale="en-GB")
                context.set_default_timeout(TIMEOUT_MS)
                page = context.new_page()
                log_in(page, calais)
                assert page.locator("#times-zone").inner_text() == zone, scripts
                assert "local time" not in page.locator("footer").inner_text() or scripts
                said = page.locator(".noscript-note")
                assert said.is_visible() is note, scripts
                assert not note or said.inner_text().startswith("New alerts appear only when you reload the page")
                if not scripts:
                    page.goto(url(calais, "/?lang=fr"))
                    assert page.locator("#times-zone").inner_text() == "Les heures sont en UTC."
                    assert page.locator(".noscript-note").inner_text().startswith(
                        "Les nouvelles alertes n’apparaissent que si vous rechargez la page")
                context.close()
        finally:
            browser.close()
