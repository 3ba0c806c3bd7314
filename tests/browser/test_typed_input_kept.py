"""A refused publish form gives back what the coordinator typed, and says what is wrong with it
(chromium, a real node): a whole-number field holding "10-12" or "2,5" comes back holding it, with
the rule it breaks, in the page's language; on a phone it still opens the digits keypad."""
from __future__ import annotations

from chromium import log_in, url


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
