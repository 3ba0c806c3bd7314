"""Refusals that only the log's state can tell, in a French page in chromium: a request the group
took already (its claim's time said in the browser's zone, not the node's) and a report on an
action not started. Each carries the key of its words (node.publishing, events.effects): they were
"Vérifiez ce champ." in French. Chromium runs in Europe/Paris, the node in Asia/Tokyo."""
from __future__ import annotations

import re

from chromium import api_publish, fill_form, log_in, url
from local_cluster import publish_action


def _send(page, node, path: str, values: dict[str, str]) -> str:
    page.goto(url(node, f"/publish/{path}"))
    fill_form(page, values)
    page.locator("form.publish button[type=submit]").last.click()
    page.locator(".error-summary").first.wait_for()
    return " ".join(page.locator(".error-summary, .field-error").all_inner_texts())


def test_refusals_of_the_logs_state_are_said_in_french(cluster, browser) -> None:
    [lille] = cluster.network([("Lille", "lille")])
    cluster.start(lille, extra_env={"TZ": "Asia/Tokyo"})
    request = api_publish(lille, "support.request", {"region": "lille", "type": "legal", "people": "1",
                                                     "urgency": "low"})["id"]
    api_publish(lille, "support.claim", {"request": request})
    action = publish_action(lille, "Veillée", "lille").hex()  # in 2031
    page = browser.new_page()
    browser.new_cdp_session(page).send("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Paris"})
    log_in(page, lille)
    page.goto(url(lille, "/?lang=fr"))  # the language chosen is kept for the next pages

    said = _send(page, lille, "support.claim", {"request": request})
    assert "Votre groupe a déjà pris cette demande de soutien le" in said and "Vérifiez ce champ" not in said, said
    assert re.search(r"le \d{4}-\d\d-\d\d \d\d:\d\d CET", said) and "JST" not in said, said  # the browser's zone

    said = _send(page, lille, "action.report", {"action": action, "outcome": "Tout s’est bien passé"})
    assert "Cette action commence le 2031-" in said and "Vérifiez ce champ" not in said, said
    assert re.search(r"le 2031-\d\d-\d\d \d\d:\d\d CES?T", said) and "JST" not in said, said  # the browser's zone
