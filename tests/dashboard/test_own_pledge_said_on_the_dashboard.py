"""A fundraiser's own group's "pledge" (publishing refuses it; an older version or a hand-signed event
still sends one) is left out of what the fundraiser's page and the overview call pledged, and `solnet
view fundraisers` says it apart ("not counting 500.00 EUR pledged by its own group"). The dashboard
dropped it without a word: the group's coordinator, who sees it in the CLI, found it nowhere on its
pages. Both now say it apart, in English and French."""
from __future__ import annotations

import re

from page_text import PASSPHRASE, visible_text
from test_http import get

SAID = {"en": "not counting 500 EUR pledged by its own group", "fr": "sans compter 500 EUR promis par son propre groupe"}


async def test_an_own_pledge_is_said_apart_on_the_fundraisers_page_and_the_overview(sample, start_node) -> None:
    calais, _ = sample.nodes
    fund = sample.ids["fundraiser"]
    log, keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:  # signed as publishing would refuse it: what a peer's older version sends
        log.append(keys.device, "fundraiser.update", {"fundraiser": bytes.fromhex(fund), "pledge": 50_000}, offline=True)
    finally:
        log.store.close()
    node = await start_node(calais)
    await node.log_in()
    for lang, said in SAID.items():
        _, page, _ = await get(node.client, f"/event/{fund}?lang={lang}")
        assert said in " ".join(visible_text(page).split()), (lang, visible_text(page))
        _, overview, _ = await get(node.client, f"/?lang={lang}")
        item = re.search(rf'<li data-key="{fund}">(.*?)</li>', overview, re.S)
        assert item is not None and said in " ".join(visible_text(item.group(1)).split()), (lang, item)
