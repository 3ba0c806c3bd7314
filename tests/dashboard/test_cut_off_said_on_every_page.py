"""Every page the admin reads says that the node is cut off, and since when, in the same words.

Only the overview said it: a coordinator who opened an alert's page from a notification, filled in an
alert form, or read the groups' "last heard" on a node that had heard from no other node for hours was
never told that what the page shows may be missing alerts."""
from __future__ import annotations

import re

from page_text import visible_text
from test_http import get

from node.clock import now_ms
from node.cut_off import CUT_OFF_AFTER_MS


def _banner(page: str) -> str:
    found = re.search(r'<p class="cut-off" id="cut-off">(.*?)</p>', page, re.S)
    assert found, page[:2000]
    return visible_text(found[1])


async def test_every_admin_page_says_cut_off_in_the_overview_words(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, page, _ = await get(node.client, f"/event/{sample.ids['alert']}")
    assert 'id="cut-off"' not in page  # (it hears from no peer, but not for long yet)
    node.node._started_ms = now_ms() - CUT_OFF_AFTER_MS - 3 * 3_600_000  # no link for 3 hours and 2 min
    _, overview, _ = await get(node.client, "/?lang=en")
    said = _banner(overview)
    assert "it has heard from no other node for 3 hours." in said and "Cut off since" in said, said
    for path in (f"/event/{sample.ids['alert']}", f"/fragment/event/{sample.ids['alert']}", "/groups",
                 "/?region=calais", "/publish", "/publish/alert", "/admin/wipe"):
        _, page, _ = await get(node.client, path + "?lang=en" if "?" not in path else path + "&lang=en")
        assert page.count('id="cut-off"') == 1, path
        assert _banner(page) == said, path
    _, page, _ = await get(node.client, "/groups?lang=fr")
    assert "depuis 3 heures." in _banner(page) and "Coupé depuis" in _banner(page)
