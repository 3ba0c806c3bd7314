"""The public page inserted the groups' texts bare (an alert's text and location, an action's title,
place and description, a fundraiser's title): an Arabic location reordered the line around it, and a
screen reader read every text in the page's language. The public data carries the languages of the
shown items' groups now (as their profiles say), and the page isolates each text (`bdi`, `dir`)
and marks its language as the members' pages do."""
from __future__ import annotations

import re
from pathlib import Path

from node.log import now_ms
from node_fixtures import Net, wires

PLACE = "ساحة المحطة"  # the station square


def test_the_public_page_marks_each_group_text_with_its_language(net: Net, tmp_path: Path) -> None:
    from node.dashboard.app import STATIC_LINKS, render_public
    from node.public_site import public_data

    # (times taken as the test runs: taken at import, an alert signed late in a slow run ended before its stamp)
    until, start = (now_ms() // 60_000 + 120) * 60_000, now_ms() + 86_400_000
    profile = net.group.sign("group.profile", {"name": "Calais", "region": "calais", "public_feeds": "yes",
                                               "languages": ["ar"]})
    events = [profile,
              net.device.sign("alert", {"region": "calais", "type": "raid", "text": "شرطة عند المخيم",
                                        "location": PLACE, "public": "yes"}, expires=until),
              net.device.sign("action", {"title": "وقفة", "region": "calais", "type": "protest", "starts_at": start,
                                         "place": PLACE, "description": "تعالوا"}),
              net.device.sign("fundraiser", {"title": "خيام", "goal": 10_000, "currency": "EUR", "region": "calais"})]
    log = net.new_log(tmp_path / "p.db")
    assert all(o.status == "accepted" for o in log.ingest(wires([*net.group.made[:-1], *events]))[-len(events):])
    data = public_data(log, now_ms())
    assert list(data.languages.values()) == [["ar"]], data.languages
    page = render_public(data, "en", STATIC_LINKS)
    for text in (PLACE, "شرطة عند المخيم", "وقفة", "تعالوا", "خيام"):
        assert re.search(rf'<(bdi|span)[^>]* lang="ar">{text}</', page), (text, page)
    assert page.count(f'<bdi lang="ar">{PLACE}</bdi>') == 2, page  # the alert's location, the action's place
