"""`solnet end-sessions` (and a new passphrase) ends the dashboard's open live streams too: the
sessions ended at once, yet a stream opened before went on up to 5 minutes (STREAM_LIFETIME_S),
telling a stolen cookie's page of every event stored as it came."""
from __future__ import annotations

import asyncio

from test_quiet_changes_said import WAIT_S, next_event


async def test_a_live_stream_ends_when_its_session_is_ended(sample, start_node, monkeypatch) -> None:
    from node.dashboard import app as dashboard_app
    monkeypatch.setattr(dashboard_app, "RECHECK_S", 0.2, raising=False)
    node = await start_node(sample.nodes[0])
    await node.log_in()
    async with node.client.get(f"/live?since={node.node.last_stored_n}") as stream:
        assert stream.status == 200
        assert (await asyncio.wait_for(stream.content.readline(), WAIT_S)).startswith(b"retry:")
        assert sum(end() for end in node.node.sign_outs) == 1  # as the node's admin channel does it
        assert await asyncio.wait_for(next_event(stream), WAIT_S) == "closed"
    async with node.client.get(f"/live?since={node.node.last_stored_n}") as again:
        assert again.status == 401
