"""A section of the overview with more than it shows (pages.MAX_ITEMS) links on to the rest: the
support requests, needs and fundraisers beyond the newest 50 were out of reach (a coordinator saw
50 of a region's 300 open requests, "and more", and no way to the ones that had waited longest).
Each page lists the next ones, older, with no item on two pages and none skipped."""
from __future__ import annotations

import html
import re

from test_http import get
from page_text import PASSPHRASE
from node import publishing
from node.dashboard import pages
from node.dashboard.pages import MAX_ITEMS

REQUESTS = 2 * MAX_ITEMS + 20  # three pages: 50, 50, 20


def _keys(page: str, list_id: str) -> list[str]:
    """The event ids one list of the page shows, in order."""
    found = re.search(rf'<ul class="items[^"]*" id="{list_id}">(.*?)</ul>', page, re.S)
    return re.findall(r'<li data-key="([0-9a-f]+)">', found[1]) if found else []


def _link(page: str, name: str) -> str:
    """The href of the link named `name` (its whole text)."""
    return html.unescape(re.search(rf'<a href="([^"]+)">{re.escape(name)}</a>', page)[1])


async def test_each_long_section_links_on_to_the_rest_with_nothing_repeated_or_skipped(sample, start_node) -> None:
    node_home = sample.nodes[0]
    log, keys = node_home.home.log(), node_home.home.keys(PASSPHRASE)
    try:
        requests = [publishing.publish(log, keys, "support.request", {
            "region": "lille", "type": "housing", "people": "1", "urgency": "high"}).id.hex() for _ in range(REQUESTS)]
        needs = [publishing.publish(log, keys, "need", {
            "category": "tents", "quantity": str(i + 1), "region": "lille"}).id.hex() for i in range(MAX_ITEMS + 5)]
        funds = [publishing.publish(log, keys, "fundraiser", {
            "title": f"Fund {i}", "goal": "100", "currency": "EUR", "region": "lille"}).id.hex()
                 for i in range(MAX_ITEMS + 5)]
    finally:
        log.store.close()
    node = await start_node(node_home)
    await node.log_in()

    status, first, _ = await get(node.client, "/?region=lille")
    assert status == 200
    seen = _keys(first, "support-list")
    assert len(seen) == MAX_ITEMS
    assert f"{REQUESTS - MAX_ITEMS} more are not shown here." in first
    href = _link(first, "More support requests, page 2")
    assert href == "/?region=lille&support_page=2"

    _, second, _ = await get(node.client, href)
    page2 = _keys(second, "support-list")
    assert len(page2) == MAX_ITEMS
    assert f"{REQUESTS - 2 * MAX_ITEMS} more are not shown here." in second
    _, third, _ = await get(node.client, _link(second, "More support requests, page 3"))
    page3 = _keys(third, "support-list")
    after_list = third.split('id="support-list"')[1].split('id="capacity-title"')[0]
    assert "More support requests, page 4" not in third and "more are not shown" not in after_list
    assert _link(third, "First page of support requests") == "/?region=lille&support_page=1"
    together = seen + page2 + page3
    assert len(together) == len(set(together)) == REQUESTS  # none twice, none skipped
    assert set(together) == set(requests)
    assert page3[-1] == requests[0]  # the one that waited longest is on the last page, last
    # The other sections' first pages on the later ones stay as they were
    assert _keys(second, "needs-list") == _keys(first, "needs-list")

    for list_id, name, key, published in (("needs-list", "More needs", "needs_page", needs),
                                          ("funds-list", "Older fundraisers", "funds_page", funds)):
        shown = [k for k in _keys(first, list_id) if k in published]
        assert len(shown) == MAX_ITEMS
        href = _link(first, f"{name}, page 2")
        assert href == f"/?region=lille&{key}=2"
        _, later, _ = await get(node.client, href)
        rest = _keys(later, list_id)
        assert "1 older one" not in later and "1 more is" not in later and f"{name}, page 3" not in later
        assert set(shown) | set(rest) == set(published) and not set(shown) & set(rest)

    _, french, _ = await get(node.client, "/?region=lille&lang=fr")
    assert "Autres demandes de soutien, page 2" in french


async def test_the_last_page_reached_says_where_the_older_ones_are(sample, start_node, monkeypatch) -> None:
    """Beyond the rows a section's pages read (pages.DEEP), its last page said "More than 0 older ones
    are not shown here." and linked nowhere: a coordinator with 3,600 open needs reached 1,000 of them
    and was told a wrong number and no way on. It says that the dashboard has no more to show (it named a
    shell command: a coordinator on the dashboard alone has no shell)."""
    monkeypatch.setattr(pages, "DEEP", 2 * MAX_ITEMS)  # (1,000 rows in the node: 100 here, as fast to reach)
    monkeypatch.setattr(pages, "COUNTED", 2 * MAX_ITEMS)
    node_home = sample.nodes[0]
    log, keys = node_home.home.log(), node_home.home.keys(PASSPHRASE)
    try:
        for i in range(2 * MAX_ITEMS + 10):
            publishing.publish(log, keys, "need", {"category": "tents", "quantity": str(i + 1), "region": "lille"})
    finally:
        log.store.close()
    node = await start_node(node_home)
    await node.log_in()

    _, first, _ = await get(node.client, "/?region=lille")
    assert "50 or more others are not shown here." in first
    _, last, _ = await get(node.client, _link(first, "More needs, page 2"))
    assert len(_keys(last, "needs-list")) == MAX_ITEMS
    assert "0 or more" not in last and "More needs, page 3" not in last
    assert "Older ones of this region are not shown here: the dashboard lists the newest only." in last
    _, french, _ = await get(node.client, "/?region=lille&needs_page=2&lang=fr")
    assert "le tableau de bord ne liste que les plus récents" in french and "Au moins 0" not in french


async def test_a_first_page_counts_what_follows_among_fewer_rows_than_its_later_pages_list(
        sample, start_node, monkeypatch) -> None:
    """A first page says how many follow it among pages.COUNTED rows ("or more" past them), not
    among the DEEP rows its later pages list: counting a thousand rows per section on every first
    page was a third of the overview's time at 100k events. The next page still lists them all."""
    monkeypatch.setattr(pages, "COUNTED", 2 * MAX_ITEMS)  # (300 rows in the node: 100 here)
    node_home = sample.nodes[0]
    log, keys = node_home.home.log(), node_home.home.keys(PASSPHRASE)
    try:
        needs = [publishing.publish(log, keys, "need", {
            "category": "tents", "quantity": str(i + 1), "region": "lille"}).id.hex() for i in range(3 * MAX_ITEMS)]
    finally:
        log.store.close()
    node = await start_node(node_home)
    await node.log_in()

    _, first, _ = await get(node.client, "/?region=lille")
    assert "50 or more others are not shown here." in first  # (100 rows counted: 50 after the first page)
    _, second, _ = await get(node.client, _link(first, "More needs, page 2"))
    assert f"{MAX_ITEMS} more are not shown here." in second and "or more" not in second
    _, third, _ = await get(node.client, _link(second, "More needs, page 3"))
    together = _keys(first, "needs-list") + _keys(second, "needs-list") + _keys(third, "needs-list")
    assert len(together) == len(set(together)) and set(together) == set(needs)
