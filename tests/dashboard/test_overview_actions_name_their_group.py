"""The overview's "later" actions and the desk's "next action" of each region gave an action's title
alone, never the group that posted it: a member group's "Calais: march to the port" passed for
Calais's to the coordinator reading the overview (the fundraisers there, the public page and the
feeds name the poster first since session 57). Each now names its group first, before its title."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from page_text import visible_text
from test_fundraiser_decline_page import reply_from_bristol
from test_http import get

TRAP = "Calais: march to the port"


def _iso(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) + delta).strftime("%Y-%m-%dT%H:%MZ")


def _said(html_part: str) -> str:
    return " ".join(visible_text(html_part).split()).replace(" :", ":")  # (each element read apart)


async def test_later_actions_and_the_desks_next_action_name_their_group_first(sample, start_node) -> None:
    soon = reply_from_bristol(*sample.nodes, "action", {"title": TRAP, "region": "calais", "type": "protest",
                                                        "starts_at": _iso(timedelta(minutes=30))})
    later = reply_from_bristol(*sample.nodes, "action", {"title": "Calais: vigil", "region": "calais",
                                                         "type": "protest", "starts_at": "2030-01-01T10:00Z"})
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, page, _ = await get(node.client, "/", headers={"Accept-Language": "en"})
    item = re.search(rf'<li data-key="{later}">.*?<div class="item-main">(.*?)</li>', page[page.index('id="later-list"'):],
                     re.S)
    assert item is not None, page
    assert _said(item.group(1)).startswith("Bristol: Calais: vigil"), _said(item.group(1))
    cell = re.search(rf'<td data-label="Next action">((?:(?!</td>).)*{soon}.*?)</td>', page, re.S)
    assert cell is not None, page
    assert _said(cell.group(1)).startswith(f"Bristol: {TRAP}"), _said(cell.group(1))
