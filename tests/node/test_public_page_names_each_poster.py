"""The public page (/public/ and `solnet export-site`) listed a fundraiser by its title, region and how
to give, and never the group that posted it; an action named its group after the time and place,
and not at all where the group had no profile here. A member group that opted in posted "Calais bail
fund", how to give: its own IBAN, and passed for Calais before every visitor: money meant for Calais
went to the mole. Each action and fundraiser now names its posting group first, before the poster's
own words, as the alerts there do."""
from __future__ import annotations

import re
from pathlib import Path

from node import publishing
from node.dashboard.app import render_public
from node.log import now_ms
from node.public_site import public_data
from node_fixtures import Net, wires
from test_audiences import _group

LINKS = {k: "#" for k in ("alerts_atom", "actions_atom", "calendar", "region_calendar", "funds_atom")}


def _item(page: str, prefix: str, event_id: bytes) -> str:
    found = re.search(rf'<li id="{prefix}-{event_id.hex()}">(.*?)</li>', page, re.S)
    assert found is not None, page
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_each_action_and_fundraiser_names_its_group_first(net: Net, tmp_path: Path) -> None:
    mole, keys = _group(net, "Cardiff")
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + mole.made))
    publishing.publish(log, keys, "group.profile", {"name": "Cardiff", "region": "cardiff", "public_feeds": "yes"})
    fund = publishing.publish(log, keys, "fundraiser", {"title": "Calais bail fund", "goal": "1000", "currency": "EUR",
                                                        "region": "calais", "how_to_give": "IBAN XX00 MOLE"})
    march = publishing.publish(log, keys, "action", {"title": "Calais march", "region": "calais", "type": "protest",
                                                     "starts_at": "2030-01-01T10:00Z"})
    data = public_data(log, now_ms())
    for lang, colon in (("en", ":"), ("fr", "\u202f:")):
        page = render_public(data, lang, LINKS, as_of=now_ms())
        assert _item(page, "fund", fund.id).lstrip().startswith(f"Cardiff{colon} Calais bail fund"), lang
        assert _item(page, "action", march.id).lstrip().startswith(f"Cardiff{colon} Calais march"), lang
