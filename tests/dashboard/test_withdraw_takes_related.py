"""Withdrawing an event from the dashboard left what names it readable: an alert's update ("Hiding at
Maison 77") on the alert's page and its own, a request's share with the sealed details. This device's
events naming it are now listed on the withdraw page and withdrawn in the same redaction; one another
device signed is named, with a link, as staying. And: a form sent three times at once signs one
withdrawal; a reason with a bidi control character is refused under its field, nothing signed; on a
node that has not caught up, the refusal and the override speak of withdrawing, with no command."""
from __future__ import annotations

import asyncio
import re

from page_text import PASSPHRASE, csrf_of, visible_text
from peer_down import only_peer_down
from test_fundraiser_decline_page import reply_from_bristol
from test_http import get, post
from test_withdraw_from_the_dashboard import redactions

from node import publishing
from node.store import BODY_PRESENT

HIDING = "Hiding at Maison 77"


def own_related(sample) -> dict[str, str]:
    """Calais's device updates its alert (where people hide) and shares its request with Bristol."""
    calais, bristol = sample.nodes
    log = calais.home.log()
    try:
        keys = calais.home.keys(PASSPHRASE)
        update = publishing.publish(log, keys, "alert.update", {
            "alert": sample.ids["alert"], "status": "update", "text": HIDING})
        share = publishing.publish(log, keys, "support.share", {"request": sample.ids["support"]}, to=["Bristol"])
    finally:
        log.store.close()
    return {"update": update.id.hex(), "share": share.id.hex()}


async def has_body(node, event_id: str) -> bool:
    row = await node.node.db(node.node.log.store.event_row, bytes.fromhex(event_id))
    return row.body_state == BODY_PRESENT


async def withdraw(node, event_id: str, **data: str) -> tuple[int, str]:
    _, form, _ = await get(node.client, f"/event/{event_id}/withdraw")
    status, page, _ = await post(node.client, f"/event/{event_id}/withdraw?lang=en",
                                 {"csrf": csrf_of(form), "confirm": "yes", **data})
    return status, page


async def test_this_devices_updates_and_shares_go_with_it_another_devices_are_named(sample, start_node) -> None:
    fulfil = reply_from_bristol(*sample.nodes, "need.fulfil", {"need": sample.ids["need"], "quantity": "3"})
    ours = own_related(sample)  # (Calais holds Bristol's profile now: the share names it)
    node = await start_node(sample.nodes[0])
    await node.log_in()
    alert = sample.ids["alert"]
    _, page, _ = await get(node.client, f"/event/{ours['update']}?lang=en")
    assert HIDING in page
    _, form, _ = await get(node.client, f"/event/{alert}/withdraw?lang=en")
    taken = form.split('id="withdraw-taken"')[1].split("</ul>")[0]
    assert f'href="/event/{ours["update"]}"' in taken and "Alert update or all clear" in visible_text(taken)
    assert HIDING not in form and 'id="withdraw-stay"' not in form
    assert (await withdraw(node, alert, reason="wrong"))[0] == 303
    assert await redactions(node) == 1 and not await has_body(node, alert) and not await has_body(node, ours["update"])
    for shown in (alert, ours["update"]):
        _, page, _ = await get(node.client, f"/event/{shown}?lang=en")
        assert HIDING not in page

    # The request's share carried its sealed private details to Bristol: withdrawn with it
    _, form, _ = await get(node.client, f"/event/{sample.ids['support']}/withdraw?lang=fr")
    assert f'href="/event/{ours["share"]}"' in form.split('id="withdraw-taken"')[1].split("</ul>")[0]
    assert (await withdraw(node, sample.ids["support"]))[0] == 303
    assert not await has_body(node, ours["share"])

    # Bristol's delivery names the need: it stays, and the page says so, with a link, before the tick
    _, form, _ = await get(node.client, f"/event/{sample.ids['need']}/withdraw?lang=en")
    stay = form.split('id="withdraw-stay"')[1].split("</ul>")[0]
    # named by its group (whom to ask to withdraw it), the name isolated as every group's typed text
    assert f'href="/event/{fulfil}"' in stay and "(published by <bdi>Bristol</bdi>, device " in stay, stay
    _, form_fr, _ = await get(node.client, f"/event/{sample.ids['need']}/withdraw?lang=fr")
    assert "(publié par <bdi>Bristol</bdi>, appareil " in form_fr.split('id="withdraw-stay"')[1].split("</ul>")[0]
    assert "unless their author withdraws them" in " ".join(visible_text(form).split())
    assert 'id="withdraw-taken"' not in form
    assert (await withdraw(node, sample.ids["need"]))[0] == 303
    assert await has_body(node, fulfil)


