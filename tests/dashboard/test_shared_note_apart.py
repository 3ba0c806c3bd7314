"""On the coordinator's desk, the parts of a cell are read apart (a screen reader's pause, as between
its other parts): the note of how many of a sum's rows are for chosen groups only was read into the
sum's last number, "blankets: 45 items 1 of 2 for chosen groups only", "il manque 45 pièces sur 45
1 sur 2 ...": two numbers run together, the total misheard. So was a fund's line of declined pledges."""
from __future__ import annotations

import re

from chosen_groups import publish_for_bristol
from page_text import visible_text
from test_fundraiser_decline_page import reply_from_bristol


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


async def test_declined_pledges_are_read_apart_from_the_money_raised(sample, start_node) -> None:
    """The line under a fund's sum (pledges its group declined) is a line of its own to the eye, and was
    read into the sum: "5,000 EUR (0%) 1 pledge declined ..."."""
    fund = sample.ids["fundraiser"]
    pledge = reply_from_bristol(*sample.nodes, "fundraiser.update", {"fundraiser": fund, "pledge": "9999"})
    node = await start_node(sample.nodes[0])
    await node.log_in()
    await node.node.publish("fundraiser.decline", {"fundraiser": fund, "decline": pledge})
    for lang, said in (("en", r"\(\d+%\), 1 pledge declined by its fundraiser's group"),
                       ("fr", r"\(\d+\s?%\), 1 promesse refusée")):
        async with node.client.get(f"/?lang={lang}") as r:
            row = _said_row(await r.text(), "calais")
        assert re.search(said, row), (lang, row)
