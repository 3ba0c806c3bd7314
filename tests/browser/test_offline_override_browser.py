"""A raid alert from the dashboard of a node back from a power cut whose only peer is down (chromium,
a real `solnet run`): the node holds its publishing until a first sync with a peer (node/chain_gate.py),
and the dashboard had no override, so the alert could not go out at all. Refused, the form comes back
as typed, says why, and offers a checkbox, unticked, labelled with its risk, reachable and ticked with
the keyboard; axe finds nothing on that page in English and in French. Ticked and sent, the alert is
published and stored."""
from __future__ import annotations

from chromium import log_in, url
from local_cluster import cli_json
from test_axe import AXE, RUN, TAGS
from test_keyboard_live import FIELD

TYPED = {"#f-region": "calais", "#f-location": "Camp de l’hôpital", "#f-text": "CRS au camp, trois fourgons"}
SAID = {"en": ("has not yet synced with a peer since it started",
               "Publish now without waiting for a peer — only if no other copy of this home"),
        "fr": ("ne s’est pas encore synchronisé avec un pair",
               "Publier maintenant sans attendre de pair — seulement si aucune autre copie de ce dossier")}


def test_a_held_node_publishes_an_alert_once_the_override_is_ticked(cluster, browser) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    calais.peers.append(bristol.port)  # its only peer, never started: no sync round completes
    cluster.start(calais, sync_interval=3600)
    browser.add_init_script(path=str(AXE))
    page = browser.new_page()
    log_in(page, calais)
    for lang, (said, label) in SAID.items():
        page.goto(url(calais, f"/publish/alert?lang={lang}"))
        assert page.locator("#f-offline").count() == 0  # not offered before a refusal
        for selector, text in TYPED.items():
            page.fill(selector, text)
        page.select_option("#f-type", "raid")
        page.select_option("#f-expires_in", "3h")
        page.click("main form button[type=submit]")
        page.locator("#error-summary").wait_for()
        assert said in page.locator("#error-summary").inner_text()
        for selector, text in TYPED.items():
            assert page.input_value(selector) == text, f"{lang}: {selector} is not as typed"
        assert page.input_value("#f-expires_in") == "3h"
        box = page.get_by_label(label)  # its accessible name: the label, risk included
        assert box.is_visible() and not box.is_checked(), lang
        assert box.get_attribute("aria-describedby") == "h-offline" and page.locator("#h-offline").is_visible()
        assert not page.evaluate(RUN, TAGS)["violations"], lang
    assert cli_json(calais, "ls", "--kind", "alert") == []
    for _ in range(40):  # from the error summary (it has the focus), with the keyboard only
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-offline":
            break
    focused = page.evaluate(FIELD)
    assert 'id="f-offline"' in focused["what"] and focused["ring"]["ratio"] >= 3, focused
    page.keyboard.press("Space")
    assert page.is_checked("#f-offline")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda address: "/event/" in address and "published=1" in address)
    [alert] = cli_json(calais, "ls", "--kind", "alert")
    assert alert["text"] == "CRS au camp, trois fourgons" and alert["location"] == "Camp de l’hôpital"
