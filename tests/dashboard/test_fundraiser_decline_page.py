"""The fundraiser's page lists each pledge with who made it and offers its own group "Decline" on
each (an infiltrator's huge pledge made a bail fund look funded); what was declined stays said,
with who pledged it, in English and French."""
from __future__ import annotations

import html
import re

from page_text import PASSPHRASE, visible_text
from node import publishing
from test_http import get


def reply_from_bristol(calais, bristol, kind: str, fields: dict[str, str]) -> str:
    """Bristol, once it holds what Calais holds, publishes `kind` (a pledge, a fulfilment); Calais then holds it."""
    ours, theirs = calais.home.log(), bristol.home.log()
    try:
        theirs.ingest(list(ours.store.iter_wire()))
        reply = publishing.publish(theirs, bristol.home.keys(PASSPHRASE), kind, fields)
        ours.ingest(list(theirs.store.iter_wire()))
    finally:
        ours.store.close()
        theirs.store.close()
    return reply.id.hex()


async def test_the_fundraisers_group_declines_a_pledge_from_its_page(sample, start_node) -> None:
    fund = sample.ids["fundraiser"]
    pledge = reply_from_bristol(*sample.nodes, "fundraiser.update", {"fundraiser": fund, "pledge": "9999"})
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, page, _ = await get(node.client, f"/event/{fund}", headers={"Accept-Language": "en"})
    link = f"/publish/fundraiser.decline?fundraiser={fund}&decline={pledge}"
    assert link in html.unescape(page), page
    text = " ".join(visible_text(page).split())
    assert "9,999 EUR pledged by Bristol Decline its pledges" in text, text
    status, form, _ = await get(node.client, link, headers={"Accept-Language": "en"})
    assert status == 200 and pledge in form and "Declined pledge" in visible_text(form)
    # declining one declines every pledge of that group to the fundraiser: said before it is confirmed
    said = " ".join(visible_text(form).split())
    assert "every pledge of that group to this fundraiser, earlier and later" in said, said
    _, page, _ = await get(node.client, f"/event/{fund}", headers={"Accept-Language": "fr"})
    assert re.search(r"EUR promis par Bristol Refuser ses promesses", " ".join(visible_text(page).split()))
    _, form, _ = await get(node.client, link, headers={"Accept-Language": "fr"})
    said = " ".join(visible_text(form).split())
    assert "toutes les promesses de ce groupe à cette collecte, antérieures et ultérieures :" in said, said

    await node.node.publish("fundraiser.decline", {"fundraiser": fund, "decline": pledge})
    _, page, _ = await get(node.client, f"/event/{fund}", headers={"Accept-Language": "en"})
    text = " ".join(visible_text(page).split())
    assert "1 declined by the fundraiser's group: 9,999 EUR pledged by Bristol" in text, text
    assert "/publish/fundraiser.decline" not in page and not re.search(r"9,999 EUR pledged(?! by)", text), text
    _, page, _ = await get(node.client, "/", headers={"Accept-Language": "en"})  # the overview's fundraisers
    assert "1 declined by its group" in " ".join(visible_text(page).split())
    _, page, _ = await get(node.client, f"/event/{fund}", headers={"Accept-Language": "fr"})
    text = " ".join(visible_text(page).split())
    assert re.search(r"1 refusée\(s\) par le groupe de la collecte\s?: 9\W?999\S*\s?EUR promis par Bristol", text), text


async def test_the_desk_says_the_pledges_declined_and_a_declined_group_cannot_pledge_again(sample, start_node) -> None:
    """The desk (the overview's "Network at a glance") added up what was pledged and said nothing of
    what was declined. And Bristol, its pledge declined, pledged again at once: a decline now covers
    every pledge of its group to that fundraiser, and publishing another is refused in words."""
    fund = sample.ids["fundraiser"]
    pledge = reply_from_bristol(*sample.nodes, "fundraiser.update", {"fundraiser": fund, "pledge": "9999"})
    node = await start_node(sample.nodes[0])
    await node.log_in()
    await node.node.publish("fundraiser.decline", {"fundraiser": fund, "decline": pledge})
    _, page, _ = await get(node.client, "/", headers={"Accept-Language": "en"})
    text = " ".join(visible_text(page).split())
    assert "1 pledge declined by its fundraiser's group (9,999 EUR, not counted)" in text, text
    _, page, _ = await get(node.client, "/", headers={"Accept-Language": "fr"})
    text = " ".join(visible_text(page).split())
    assert re.search(r"1 promesse refusée par le groupe de sa collecte \(9\W?999\S*\s?EUR, non comptée\)", text), text

    calais, bristol = sample.nodes
    ours, theirs = calais.home.log(), bristol.home.log()
    try:
        theirs.ingest(list(ours.store.iter_wire()))
        try:
            publishing.publish(theirs, bristol.home.keys(PASSPHRASE), "fundraiser.update",
                               {"fundraiser": fund, "pledge": "5"})
        except publishing.PublishError as exc:
            said = str(exc)
        else:
            raise AssertionError("a second pledge of a declined group was published")
    finally:
        ours.store.close()
        theirs.store.close()
    assert "declined a pledge of your group to it, and that declines every pledge of your group to it" in said, said
