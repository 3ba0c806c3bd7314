"""A coordinator with the dashboard alone revokes the group's seized phone (chromium, a real `solnet
run`): the groups page of the main node links "Revoke this device" on the phone's row; the page passes
axe in English and French; sent unticked, it revokes nothing and its error summary takes the focus, its
link leads to the tick, ticked with the keyboard; sent, the revocation is signed with the group key as
`solnet revoke` signs it, and the groups page says the phone revoked, also on a phone's width."""
from __future__ import annotations

from chromium import log_in, tick_from_the_summary, url
from local_cluster import PASSPHRASE, cli_json
from node import membership
from node.home import Home
from test_axe import AXE, RUN, TAGS
from test_reflow_long_words import WIDE

FOCUSED_ID = "() => document.activeElement && document.activeElement.id"


def test_a_coordinator_revokes_a_seized_phone_from_the_groups_page(cluster, browser, tmp_path) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    group = bytes.fromhex(calais.home.config().group_id)
    config, phone_keys = membership.prepare_device(Home(tmp_path / "phone"), group, None, None, PASSPHRASE)
    request = membership.parse_device_request(membership.device_request(config, phone_keys), group)
    log = calais.home.log()
    try:  # `solnet vouch` of the phone, named as the coordinators know it
        membership.vouch_device(log, calais.home.keys(PASSPHRASE), request, [], name="phone 2", offline=True)
    finally:
        log.store.close()
    phone = config.device_id
    cluster.start(calais, sync_interval=3600)
    browser.add_init_script(path=str(AXE))
    page = browser.new_page()
    log_in(page, calais)
    page.goto(url(calais, "/groups"))
    page.get_by_role("link", name=f"Revoke this device {phone[:12]}…").click()
    page.wait_for_url(url(calais, f"/device/{phone}/revoke"))
    for lang in ("fr", "en"):
        page.goto(url(calais, f"/device/{phone}/revoke?lang={lang}"))
        assert not page.evaluate(RUN, TAGS)["violations"], lang
    assert page.is_checked("#f-start-next")  # the safe default: what it signed so far stays
    page.get_by_label("Reason (public)").fill("phone seized")
    page.click("main form button[type=submit]")  # not ticked
    page.wait_for_function(f"() => ({FOCUSED_ID})() === 'error-summary'")
    assert not page.evaluate(RUN, TAGS)["violations"]
    assert cli_json(calais, "ls", "--kind", "member.revoke") == []  # nothing revoked
    assert page.input_value("#f-reason") == "phone seized"
    tick_from_the_summary(page)  # the summary's one link: to the tick, by its label
    page.click("main form button[type=submit]")
    page.wait_for_url(url(calais, f"/groups?revoked={phone}#device-{phone}"))
    assert "Revoked" in page.locator("#flash").inner_text()
    row = page.locator(f"#device-{phone}").inner_text()
    assert "revoked from seq 1" in row and "phone seized" in row, row
    [revocation] = cli_json(calais, "ls", "--kind", "member.revoke")
    assert revocation["subject"] == phone and revocation["reason"] == "phone seized", revocation
    assert revocation["author"] == calais.home.config().group_id, revocation  # signed by the group key
    # on a phone: the revoked device's line ("revoked from seq 1 by Calais (its date)") is one badge,
    # which did not wrap: the groups page scrolled sideways, wider in French
    page.set_viewport_size({"width": 320, "height": 800})
    for lang in ("en", "fr"):
        page.goto(url(calais, f"/groups?lang={lang}"))
        seen = page.evaluate(WIDE)
        assert seen["page"] <= seen["view"], (lang, seen)
