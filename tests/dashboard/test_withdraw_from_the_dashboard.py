"""A coordinator who only has the dashboard could not take an event back: its warnings (an action dated
in the past, a delivery recorded twice) said to run `solnet redact ID` in a shell. The event's page
now offers "Withdraw its content" on this device's own events (node/dashboard/withdraw.py): a page of
its own says what it does and asks for a tick; the command's checks refuse in the dashboard's words
(another device's event, a vouch), CSRF and Origin hold, and the warnings link to it."""
from __future__ import annotations

import html as html_lib
import re

from page_text import csrf_of, visible_text
from test_fundraiser_decline_page import reply_from_bristol
from test_http import get, post


async def redactions(node) -> int:
    running = node.node
    return await running.db(running.log.store.count_of_kind, "redact")


async def test_a_coordinator_withdraws_an_events_content_from_its_page(sample, start_node) -> None:
    action = sample.ids["action"]
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, page, _ = await get(node.client, f"/event/{action}?lang=en")
    assert f'href="/event/{action}/withdraw"' in page and "Withdraw its content" in visible_text(page)
    status, form, _ = await get(node.client, f"/event/{action}/withdraw?lang=en")
    text = " ".join(visible_text(form).split())
    assert status == 200 and "Withdraw the content of" in text and "It cannot be undone." in text, text
    assert '<label for="f-reason">Reason (public)</label>' in form
    token = csrf_of(form)

    # Not ticked: nothing is signed, the error summary names the tick by its label
    status, refused, _ = await post(node.client, f"/event/{action}/withdraw?lang=en",
                                    {"csrf": token, "reason": "wrong date"})
    assert status == 400 and await redactions(node) == 0
    summary = visible_text(refused.split('id="error-summary"')[1].split("</div>")[0])
    assert "Yes, withdraw its content on every node: Nothing was withdrawn: tick this box" in " ".join(summary.split())
    assert 'value="wrong date"' in refused and 'aria-invalid="true" aria-describedby="e-confirm"' in refused
    # Without the session's token, or from another site: refused, nothing signed
    ticked = {"reason": "wrong date", "confirm": "yes"}
    status, _, _ = await post(node.client, f"/event/{action}/withdraw", ticked)
    assert status == 403 and await redactions(node) == 0
    status, _, _ = await post(node.client, f"/event/{action}/withdraw", {"csrf": token, **ticked},
                              headers={"Origin": "http://evil.example"})
    assert status == 403 and await redactions(node) == 0

    status, _, r = await post(node.client, f"/event/{action}/withdraw", {"csrf": token, **ticked})
    assert status == 303 and r.headers["Location"] == f"/event/{action}?withdrawn=1"
    assert await redactions(node) == 1
    _, page, _ = await get(node.client, r.headers["Location"] + "&lang=en")
    text = " ".join(visible_text(page).split())
    assert "Withdrawn: its content is gone from this node" in text and "Its author withdrew the content" in text
    assert "Manif 42" not in text and f"/event/{action}/withdraw" not in page  # nothing left to withdraw
    status, again, _ = await get(node.client, f"/event/{action}/withdraw?lang=fr")
    assert status == 403 and "Il n’y a plus rien à retirer" in visible_text(again) and 'name="confirm"' not in again


async def test_another_devices_event_is_not_withdrawn_here(sample, start_node) -> None:
    """`solnet redact` refuses an event this device did not publish: so does the dashboard, in its words,
    and its page offers no button for it."""
    theirs = reply_from_bristol(*sample.nodes, "need", {"category": "tents", "quantity": "3", "region": "bristol"})
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, page, _ = await get(node.client, f"/event/{theirs}?lang=en")
    assert "/withdraw" not in page
    status, form, _ = await get(node.client, f"/event/{theirs}/withdraw?lang=en")
    assert status == 403 and "Only the device that published an event can withdraw" in visible_text(form)
    _, ours, _ = await get(node.client, f"/event/{sample.ids['need']}/withdraw")
    status, _, _ = await post(node.client, f"/event/{theirs}/withdraw", {"csrf": csrf_of(ours), "confirm": "yes"})
    assert status == 403 and await redactions(node) == 0


async def test_the_warnings_link_to_the_withdrawal_not_to_a_command(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for lang in ("en", "fr"):
        _, form, _ = await get(node.client, "/publish/action")
        status, _, r = await post(node.client, f"/publish/action?lang={lang}", {
            "title": "Cours 9", "region": "calais", "type": "class", "csrf": csrf_of(form),
            "starts_at": "2020-01-01T18:00"})
        assert status == 303
        _, page, _ = await get(node.client, r.headers["Location"] + f"&lang={lang}")
        event_id = r.headers["Location"].split("/")[2].split("?")[0]
        warning = re.search(r'id="flash-warning" role="alert">(.*?)</p>', page, re.S)[1]
        assert "solnet" not in html_lib.unescape(warning), warning
        assert f'<a href="/event/{event_id}/withdraw">' in warning, warning
