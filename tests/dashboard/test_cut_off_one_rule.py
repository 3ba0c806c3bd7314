"""One rule says when a node is cut off (node/cut_off.py), for `solnet status`, the API and the
dashboard alike.

`solnet status` (and the API's status, and the dashboard's "Peers" line) said "cut off since ..." as
soon as no link was open, a node just started and still dialling included, while the dashboard's
banner waited 2 minutes: a coordinator comparing them read two answers to one question.
"""
from __future__ import annotations

from page_text import visible_text
from test_http import get

from node.clock import now_ms
from node.cut_off import CUT_OFF_AFTER_MS
from node.live_status import live_status
from node.status_text import status_text
from node.words import alerts_may_be_missing


async def test_status_and_dashboard_say_cut_off_at_the_same_moment(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node
    # Just started, no link yet (it has no peer at all): neither says it is cut off.
    status = await live_status(running)
    assert status["node"]["cut_off_since"] is None, status["node"]
    assert "cut off" not in status_text(status)
    _, page, _ = await get(node.client, "/")
    assert 'id="cut-off"' not in page and "cut off since" not in visible_text(page)

    # No link for longer than the rule's span: both say it, from the same moment.
    running._started_ms = now_ms() - CUT_OFF_AFTER_MS - 60_000
    status = await live_status(running)
    since = status["node"]["cut_off_since"]
    assert since == running._started_ms, status["node"]
    assert "no other node since" in " ".join(alerts_may_be_missing(True, None, since, None))  # `view alerts`
    _, page, _ = await get(node.client, "/")
    assert 'id="cut-off"' in page and "cut off since" in visible_text(page)
