"""The overview's list of fundraisers gave each one's title, region and sums, and never the group that
runs it (its actions name their group): a member group's "Calais bail fund" passed for Calais's to
the coordinator reading the list. Each fundraiser now names its group first, before its title."""
from __future__ import annotations

import re

from page_text import PASSPHRASE, visible_text
from node import publishing
from test_http import get


async def test_each_fundraiser_on_the_overview_names_its_group_first(sample, start_node) -> None:
    calais, _ = sample.nodes
    log, keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:
        fund = publishing.publish(log, keys, "fundraiser", {"title": "Bail fund", "goal": "900", "currency": "EUR",
                                                            "region": "calais"})
    finally:
        log.store.close()
    node = await start_node(calais)
    await node.log_in()
    _, page, _ = await get(node.client, "/")
    item = re.search(rf'<li data-key="{fund.id.hex()}">(.*?)</li>', page, re.S)
    assert item is not None, page
    said = " ".join(visible_text(item.group(1)).split())
    assert said.replace(" :", ":").startswith("Calais: Bail fund"), said  # (each element read apart)
