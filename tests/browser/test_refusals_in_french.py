"""Refusals a French form meets are said in French, in a real browser: a time the clocks skip in the
browser's zone, a start of an event's id too short to name one, a need's quantity written with
separators. Each was said by reading its English text (node/dashboard/forms.py's rules, removed):
the id-prefix refusal had no French words at all and came out as "Vérifiez ce champ."; each is now
said by the key the refusal carries, with French typography (a narrow no-break space before a colon)."""
from __future__ import annotations

from chromium import fill_form, log_in, url


def _send(page) -> None:
    """Submits the form and waits for the page that answers it (bounded by Playwright's timeout)."""
    with page.expect_navigation():
        page.locator("form.publish button[type=submit]").last.click()


def _said(page) -> str:
    return " ".join(page.locator(".field-error").all_inner_texts())


def test_a_french_form_says_its_refusals_in_french(cluster, browser) -> None:
    [lille] = cluster.network([("Lille", "lille")])
    cluster.start(lille)
    page = browser.new_page()
    browser.new_cdp_session(page).send("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Paris"})
    log_in(page, lille)

    page.goto(url(lille, "/publish/action?lang=fr"))
    fill_form(page, {"title": "Concert solidaire", "region": "lille", "type": "other", "starts_at": "2027-03-28T02:30"})
    _send(page)
    said = _said(page)
    assert "Cette heure n’existe pas cette nuit-là\u202f: les horloges avancent" in said, said
    assert "2027-03-28 03:30" in said and "does not exist" not in said, said

    page.goto(url(lille, "/publish/need.fulfil?lang=fr"))
    fill_form(page, {"need": "1a2b3c", "quantity": "1.000"})
    _send(page)
    said = _said(page)
    assert "Trop court pour désigner un seul événement\u202f: donnez au moins les 12 premiers caractères" in said, said
    assert "Écrivez le nombre sans séparateurs\u202f: 1000." in said, said
    assert "Vérifiez ce champ" not in said and "give" not in said, said
