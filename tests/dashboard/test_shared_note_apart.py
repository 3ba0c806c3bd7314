"""On the coordinator's desk, the note of how many of a sum's rows are for chosen groups only is
read apart from the sum (a screen reader's pause, as between the other parts of a desk cell): it
was read into the sum's last number, "blankets: 45 items 1 of 2 for chosen groups only", "il manque
45 pièces sur 45 1 sur 2 ...": two numbers run together, the total misheard."""
from __future__ import annotations

import re

from chosen_groups import publish_for_bristol
from page_text import visible_text


def _said_row(html: str, region: str) -> str:
    """The desk row of `region` as a screen reader reads it: its text, a hidden pause ', ' kept."""
    row = re.search(rf'<tr data-key="region-{region}".*?</tr>', html, re.S)
    assert row, html
    return re.sub(r" +,", ",", " ".join(visible_text(row.group(0)).split()))


async def test_the_shared_note_is_read_apart_from_the_sum(sample, start_node) -> None:
    calais, bristol = sample.nodes
    publish_for_bristol(calais, bristol, [("offer", {"category": "blankets", "quantity": "5", "region": "bristol"}),
                                          ("fundraiser", {"title": "Fund 9", "goal": "900", "currency": "GBP",
                                                          "region": "bristol"})])
    node = await start_node(calais)
    await node.log_in()
    for lang, offers, fund in (("en", "blankets: 45 items, 1 of 2 for chosen groups only",
                                r"of 900 GBP \(0%\), for chosen groups only"),
                               ("fr", "couvertures : 45 pièces, 1 sur 2 pour des groupes choisis seulement",
                                r"sur 900 GBP \(0\s?%\), pour des groupes choisis seulement")):
        async with node.client.get(f"/?lang={lang}") as r:
            row = _said_row(await r.text(), "bristol")
        assert offers in row, (lang, row)  # the sample's 40 open blankets and the 5 for Bristol
        assert re.search(fund, row), (lang, row)
