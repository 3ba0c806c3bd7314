"""The overview's network health says why a peer that is not connected could not be reached (its
last error, as `solnet peers` says it): a coordinator saw "never connected" and nothing more, and
had to ask someone with a terminal whether the address was wrong, the peer down or this node refused."""
from __future__ import annotations

import asyncio
import html

from node.log import now_ms
from page_text import visible_text
from peer_down import only_peer_down

WAIT_S = 15.0  # the node dials its configured peer as it starts; the failure is noted within a second here


async def _overview(node, lang: str) -> str:
    async with node.client.get(f"/?lang={lang}") as r:
        assert r.status == 200
        return visible_text(await r.text())


async def test_a_peer_that_cannot_be_reached_shows_its_last_error(sample, start_node) -> None:
    calais = sample.nodes[0]
    only_peer_down(calais.home)
    node = await start_node(calais)
    await node.log_in()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while "last error:" not in (text := await _overview(node, "en")):
        assert loop.time() < deadline, f"no last error on the overview after {WAIT_S:.0f} s:\n{text}"
        await asyncio.sleep(0.1)
    [error] = [p["last_error"] for p in node.node.peer_views(now_ms()) if p.get("last_error")]
    assert f"last error: {error}" in " ".join(text.split()), text
    assert f"dernière erreur : {error}" in " ".join((await _overview(node, "fr")).split())
    async with node.client.get("/?lang=fr") as r:  # said in English: marked so (a French screen reader mangled it)
        assert f'<span lang="en">{html.escape(error)}</span>' in await r.text()
