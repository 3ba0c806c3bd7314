"""The overview's words for long sections and capped desk cells, as a coordinator reads them.

- French paging lines were masculine for every section ("Plus de 950 plus anciens ne sont pas
  affichés ici", "Page 2, les plus anciens") though support requests and fundraisers are feminine:
  each section has its own words now.
- Every capped desk cell repeated "counted from the newest entries only (...)" (6 cells x 8 regions):
  each capped cell says "(newest only)", the desk says what that means once.
- The requests cell read "0 taken" and then ", 20 waiting for a group" on the next line (the comma
  outside the block): both and the comma are on one line now.
"""
from __future__ import annotations

import re

from page_text import PASSPHRASE
from test_http import get

from node import publishing
from node.dashboard.pages import MAX_ITEMS

MANY = MAX_ITEMS + 5


async def test_paging_words_agree_and_the_cap_is_said_once(sample, start_node) -> None:
    node_home = sample.nodes[0]
    log, keys = node_home.home.log(), node_home.home.keys(PASSPHRASE)
    try:
        for i in range(MANY):
            publishing.publish(log, keys, "support.request", {"region": "lille", "type": "housing", "people": "1",
                                                              "urgency": "high"})
            publishing.publish(log, keys, "need", {"category": "tents", "quantity": str(i + 1), "region": "lille"})
            publishing.publish(log, keys, "fundraiser", {"title": f"Fund {i}", "goal": "100", "currency": "EUR",
                                                         "region": "lille"})
    finally:
        log.store.close()
    node = await start_node(node_home)
    await node.log_in()
    fr = {"Accept-Language": "fr"}

    _, page, _ = await get(node.client, "/?region=lille", headers=fr)
    def pager(section: str, text: str) -> str:
        return text.split(f'id="{section}-title"')[1].split('class="more pager">')[1].split("</p>")[0]
    assert "5 autres ne sont pas affichées ici." in pager("support", page), pager("support", page)
    assert "5 plus anciennes ne sont pas affichées ici." in pager("funds", page), pager("funds", page)
    assert "5 autres ne sont pas affichés ici." in pager("needs", page), pager("needs", page)
    _, second, _ = await get(node.client, "/?region=lille&support_page=2", headers=fr)
    assert "Page 2, les suivantes\u202f:" in pager("support", second), pager("support", second)

    _, page, _ = await get(node.client, "/?region=lille", headers={"Accept-Language": "en"})
    row = page.split('id="desk-lille"')[1].split("</tr>")[0]
    cells = row.split("<td ")[1:]
    capped = [c for c in cells if "(newest only)" in c]
    assert len(capped) >= 3, row  # needs, requests, money: each marked in its cell
    assert "counted from the newest entries only" not in row
    assert page.count("counted from the newest entries only") == 1 and 'id="desk-capped"' in page
    # "N taken, M waiting for a group": one element, the comma inside it
    assert re.search(r'<span class="req-state"><span class="taken">[^<]*</span>, <span class="waiting', row), row
