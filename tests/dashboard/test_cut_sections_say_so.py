"""Every section of the overview that shows some of its items says that others are not shown.

The overview shows 50 items a section. Support requests, needs and fundraisers said how many older
ones they left out; the offers, who can take whom (support offered) and what happened did not: a
coordinator's network with 441 open offers, 87 support offers and 144 past actions showed 50 of
each as if that were all. Each says so now (en, fr), and where the dashboard shows more: a region's
page (it named the command that lists them all, a shell a dashboard-only coordinator does not have)."""
from __future__ import annotations

import re

from page_text import PASSPHRASE, visible_text
from test_http import get

from node.clock import now_ms
from node.dashboard.pages import MAX_ITEMS

DAY_MS = 86_400_000


def _after_list(page: str, list_id: str) -> str:
    """The visible text between the list and the end of its section."""
    found = re.search(rf'<ul class="items[^"]*" id="{list_id}".*?</ul>(.*?)</section>', page, re.S)
    assert found, f"no {list_id} on the page"
    return visible_text(found.group(1))


async def test_offers_support_offered_and_past_actions_beyond_the_page_are_said(sample, start_node) -> None:
    calais = sample.nodes[0]
    log = calais.home.log()
    device = calais.home.keys(PASSPHRASE).device
    now = now_ms()
    try:
        for i in range(MAX_ITEMS + 5):
            log.append(device, "offer", {"category": "tents", "quantity": 3 + i, "region": "calais"}, offline=True)
            log.append(device, "support.offer", {"region": "calais", "type": "housing", "capacity": 1 + i % 4},
                       offline=True)
            started = now - 2 * DAY_MS - i * 3_600_000
            log.append(device, "action", {"title": f"Distribution {i}", "region": "calais", "type": "distribution",
                                          "starts_at": started}, now=started - DAY_MS, offline=True)
    finally:
        log.store.close()
    node = await start_node(calais)
    await node.log_in()
    _, page, _ = await get(node.client, "/?lang=en")
    # In the dashboard's words (a coordinator with the dashboard alone has no shell to run `solnet view` in):
    # a region's own page; on it, that the dashboard has no more to show
    _, in_region, _ = await get(node.client, "/?region=calais&lang=en")
    for list_id in ("offers-list", "capacity-list", "happened-list"):
        said = _after_list(page, list_id)
        assert ("not shown here: a region's page lists that region's alone (the region names at the top of this page, "
                "after “All regions”).") in said, said
        said = _after_list(in_region, list_id)
        assert "Older ones of this region are not shown here: the dashboard lists the newest only." in said, said
        assert "solnet" not in said, said
    _, page, _ = await get(node.client, "/?lang=fr")
    assert "ne sont pas affichées ici\u202f: la page d’une région" in _after_list(page, "offers-list")
