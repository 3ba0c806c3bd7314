"""A publish form on a home that syncs with no peer, copied or restored (its events left it only in
bundles: node/chain_gate.py), says what to do there: import the newest bundle this home made, or
tick the override if this is the newest copy (not the general "wait for a peer", for a node that has
none); ticked once, that copy signs on without it."""
from __future__ import annotations

import dataclasses
import shutil

from node.home import Home
from page_text import csrf_of, visible_text

ALERT = {"region": "calais", "type": "raid", "location": "Camp 3", "text": "CRS au camp", "expires_in": "3h"}


async def post_alert(node, **more: str) -> tuple[int, str]:
    async with node.client.get("/publish/alert") as r:
        token = csrf_of(await r.text())
    async with node.client.post("/publish/alert", data={"csrf": token, **ALERT, **more}, allow_redirects=False) as r:
        return r.status, await r.text()


async def test_a_copied_sneakernet_home_says_to_import_its_newest_bundle(sample, start_node, tmp_path) -> None:
    calais = sample.nodes[0]
    original = await start_node(calais)
    await original.log_in()
    assert (await post_alert(original))[0] == 303  # signed on the original: its file is on record
    await original.stop()

    shutil.copytree(calais.home.path, tmp_path / "new-pi")
    copy = await start_node(dataclasses.replace(calais, home=Home(tmp_path / "new-pi")))
    await copy.log_in()
    status, html = await post_alert(copy)
    text = visible_text(html)
    assert status == 400 and "import the newest bundle this home made" in text, text
    assert "has not yet synced with a peer since it started" not in text
    assert 'name="offline"' in html  # the override, offered
    assert (await post_alert(copy, offline="yes"))[0] == 303
    assert (await post_alert(copy))[0] == 303  # this copy signs on
