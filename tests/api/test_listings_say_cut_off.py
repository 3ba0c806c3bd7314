"""Every listing of the API (the read models, /events) says since when the node has heard from no
other node, once it counts as cut off (`cut_off_since`, the rule of /status and the dashboard).

A bot polling /api/v1/alerts read `{"items": []}` from a node that had heard nothing for a day as
from one that had just synced: it posted "no raid reported" to a group chat while a raid alert
waited on another node."""
from __future__ import annotations

from node.clock import now_ms
from node.cut_off import CUT_OFF_AFTER_MS
from node.views import VIEWS

DAY_MS = 86_400_000


async def test_every_listing_says_since_when_the_node_is_cut_off(api):
    node = api.node
    node._started_ms = now_ms()  # as `solnet run` starts it: its peer loops run, it has no link yet
    for name in ("alerts", "regions", "needs"):
        body = await api.get(f"/api/v1/{name}")
        assert "cut_off_since" in body and body["cut_off_since"] is None, body  # just started: not cut off
    assert (await api.get("/api/v1/events?limit=1"))["cut_off_since"] is None

    node._started_ms = now_ms() - DAY_MS  # a day with no link to any peer
    since = (await api.get("/api/v1/status"))["node"]["cut_off_since"]
    assert since is not None and now_ms() - since >= CUT_OFF_AFTER_MS
    for name in VIEWS:
        body = await api.get(f"/api/v1/{name}?limit=1")
        assert body["cut_off_since"] == since, (name, body)
    assert (await api.get("/api/v1/alerts?region=calais"))["cut_off_since"] == since
    assert (await api.get("/api/v1/events?kind=alert"))["cut_off_since"] == since
