"""A raid alert that comes while a coordinator fills in a form is said and shown there (chromium, a
real node): through the persistent #alert-news, as the overview says it, and in a notice at the
start of the page with a link to the alert; what is typed stays typed and the focus stays in its
field. Only the overview (the one page with the alerts banner) said or showed it: on /publish/need,
/groups and every other page the live stream was not even opened, and nothing was said or shown.
An update and the all clear of an alert that was live when the page opened are said too; the
alerts live when it opened are not news."""
from __future__ import annotations

from chromium import api_publish, url
from test_alert_news_updates import LISTEN, logged_in_with_an_alert  # (LISTEN: what #alert-news is given, recorded)


def _open_live(page, address: str) -> None:
    page.goto(address)
    page.locator("#live-status[data-state='live']").wait_for()
    page.evaluate(LISTEN)


def test_a_new_alert_is_said_and_shown_on_a_form_being_filled_in_and_what_is_typed_stays(cluster, browser) -> None:
    calais, old, page = logged_in_with_an_alert(cluster, browser)
    for lang, path, new_said, notice in (("en", "/publish/need", "New alert:", "New alerts since you opened this page"),
                                         ("fr", "/groups", "Nouvelle alerte\u202f:",
                                          "Nouvelles alertes depuis l’ouverture de cette page")):
        _open_live(page, url(calais, f"{path}?lang={lang}"))
        assert page.locator("#alert-notice").is_hidden()  # the alert live at its opening is not news
        if path == "/publish/need":
            page.click("#f-region")
            page.keyboard.type("cal")  # half typed when the alert comes
        else:
            page.locator("header nav a").first.focus()
        before = page.evaluate("() => { window.before = document.activeElement; return document.activeElement.id; }")
        text = f"Arrest at the station ({lang})"
        alert = api_publish(calais, "alert", {"region": "calais", "type": "arrest", "text": text}, expires_in="3h")["id"]
        page.locator("#alert-news", has_text=text).wait_for(state="attached")
        said = page.evaluate("() => window.said")
        assert said[-1].startswith(new_said) and text in said[-1], said
        assert not any("CRS at the camp" in s for s in said), said  # only what is new
        link = page.locator(f"#alert-notice a[href='/event/{alert}']")
        link.wait_for()  # shown, a link to the alert
        assert text in link.inner_text() and page.locator("#alert-notice h2").inner_text().endswith(notice)
        assert link.evaluate("a => a.tabIndex") == 0  # reached with the keyboard
        assert page.evaluate("() => document.activeElement === window.before"), before
        if path == "/publish/need":
            page.keyboard.type("ais")  # the focus never left the field: the rest goes on after it
            assert page.input_value("#f-region") == "calais"
            assert page.url == url(calais, f"{path}?lang={lang}")  # not reloaded

    # An event page (a live part of its own): new alerts said once each, those live at its opening never
    _open_live(page, url(calais, f"/event/{old}?lang=en"))
    for text in ("Checks at the bridge", "Vans at the port"):
        api_publish(calais, "need", {"category": "blankets", "quantity": 3, "region": "calais"})
        api_publish(calais, "alert", {"region": "calais", "type": "raid", "text": text}, expires_in="3h")
        page.locator("#alert-news", has_text=text).wait_for(state="attached")
    said = page.evaluate("() => window.said")
    assert not any("CRS at the camp" in s or "Arrest at the station" in s for s in said), said
    assert sum("Checks at the bridge" in s for s in said) == 1, said
    assert page.locator("#alert-notice li").count() == 2
    page.click("#alert-notice-hide")  # read: put away, the focus where the page's content starts
    assert page.locator("#alert-notice").is_hidden() and page.evaluate("() => document.activeElement.id") == "main"

    # On the form page again: an update and the all clear of the alert live when it opened
    _open_live(page, url(calais, "/publish/need?lang=en"))
    page.fill("#f-region", "calais")
    api_publish(calais, "alert.update", {"alert": old, "status": "update", "text": "Vans moved to camp B"})
    page.locator("#alert-news", has_text="Vans moved to camp B").wait_for(state="attached")
    assert page.evaluate("() => window.said")[-1].startswith("Alert updated:")
    api_publish(calais, "alert.update", {"alert": old, "status": "all_clear", "text": "Police gone"})
    page.locator("#alert-news", has_text="Police gone").wait_for(state="attached")
    said = page.evaluate("() => window.said")
    assert said[-1].startswith("All clear:") and "Hospital camp" in said[-1], said
    assert sum("Police gone" in s for s in said) == 1, said
    assert page.locator("#alert-notice").is_hidden()  # no new alert: nothing listed
    assert page.input_value("#f-region") == "calais"
