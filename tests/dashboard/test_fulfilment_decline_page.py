"""The need's page lists who covered it, with how much, and offers its own group "Decline" on each
group's fulfilments (an infiltrator marked a need covered and it left every desk); a cover beyond
what was asked is said as over-claimed, by whom; what was declined stays said, in English and French."""
from __future__ import annotations

import html
import re

import pytest

from page_text import visible_text
from test_fundraiser_decline_page import reply_from_bristol
from test_http import get


async def test_the_needs_group_declines_a_fulfilment_from_its_page(sample, start_node) -> None:
    need = sample.ids["need"]
    fulfil = reply_from_bristol(*sample.nodes, "need.fulfil", {"need": need, "quantity": "7"})
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, page, _ = await get(node.client, f"/event/{need}", headers={"Accept-Language": "en"})
    link = f"/publish/need.decline?need={need}&decline={fulfil}"
    assert link in html.unescape(page), page
    text = " ".join(visible_text(page).split())
    assert "7 covered by Bristol Decline its fulfilments" in text, text
    status, form, _ = await get(node.client, link, headers={"Accept-Language": "en"})
    assert status == 200 and fulfil in form and "Declined fulfilment" in visible_text(form)
    # declining one declines every fulfilment of that group to the need: said before it is confirmed
    said = " ".join(visible_text(form).split())
    assert "every fulfilment of that group to this need, earlier and later" in said, said
    _, page, _ = await get(node.client, f"/event/{need}", headers={"Accept-Language": "fr"})
    assert "7 couvert par Bristol Refuser ses livraisons" in " ".join(visible_text(page).split())
    _, form, _ = await get(node.client, link, headers={"Accept-Language": "fr"})
    said = " ".join(visible_text(form).split())
    assert "toutes les livraisons de ce groupe pour ce besoin, antérieures et ultérieures :" in said, said

    await node.node.publish("need.decline", {"need": need, "decline": fulfil, "note": "nothing came"})
    _, page, _ = await get(node.client, f"/event/{need}", headers={"Accept-Language": "en"})
    text = " ".join(visible_text(page).split())
    assert "1 declined by the need's group: 7 covered by Bristol" in text, text
    assert "/publish/need.decline" not in page, text
    _, page, _ = await get(node.client, f"/event/{need}", headers={"Accept-Language": "fr"})
    text = " ".join(visible_text(page).split())
    assert re.search(r"1 refusée\(s\) par le groupe du besoin\s?: 7 couvert par Bristol", text), text



@pytest.mark.parametrize("event, kind, fields, own, theirs", [
    ("need", "need.fulfil", ("need", "quantity", "3", "7"),
     "3 covered by Calais", "7 covered by Bristol Decline its fulfilments"),
    ("fundraiser", "fundraiser.update", ("fundraiser", "pledge", "40", "9999"),
     None, "9,999 EUR pledged by Bristol Decline its pledges")])
async def test_the_groups_own_fulfilment_or_pledge_has_no_decline_button(sample, start_node, event, kind, fields,
                                                                         own, theirs) -> None:
    """Calais covered part of its own need: its page offered "Decline its fulfilments" on Calais's own
    line, and publishing that decline is refused (a group declines only another group's). Only
    Bristol's line has the button. (A pledge to its own fundraiser is refused at publish, and one
    signed all the same is not listed as pledged: tests/node/test_own_pledge_said_apart.py.)"""
    ref, field, ours, bristols = fields
    item = sample.ids[event]
    reply = reply_from_bristol(*sample.nodes, kind, {ref: item, field: bristols})
    node = await start_node(sample.nodes[0])
    await node.log_in()
    if own is None:  # its own pledge is refused at publish; one signed all the same is no pledge of others
        signed = await node.node.db(lambda: node.node.log.append(node.node.keys.device, kind, {
            ref: bytes.fromhex(item), field: int(ours) * 100}, offline=True))
        mine = signed.id.hex()
    else:
        mine = (await node.node.publish(kind, {ref: item, field: ours})).id.hex()
    _, page, _ = await get(node.client, f"/event/{item}", headers={"Accept-Language": "en"})
    text = " ".join(visible_text(page).split())
    assert theirs in text, text
    assert re.search(rf"{own}(?! Decline)", text) if own else "pledged by Calais" not in text, text
    assert f"decline={reply}" in html.unescape(page) and f"decline={mine}" not in html.unescape(page), page
