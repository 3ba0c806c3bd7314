"""A node that comes back and finds no peer has heard from no other node since its home last did,
not since its start (node/heard_before.py).

A coordinator's laptop shut overnight (a Pi off for a day) came back with no peer reachable: the
dashboard's banner said "heard from no other node for 2 min", `solnet status` and `view alerts`
"cut off since" the restart, while nothing had come in since the evening before. Two real nodes in
this process on real SQLite homes: Bristol links with Calais, both stop, Bristol starts again with
Calais gone."""
from __future__ import annotations

import pytest

from node import cut_off
from node.clock import now_ms
from node.live_status import live_status
from node.net import Node
from node.status_text import status_text
from node.words import local_time
from served_nodes import network, served_node, until  # noqa: F401  (fixture)


async def test_a_node_back_with_no_peer_is_cut_off_since_it_last_heard(network, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cut_off, "CUT_OFF_AFTER_MS", 0)  # cut off as soon as no link is open (the rule's 2 min)
    calais_local, bristol_local = network
    async with served_node(calais_local) as (_, served):
        address = f"127.0.0.1:{served.port}"
        bristol = Node(bristol_local.home, bristol_local.keys, peers=[address], sync_interval_s=3600)
        await bristol.start()
        try:
            await until(lambda: any(p.get("last_sync") for p in bristol.peer_views(now_ms())),
                         "a complete round with Calais")
        finally:
            await bristol.stop()
        last_heard = now_ms()  # Bristol's link ended before this (its stop closed it)
    # Calais is gone (its listener closed): Bristol's node comes back some time later, and dials in vain.
    await until(lambda: now_ms() > last_heard + 5, "a later moment")
    again = Node(bristol_local.home, bristol_local.keys, peers=[address], sync_interval_s=3600)
    await again.start()
    try:
        assert again.started_ms is not None and again.started_ms > last_heard
        status = await live_status(again)
        since = status["node"]["cut_off_since"]
        assert status["node"]["links"] == 0
        # Since the link of its last run ended, not since this start
        assert since is not None and since <= last_heard < again.started_ms, (since, last_heard, again.started_ms)
        assert f"cut off since {local_time(since)}" in status_text(status)
    finally:
        await again.stop()
