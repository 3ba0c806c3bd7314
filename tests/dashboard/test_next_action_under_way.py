"""The desk's "next action" of an action that has started says it is under way, and since when.

An action with no end is listed as to come for 3 hours after its start: at 10:30 the desk read "Next
action: Distribution 09:40", a time in the past that looked like a mistyped date, on the dashboard
(en, fr) and in `solnet view regions` alike."""
from __future__ import annotations

import re
import time

from page_text import PASSPHRASE, visible_text
from test_http import get

from node import publishing, render
from node.views import view


def _publish_started(sample) -> None:
    """An action of Calais with no end, that started 50 minutes ago."""
    home = sample.nodes[0].home
    log, keys = home.log(), home.keys(PASSPHRASE)
    started = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() - 50 * 60))
    try:
        publishing.publish(log, keys, "action", {"title": "Soupe 9", "region": "calais", "type": "distribution",
                                                 "starts_at": started}, time_zone="UTC")
    finally:
        log.store.close()


async def test_the_desk_says_an_action_started_is_under_way(sample, start_node) -> None:
    _publish_started(sample)
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for lang, said in (("en", "Soupe 9 under way since"), ("fr", "Soupe 9 en cours depuis")):
        _, page, _ = await get(node.client, f"/?region=calais&lang={lang}")
        cell = re.search(r'<td data-label="[^"]*"><bdi>Calais</bdi>\u202f?: (<a href="/event/[^"]*"[^>]*>Soupe 9</a>.*?)</td>', page, re.S)
        assert cell and said in " ".join(visible_text(cell[1]).split()), page[:3000]
    # and in `solnet view regions` (node/render.py region_text), as the desk's next action too
    log = sample.nodes[0].home.log()
    try:
        [calais] = view(log, "regions", region="calais")
    finally:
        log.store.close()
    assert calais["next_action"]["title"] == "Soupe 9"
    assert "  next action: under way since " in render.region_text(calais), render.region_text(calais)
