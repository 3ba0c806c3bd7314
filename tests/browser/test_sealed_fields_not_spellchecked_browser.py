"""In chromium, no field of a publish form is spell-checked, before and after "chosen groups only" is
picked (a browser's cloud spell checking sends what is typed to its vendor as it is typed): the
audience is picked below the fields, after the title and place of an action for chosen groups were
typed, so the fields say it from the start (publish_form.html), whatever the page's script does."""
from __future__ import annotations

from chromium import log_in, url

CHECKED = """() => Array.from(document.querySelectorAll("form.publish textarea, form.publish input"))
  .filter(el => !["hidden", "checkbox", "radio"].includes(el.type))
  .map(el => [el.id, el.spellcheck])"""


def test_no_field_is_spellchecked_whatever_the_audience(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    page = browser.new_page()
    log_in(page, calais)
    for kind, typed in (("action", "#f-title"), ("need", "#f-notes")):
        page.goto(url(calais, f"/publish/{kind}"))
        page.click(typed)
        page.keyboard.type("Rue des Garennes")
        before = page.evaluate(CHECKED)
        assert len(before) >= 2 and all(off is False for _, off in before), (kind, before)
        page.check("#f-audience-chosen")
        after = page.evaluate(CHECKED)
        assert after == before, (kind, after)
        page.check("#f-audience-network")
        assert page.evaluate(CHECKED) == before, kind
        # nor is the page handed to the browser's translator (node/dashboard/templates/base.html)
        assert page.evaluate("document.documentElement.translate") is False, kind
