"""A refused publish form gives back what the coordinator typed, and says what is wrong with it
(chromium, a real node): a whole-number field holding "10-12" or "2,5" comes back holding it, with
the rule it breaks, in the page's language (on a phone it still opens the digits keypad); so does a
date typed in part, and the date as the hint shows it is taken; a form
too large to read says so and going back finds the text; a form sent after the node restarted
comes back as typed once the coordinator has logged in again."""
from __future__ import annotations

from chromium import PASSPHRASE, log_in, url
from local_cluster import cli_json
from test_axe import AXE, RUN, TAGS


def test_a_refused_whole_number_comes_back_as_typed_with_the_rule_it_breaks(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    page = browser.new_page()
    log_in(page, calais)
    for lang, typed, said in (("en", "10-12", "Give a whole number"), ("fr", "2,5", "Donnez un nombre entier")):
        page.goto(url(calais, f"/publish/need?lang={lang}"))
        page.select_option("#f-category", "tents")
        page.click("#f-quantity")
        page.keyboard.type(typed)  # as a person types it, key by key
        page.fill("#f-region", "calais")
        page.click("main form button[type=submit]")
        page.locator("#error-summary").wait_for()
        assert page.input_value("#f-quantity") == typed, f"{lang}: what was typed is gone"
        assert page.input_value("#f-region") == "calais"
        problem = page.locator("#e-quantity").inner_text()
        assert problem.startswith(said), f"{lang}: {problem!r}"  # not 'Fill in this field': it was filled in
        assert page.get_attribute("#f-quantity", "inputmode") == "numeric"  # a phone shows its digits keypad



def test_a_date_typed_in_part_comes_back_as_typed_and_the_hints_form_is_taken(cluster, browser) -> None:
    """A coordinator types the start of an action's date and is interrupted ("2031-06-0"): the form
    comes back with it and says how to write it; a date field (type=datetime-local) sent nothing
    for it, and the form came back with the field emptied and 'fill in this field'. Written as the
    hint shows it, it is published."""
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    page = browser.new_page()
    log_in(page, calais)
    for lang, said in (("fr", "Donnez une date et une heure"), ("en", "Give a date and time")):
        page.goto(url(calais, f"/publish/action?lang={lang}"))
        page.fill("#f-title", "Rassemblement au port")
        page.fill("#f-region", "calais")
        page.select_option("#f-type", "protest")
        page.click("#f-starts_at")
        page.keyboard.type("2031-06-0")  # key by key, as a person types it
        page.click("main form button[type=submit]")
        page.locator("#error-summary").wait_for()
        assert page.input_value("#f-starts_at") == "2031-06-0", f"{lang}: what was typed is gone"
        assert page.locator("#e-starts_at").inner_text().startswith(said), page.locator("#e-starts_at").inner_text()
        assert "2026-12-01 18:00" in page.locator("#h-starts_at").inner_text()  # the form, before any mistake
    page.fill("#f-starts_at", "2031-06-01 18:00")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda address: "/event/" in address and "published=1" in address)
    [action] = cli_json(calais, "ls", "--kind", "action")
    assert action["title"] == "Rassemblement au port"

def test_a_form_too_large_to_read_is_said_in_the_readers_language_and_back_finds_the_form(cluster, browser) -> None:
    """Private details of 300,000 characters pasted in (a whole file): the node cannot read the form
    (at most 256 KiB), and says so on a page in French with what to do, not as aiohttp's plain English
    'Maximum request body size 262144 exceeded.'; going back finds the form. Not the text: the form's
    fields say autocomplete="off", so the browser keeps none of it (not in its form history, not in
    the form state its session files keep on disk), and the page says to paste it again."""
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    page = browser.new_page()
    log_in(page, calais)
    page.goto(url(calais, "/publish/support.request?lang=fr"))
    pasted = "Dossier " + "x" * 300_000
    page.fill("#f-region", "calais")
    page.fill("#f-private", pasted)
    with page.expect_navigation() as sent:
        page.click("main form button[type=submit]")
    assert sent.value is not None and sent.value.status == 413
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("main h1").inner_text() == "Formulaire trop long"
    assert "collez-le ou tapez-le de nouveau" in page.locator("main").inner_text()
    page.go_back()
    page.locator("#f-private").wait_for()
    assert page.input_value("#f-private") == "" and page.input_value("#f-region") == ""  # kept off the disk


def test_an_alert_sent_after_the_node_restarted_comes_back_typed_after_logging_in(cluster, browser) -> None:
    """The node restarted (a power cut) while a coordinator typed a raid alert: its sessions went with
    it. Sending the form asks for the passphrase, says nothing was published, and after logging in
    gives the form back as typed, to check and send; it sent the coordinator to the login page and
    then to an empty form, with no word that the alert had not gone out."""
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    browser.add_init_script(path=str(AXE))
    page = browser.new_page()
    log_in(page, calais)
    page.goto(url(calais, "/publish/alert?lang=fr"))
    page.fill("#f-region", "calais")
    page.fill("#f-location", "Camp de l’hôpital")
    page.fill("#f-text", "CRS au camp, trois fourgons")
    page.select_option("#f-expires_in", "3h")
    cluster.kill(calais)
    cluster.start(calais, sync_interval=3600)
    page.click("main form button[type=submit]")
    page.locator("#f-passphrase").wait_for()
    assert "rien n’a été publié" in page.locator("main").inner_text().lower()
    assert not page.evaluate(RUN, TAGS)["violations"]
    assert cli_json(calais, "ls", "--kind", "alert") == []
    page.fill("#f-passphrase", PASSPHRASE)
    page.click("main form button[type=submit]")
    page.locator("#f-text").wait_for()
    assert page.input_value("#f-text") == "CRS au camp, trois fourgons"
    assert page.input_value("#f-location") == "Camp de l’hôpital" and page.input_value("#f-expires_in") == "3h"
    assert page.locator("html").get_attribute("lang") == "fr"
    assert not page.evaluate(RUN, TAGS)["violations"]
    assert cli_json(calais, "ls", "--kind", "alert") == []  # not sent by logging in: the coordinator checks it
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda address: "/event/" in address and "published=1" in address)
    assert page.locator("h1").inner_text().startswith("CRS au camp") or "CRS au camp" in page.locator("main").inner_text()
