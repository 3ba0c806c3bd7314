"""The buttons of a support request are offered only where what they publish counts (events.effects):
"take" to a group that can read the request (no group took, in the reviewer's week, a request sealed
to others: the claim is refused when published), "close" to the group that made it only, and "hand
it back" to a group that takes it."""
from __future__ import annotations

import io
import re

from test_http import get
from page_text import PASSPHRASE, visible_text
from node import publishing
from node.bundle import export_bundle, import_bundle


def _move(source, target) -> None:
    """Every event `source`'s home holds into `target`'s, as a bundle would carry them."""
    log, keys = source.home.log(), source.home.keys(PASSPHRASE)
    into = target.home.log()
    try:
        out = io.BytesIO()
        export_bundle(log, keys.device, out)
        out.seek(0)
        import_bundle(into, out)
    finally:
        log.store.close()
        into.store.close()


async def other_group_logged_in(sample, start_node):
    """Bristol's node, holding every event of Calais's home, its admin logged in: a group that sees
    Calais's events and may not act on them as Calais."""
    calais, bristol = sample.nodes
    _move(calais, bristol)
    node = await start_node(bristol)
    await node.log_in()
    return node


def _item(page: str, event_id: str) -> str:
    """The overview's support list item of one request."""
    return re.search(rf'<li data-key="{event_id}">.*?</li>', page, re.S)[0]


async def test_take_close_and_hand_back_are_offered_only_where_they_count(sample, start_node) -> None:
    calais, bristol = sample.nodes
    unreadable = sample.ids["support"]  # Calais's safeguarding request, sealed to Calais's devices only
    _move(bristol, calais)  # Calais learns Bristol's device, to seal to it
    log, keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:
        to_bristol = publishing.publish(log, keys, "support.request", {
            "region": "calais", "type": "housing", "people": "2", "urgency": "high"},
            private="A family at the station", to=[bristol.home.config().group_id]).id.hex()
        waiting = publishing.publish(log, keys, "support.request", {
            "region": "calais", "type": "legal", "people": "1", "urgency": "low"}).id.hex()
    finally:
        log.store.close()
    _move(calais, bristol)
    log, keys = bristol.home.log(), bristol.home.keys(PASSPHRASE)
    try:
        publishing.publish(log, keys, "support.claim", {"request": to_bristol})
    finally:
        log.store.close()

    node = await start_node(bristol)
    await node.log_in()
    _, page, _ = await get(node.client, "/")
    shown = visible_text(page).splitlines()
    assert "1 taken" in shown and "2 waiting for a group" in shown, shown  # the desk: Calais's three open requests
    item = _item(page, unreadable)  # Bristol cannot read it: nothing it could take or close
    assert "/publish/support.claim" not in item and "/publish/support.close" not in item, visible_text(item)
    item = _item(page, to_bristol)  # Bristol takes it: it may hand it back, not close it for Calais
    assert "/publish/support.claim" not in item and "Hand it back, with its outcome" in item, visible_text(item)
    assert "Close this request" not in item
    item = _item(page, waiting)  # public, untaken: Bristol may take it
    assert "Take this request" in item and "/publish/support.close" not in item, visible_text(item)
    _, page, _ = await get(node.client, f"/event/{unreadable}")
    assert "/publish/support.claim" not in page and "/publish/support.close" not in page, visible_text(page)
