"""What a peer's heads make a node show "behind": a real node in this process on a real SQLite home,
served on 127.0.0.1, a mole group's device dialling it and answering its heads with made-up ones.

Heads need no signature. Each head counted at full value toward the lag, so a peer naming made-up
authors at seqs just under 2^63 made `solnet peers`, status, the dashboard and `solnet sync`'s
progress say ~10^19 events behind per head. Now a head counts only for an author this node would
take events of (a certified member, up to the seq it may sign below), and authors this node does
not know are counted apart (a new group's devices before the trust events arrive are a real case),
and said beside the lag by `solnet peers` and the dashboard alike (the dashboard said "0 events
behind" for a peer holding a new group's whole log).
"""
from __future__ import annotations

import os
from pathlib import Path

import aiohttp

from events.format import MAX_SEQ, decode_event
from hostile_double import HostilePeer
from hostile_relay import until
from test_group_link_lines import _network_with_a_mole as network_with_a_mole
from link_login import use_link
from node import login_links, membership
from node.log import now_ms
from node.net import Node
from node.status_text import peer_line
from node.webapp import create_app, serve
from sync.messages import Heads, MoreHeads, Offer

WAIT_S = 15.0


async def test_made_up_and_revoked_heads_count_no_events_behind(tmp_path: Path) -> None:
    view, pages = await _shown_mid_round(tmp_path)
    assert view["behind"] == 3, view  # the revoked device's seqs 1-3; made-up authors count no event
    assert view["unknown_authors"] == 5, view
    line = peer_line({**view, "source": "inbound"})
    assert "3 events behind" in line and "5 authors this node does not know yet" in line, line
    # The dashboard's network health says them as `solnet peers` does, the peer's line and the lag
    en, fr = (page.split('id="health"')[1] for page in pages)
    assert "3 events behind · 0 events they lack, and events of 5 authors this node does not know yet" in en, en
    assert "3 events behind, and events of 5 authors this node does not know yet</dd>" in en, en
    assert ("3 événements de retard · 0 événement qui leur manque, et des événements de 5 auteurs que ce nœud "
            "ne connaît pas encore") in fr, fr


async def _shown_mid_round(tmp_path: Path) -> tuple[dict, tuple[str, str]]:
    """Calais's node, a mole's device linked to it answering its heads with made-up ones and the
    revoked device's: Calais's view of that peer once it shows a lag, and its dashboard's overview
    then (in English and French)."""
    calais, mole, network_id, (device, gone, *_) = network_with_a_mole(tmp_path)
    for i in range(3):
        mole.log.append(gone, "need", {"category": "tents", "quantity": i + 1, "region": "calais"})
    membership.revoke(mole.log, mole.keys, bytes(gone.public), from_seq=4)  # `gone` may sign seqs 1-3 only
    # What Calais is shown holds none of the revoked device's events
    credentials = tuple(w for w in mole.credentials() if decode_event(w).author != bytes(gone.public))
    node = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), sync_interval_s=3600)
    served = await serve(create_app(node), "127.0.0.1", 0)
    try:
        peer = await HostilePeer.connect(f"127.0.0.1:{served.port}", network_id, device, credentials)
        try:
            await peer.send(Offer(os.urandom(32), 0))
            heads: list = []
            while True:
                reply = await peer.receive(WAIT_S)
                if isinstance(reply, (Heads, MoreHeads)):
                    heads += reply.heads
                if isinstance(reply, Heads):
                    break
            made_up = [(os.urandom(32), MAX_SEQ - 1, bytes(8)) for _ in range(5)]
            revoked = (bytes(gone.public), MAX_SEQ - 1, bytes(8))  # Calais holds its vouch, none of its events
            await peer.send(Heads((*heads, *made_up, revoked)))
            view: dict = {}

            def shown() -> bool:
                nonlocal view
                view = next((v for v in node.peer_views(now_ms()) if v.get("device") == bytes(device.public).hex()), {})
                return view.get("behind") is not None

            await until(shown, "the peer's lag shown", WAIT_S)
            pages = await _overviews(f"http://127.0.0.1:{served.port}", calais.home.path)
        finally:
            await peer.close()
    finally:
        await served.close()
        mole.log.store.close()
    return view, pages


async def _overviews(url: str, home: Path) -> tuple[str, str]:
    """The dashboard's overview at `url`, logged in as the admin: in English, then in French."""
    token, _ = login_links.create(home)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                     timeout=aiohttp.ClientTimeout(total=WAIT_S)) as http:
        status, _, text = await use_link(http, f"{url}/login/link?token={token}")
        assert status == 303, text
        pages = []
        for lang in ("en", "fr"):
            async with http.get(f"{url}/?lang={lang}") as r:
                assert r.status == 200
                pages.append(await r.text())
    return pages[0], pages[1]
