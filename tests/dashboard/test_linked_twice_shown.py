"""A copy of a running member's home linked beside it (node/linked_twice.py) is said by the log,
`solnet peers` and `solnet status`; the admin's dashboard, where a coordinator looks at the node's
health and its peers, said nothing of it until 2026-12-05. Now, in English and in French:
- on the node that holds the two links, the peer's row in "Network health" says that device is
  linked twice, for the admin only (a member's device that may be copied is not for visitors);
- on the node told so, a banner says which peer said it, as that peer's word.

Three real nodes served on 127.0.0.1 (Calais, Bristol and a copy of Bristol's home at another
port), rounds every 0.3 s."""
from __future__ import annotations

import asyncio
import dataclasses
import shutil
from functools import partial

from node import peer_blocks
from node.demo import localnet
from node.home import Home
from node.log import now_ms
from page_text import visible_text
from sync.addresses import normalize_address

WAIT_S = 30.0
ROUNDS_S = 0.3


async def _text(http, node, lang: str) -> str:
    async with http.get(f"{node.url}/?lang={lang}") as r:
        assert r.status == 200
        return " ".join(visible_text(await r.text()).split())  # (\u202f, the French colon's space, too)


def _peers_add(store, address: str) -> None:
    with store.write():
        peer_blocks.add(store, address)


async def _until(what: str, ready) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not await ready():
        assert loop.time() < deadline, f"no {what} after {WAIT_S:.0f} s"
        await asyncio.sleep(0.1)


async def test_the_admin_dashboard_says_a_peer_linked_twice_and_a_peer_saying_so(sample, serve_node, http,
                                                                                 tmp_path) -> None:
    calais_home, bristol_home = sample.nodes
    copy_path = tmp_path / "copy"  # `cp -a` of Bristol's home
    shutil.copytree(bristol_home.home.path, copy_path, symlinks=True, ignore=shutil.ignore_patterns("node.sock"))
    calais = await serve_node(calais_home)
    bristols = [await serve_node(bristol_home),
                await serve_node(dataclasses.replace(bristol_home, home=Home(copy_path), port=localnet.free_ports(1)[0]))]
    for bristol in bristols:  # both dial Calais, each on its own link, and open rounds often
        bristol.node.links.sync_interval_s = ROUNDS_S
        # As `solnet peers add` leaves it: in the store too, or the node's reconcile takes it out
        # again within seconds (before the rounds say a copy: node/linked_twice.py OVERLAP_MS)
        address = normalize_address(calais.url)
        await bristol.node._db_thread.run(partial(_peers_add, bristol.node.log.store, address))
        assert bristol.node.directory.overlay.learn(address, "config")
    device = bytes.fromhex(bristol_home.home.config().device_id)

    async def seen() -> bool:
        return any(p.get("linked_twice") for p in calais.node.peer_views(now_ms()) if p.get("device") == device.hex())
    await _until("Bristol seen linked twice by Calais", seen)

    anonymous = await _text(http, calais, "en")
    await calais.log_in(http)
    en, fr = await _text(http, calais, "en"), await _text(http, calais, "fr")
    assert "WARNING: linked twice at once from two places (seen " in en, en
    assert "revoke that device" in en
    assert "ATTENTION : relié deux fois en même temps depuis deux endroits (vu " in fr, fr
    assert "linked twice" not in anonymous, "a visitor is not told which member's device may be copied"

    async def told() -> bool:
        return any(b.node.live_facts().get("linked_twice_told") for b in bristols)
    await _until("a Bristol told by Calais", told)
    [bristol] = [b for b in bristols if b.node.live_facts().get("linked_twice_told")][:1]
    await bristol.log_in(http)
    en, fr = await _text(http, bristol, "en"), await _text(http, bristol, "fr")
    said_by = bristol.node.live_facts()["linked_twice_told_by"]
    assert bytes.fromhex(calais_home.home.config().device_id).hex()[:12] in said_by, said_by
    assert f"{said_by} said " in en and "That is its word: this node cannot see that peer's links" in en, en
    assert f"{said_by} a dit " in fr and "C’est sa parole : ce nœud ne voit pas les liens de ce pair" in fr, fr