async def test_a_form_sent_three_times_at_once_signs_one_withdrawal(sample, start_node, monkeypatch) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    action = sample.ids["action"]
    # The three reach the signing together, each past the page's own look (as a double click on a slow Pi)
    running, arrived, together = node.node, [], asyncio.Event()
    signs = running.sign

    async def sign(write):
        arrived.append(write)
        if len(arrived) == 3:
            together.set()
        await asyncio.wait_for(together.wait(), 10)
        return await signs(write)

    monkeypatch.setattr(running, "sign", sign)
    _, form, _ = await get(node.client, f"/event/{action}/withdraw")
    sent = {"csrf": csrf_of(form), "confirm": "yes", "reason": "twice"}
    answers = await asyncio.gather(*(post(node.client, f"/event/{action}/withdraw", sent) for _ in range(3)))
    assert [a[0] for a in answers] == [303, 303, 303], [a[1][:300] for a in answers]
    assert {a[2].headers["Location"] for a in answers} == {f"/event/{action}?withdrawn=1"}
    assert await redactions(node) == 1


async def test_a_reason_with_a_bidi_control_is_refused_under_its_field(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    status, page = await withdraw(node, sample.ids["action"], reason="\u202bwrong date\u202c")
    assert status == 400 and await redactions(node) == 0
    error = re.search(r'<p class="field-error" id="e-reason">(.*?)</p>', page)
    assert error and "invisible control characters" in error[1], page
    assert "refused to publish" not in page and 'aria-describedby="h-reason e-reason"' in page


async def test_a_node_not_caught_up_speaks_of_withdrawing(sample, start_node) -> None:
    only_peer_down(sample.nodes[0].home)
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for lang, words, label in (("en", "Nothing was withdrawn", "Withdraw now without waiting for a peer"),
                               ("fr", "Rien n’a été retiré", "Retirer maintenant sans attendre de pair")):
        _, form, _ = await get(node.client, f"/event/{sample.ids['action']}/withdraw")
        status, page, _ = await post(node.client, f"/event/{sample.ids['action']}/withdraw?lang={lang}",
                                     {"csrf": csrf_of(form), "confirm": "yes"})
        said = " ".join(visible_text(page.split('id="error-summary"')[1].split("</div>")[0]).split())
        text = " ".join(visible_text(page).split())
        assert status == 400 and words in said and label in said and label in text, said
        assert "solnet" not in said and "Publish now" not in text and "Publier maintenant" not in text
    assert await redactions(node) == 0
    status, _ = await withdraw(node, sample.ids["action"], offline="yes")
    assert status == 303 and await redactions(node) == 1


async def test_a_sealed_actions_sealed_move_goes_with_it(sample, start_node) -> None:
    """An action for Bristol only, moved to a new place for Bristol only: the move makes no read-model
    row (its readers read it in memory), and the withdraw page neither listed it nor took it along:
    the place stayed readable by Bristol. Now it is listed and withdrawn in the same redaction."""
    calais, _ = sample.nodes
    reply_from_bristol(*sample.nodes, "need.fulfil", {"need": sample.ids["need"], "quantity": "3"})  # (Calais learns Bristol)
    log = calais.home.log()
    try:
        keys = calais.home.keys(PASSPHRASE)
        action = publishing.publish(log, keys, "action", {"title": "Gate blockade", "region": "calais",
                                                          "type": "protest", "starts_at": "2031-06-01T05:00"},
                                    to=["Bristol"]).id.hex()
        moved = publishing.publish(log, keys, "action.update", {"action": action, "place": HIDING},
                                   to=["Bristol"]).id.hex()
    finally:
        log.store.close()
    node = await start_node(calais)
    await node.log_in()
    _, form, _ = await get(node.client, f"/event/{action}/withdraw?lang=en")
    taken = form.split('id="withdraw-taken"')[1].split("</ul>")[0]
    assert f'href="/event/{moved}"' in taken and HIDING not in form
    assert (await withdraw(node, action))[0] == 303
    assert not await has_body(node, action) and not await has_body(node, moved)
