"""The overview's support requests: those waiting for a group first, the most urgent first; its
needs, the most urgent first.

They were listed newest first alone: 55 newer requests of low urgency filled the first page, and a
family's urgent request for housing, posted before them and waiting for a group, was on page 2,
behind "9 older ones are not shown here", while the desk counted it among those waiting. 55 newer
needs for books put an urgent one for blankets on page 2 likewise."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from test_http import get
from test_section_pages import _keys
from page_text import PASSPHRASE
from node import publishing
from node.dashboard import pages
from node.dashboard.pages import MAX_ITEMS


async def _overview_of_lille(sample, start_node, kinds: list[tuple[str, dict[str, str]]]) -> tuple[list[str], str]:
    """The ids of `kinds` published in this order by the first node, and its overview of lille."""
    node_home = sample.nodes[0]
    log, keys = node_home.home.log(), node_home.home.keys(PASSPHRASE)
    try:
        ids = [publishing.publish(log, keys, kind, {"region": "lille", **fields}).id.hex() for kind, fields in kinds]
    finally:
        log.store.close()
    node = await start_node(node_home)
    await node.log_in()
    status, page, _ = await get(node.client, "/?region=lille")
    assert status == 200
    return ids, page


async def test_an_urgent_request_waiting_is_first_before_newer_ones_of_low_urgency(sample, start_node) -> None:
    request: Callable[..., tuple[str, dict[str, Any]]] = lambda **f: ("support.request", {"people": "1", **f})
    ids, page = await _overview_of_lille(sample, start_node, [
        request(type="housing", urgency="high"), request(type="legal", urgency="medium"),
        *[request(type="legal_information", urgency="low")] * (MAX_ITEMS + 5)])
    assert _keys(page, "support-list")[:2] == ids[:2], _keys(page, "support-list")[:3]
    assert "7 more are not shown here." in page


async def test_an_urgent_need_is_first_before_newer_ones(sample, start_node) -> None:
    ids, page = await _overview_of_lille(sample, start_node, [
        ("need", {"category": "blankets", "quantity": "30", "urgency": "high"}),
        *[("need", {"category": "books", "quantity": str(i + 1)}) for i in range(MAX_ITEMS + 5)]])
    assert _keys(page, "needs-list")[0] == ids[0], _keys(page, "needs-list")[:3]
    assert "6 more are not shown here." in page and "More needs, page 2" in page


def test_those_waiting_for_a_group_come_before_those_taken() -> None:
    def request(key: str, status: str, urgency: str) -> dict[str, str]:
        return {"id": key, "status": status, "urgency": urgency}

    newest_first = [request("taken-high", "claimed", "high"), request("waiting-low", "open", "low"),
                    request("closed", "closed", "high"), request("waiting-high", "open", "high"),
                    request("taken-low", "claimed", "low"), request("waiting-high-older", "open", "high")]
    assert [r["id"] for r in pages._open_requests(newest_first)] == [
        "waiting-high", "waiting-high-older", "waiting-low", "taken-high", "taken-low"]
