"""The dashboard opened over plain HTTP across a network (a Pi's address on a LAN, a clearnet name the
node announces): the browser says the page is no secure context, so anyone on the way reads what it
shows and what is sent from it. The login page then says so and does not send the passphrase (it
opens the node's keys, and every copy of its keystore); other pages say so. Over this machine's
loopback (or an onion service in Tor Browser, or HTTPS) nothing changes. Until 2026-12-06 the login
page took the passphrase over plain HTTP without a word. The name is mapped to 127.0.0.1 in the
browser, so no traffic leaves this machine."""
from __future__ import annotations

from chromium import CHROMIUM, CHROMIUM_ARGS, LINK_BUTTON, TIMEOUT_MS, url
from local_cluster import cli_json

LAN_NAME = "raspberrypi.lan"


def test_the_passphrase_is_not_sent_over_plain_http_and_each_page_says_why(cluster) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais)
    on_lan = f"http://{LAN_NAME}:{calais.port}"
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {LAN_NAME} 127.0.0.1"])
        try:
            context = browser.new_context(locale="en-GB")
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.goto(f"{on_lan}/login")
            assert page.evaluate("window.isSecureContext") is False
            said = page.locator("#plain-http")
            assert said.is_visible()
            assert said.inner_text().startswith("The passphrase cannot be sent from this page")
            assert page.locator("#f-passphrase").is_disabled()
            assert page.locator("form[action='/login'] button[type=submit]").is_disabled()

            page.goto(f"{on_lan}/login?lang=fr")
            assert page.locator("#plain-http").inner_text().startswith("La phrase secrète ne peut pas être envoyée")

            # Logged in all the same (a login link), every page says that it can be read on the way
            page.goto(cli_json(calais, "dashboard-link", "--base-url", on_lan)["url"])
            assert page.locator("#plain-http").inner_text().startswith("Cette page est arrivée par une connexion non")
            page.click(LINK_BUTTON)  # the link's button is not held back: a link opens no keys
            page.wait_for_url(f"{on_lan}/")
            assert page.locator("#plain-http").inner_text().startswith("Cette page est arrivée par une connexion non")
            page.goto(f"{on_lan}/groups?lang=en")
            assert page.locator("#plain-http").inner_text().startswith("This page came over a connection that is not")

            # Over loopback: nothing said, the passphrase can be sent
            page = browser.new_context(locale="en-GB").new_page()
            page.goto(url(calais, "/login"))
            assert page.evaluate("window.isSecureContext") is True
            assert page.locator("#plain-http").is_hidden()
            assert page.locator("#f-passphrase").is_enabled()
            page.fill("#f-passphrase", "not it at all")
            page.click("form[action='/login'] button[type=submit]")
            assert page.locator("#e-passphrase").inner_text().startswith("Wrong passphrase. It is the one that unlocks this node's keys")
        finally:
            browser.close()
