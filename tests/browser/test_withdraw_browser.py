"""A coordinator with the dashboard alone takes back an action published with a wrong date (chromium,
a real `solnet run`): the warning after the publish said to run `solnet redact ID` in a shell. It links
to the withdrawal page now; that page passes axe in English and French; sent unticked, it withdraws
nothing and its error summary takes the focus, its link leads to the tick, ticked with the keyboard;
sent, the content is gone from the node as `solnet redact` leaves it, and the page says so."""
from __future__ import annotations

import re

from chromium import fill_form, log_in, tick_from_the_summary, url
from local_cluster import cli_json
from test_axe import AXE, RUN, TAGS

FOCUSED_ID = "() => document.activeElement && document.activeElement.id"


def test_a_coordinator_withdraws_a_wrongly_dated_action_from_the_warning(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    browser.add_init_script(path=str(AXE))
    page = browser.new_page()
    log_in(page, calais)
    page.goto(url(calais, "/publish/action"))
    fill_form(page, {"title": "Vigil at the pier", "region": "calais", "type": "info_night",
                     "starts_at": "2021-05-04T19:30"})
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/event/[0-9a-f]{64}\?published=1"))
    event_id = re.search(r"/event/([0-9a-f]{64})", page.url)[1]
    warning = page.locator("#flash-warning")
    assert "solnet" not in warning.inner_text(), warning.inner_text()
    warning.get_by_role("link", name="Withdraw its content").click()
    page.wait_for_url(url(calais, f"/event/{event_id}/withdraw"))
    for lang in ("fr", "en"):
        page.goto(url(calais, f"/event/{event_id}/withdraw?lang={lang}"))
        assert not page.evaluate(RUN, TAGS)["violations"], lang
    page.get_by_label("Reason (public)").fill("wrong year")
    page.click("main form button[type=submit]")  # not ticked
    page.wait_for_function(f"() => ({FOCUSED_ID})() === 'error-summary'")
    assert not page.evaluate(RUN, TAGS)["violations"]
    listed = [(e["id"], e.get("title")) for e in cli_json(calais, "ls", "--kind", "action")]
    assert listed == [(event_id, "Vigil at the pier")]  # nothing withdrawn
    assert page.input_value("#f-reason") == "wrong year"
    tick_from_the_summary(page)  # the summary's one link: to the tick, by its label
    page.click("main form button[type=submit]")
    page.wait_for_url(url(calais, f"/event/{event_id}?withdrawn=1"))
    assert "Withdrawn" in page.locator("#flash").inner_text()
    assert "Vigil at the pier" not in page.locator("main").inner_text()
    [action] = cli_json(calais, "ls", "--kind", "action")
    assert "title" not in action, action
    [redaction] = cli_json(calais, "ls", "--kind", "redact")
    assert redaction["reason"] == "wrong year" and redaction["ids"] == [event_id], redaction
