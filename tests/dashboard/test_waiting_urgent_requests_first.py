"""The overview's support requests: those waiting for a group first, the most urgent first.

They were listed newest first alone: 55 newer requests of low urgency filled the first page, and a
family's urgent request for housing, posted before them and waiting for a group, was on page 2,
behind "9 older ones are not shown here", while the desk counted it among those waiting."""
from __future__ import annotations

from test_http import get
from test_section_pages import _keys
from page_text import PASSPHRASE
from node import publishing
from node.dashboard import pages
from node.dashboard.pages import MAX_ITEMS


async def test_an_urgent_request_waiting_is_first_before_newer_ones_of_low_urgency(sample, start_node) -> None:
    node_home = sample.nodes[0]
    log, keys = node_home.home.log(), node_home.home.keys(PASSPHRASE)
    try:
        urgent = publishing.publish(log, keys, "support.request", {
            "region": "lille", "type": "housing", "people": "3-5", "urgency": "high"}).id.hex()
        medium = publishing.publish(log, keys, "support.request", {
            "region": "lille", "type": "legal", "people": "1", "urgency": "medium"}).id.hex()
        for _ in range(MAX_ITEMS + 5):
            publishing.publish(log, keys, "support.request", {
                "region": "lille", "type": "legal_information", "people": "1", "urgency": "low"})
    finally:
        log.store.close()
    node = await start_node(node_home)
    await node.log_in()
    status, page, _ = await get(node.client, "/?region=lille")
    assert status == 200
    assert _keys(page, "support-list")[:2] == [urgent, medium], _keys(page, "support-list")[:3]
    assert "7 more are not shown here." in page


def test_those_waiting_for_a_group_come_before_those_taken() -> None:
    def request(key: str, status: str, urgency: str) -> dict[str, str]:
        return {"id": key, "status": status, "urgency": urgency}

    newest_first = [request("taken-high", "claimed", "high"), request("waiting-low", "open", "low"),
                    request("closed", "closed", "high"), request("waiting-high", "open", "high"),
                    request("taken-low", "claimed", "low"), request("waiting-high-older", "open", "high")]
    assert [r["id"] for r in pages._open_requests(newest_first)] == [
        "waiting-high", "waiting-high-older", "waiting-low", "taken-high", "taken-low"]
