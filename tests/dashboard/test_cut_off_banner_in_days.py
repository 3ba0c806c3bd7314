"""The dashboard's cut-off banner of a node back after days with no peer says days, not 4,380 minutes.

Its home last heard from another node three days before (its last run's link with a peer ended then:
node/heard_before.py counts from it); the node starts again and reaches no peer. The banner said
"for 0 min" (counted from the start), and once counted from its last link, "for 4380 min"."""
from __future__ import annotations

import json

from page_text import visible_text
from test_http import get

from node import heard_before
from node.clock import now_ms

DAY_MS = 86_400_000


def _last_link_ended(store, when: int, device: str) -> None:
    """What a run whose link with a member's `device` ended at `when` leaves in the home
    (node/net/status_saver.py)."""
    with store.write():
        store.save_peer("http://127.0.0.1:9", "config", json.dumps(
            {"address": "http://127.0.0.1:9", "device": device, "connected": False, "last_sync": when - 60_000,
             "cut_off_since": when}))


async def test_a_node_back_after_days_says_days(sample, start_node) -> None:
    calais, bristol = sample.nodes[0], sample.nodes[1]
    theirs = bristol.home.log()
    try:  # (that run's rounds brought Bristol's device: a link counts only with a member's device)
        wires = [stored.wire for stored in theirs.store.stored_with_body()]
    finally:
        theirs.store.close()
    log = calais.home.log()
    try:
        log.ingest(wires)
        _last_link_ended(log.store, now_ms() - 3 * DAY_MS - 3_600_000, bristol.home.config().device_id)
    finally:
        log.store.close()
    node = await start_node(calais)
    await node.log_in()
    # As `solnet run` starts it (Node.start: its peer loops, and when its home last heard from a peer)
    running = node.node
    running._started_ms = now_ms()
    running._heard_before = await running.db(heard_before.last_heard, running.log)
    _, page, _ = await get(node.client, "/?lang=en")
    said = visible_text(page)
    assert "it has heard from no other node for 3 days." in said, said[:600]
    _, page, _ = await get(node.client, "/?lang=fr")
    assert "depuis 3 jours." in visible_text(page)
