"""The overview's links to events, as a screen reader lists them: two needs of "Tents: 20 items" in
one region, and an offer of 20 tents, read alike, so a member navigating by links could not tell
them apart. Each now says when it was posted (and its short id where that is alike too), as the
"could go to" links do (node/dashboard/pages.py tell_apart_listed), in English and in French."""
from __future__ import annotations

import re

from chromium import log_in, url
from local_cluster import publish

# A link in Playwright's ARIA snapshot: its accessible name, then its target.
LINK = re.compile(r"""- '?link "(.*)"'?:\n\s*- /url: (/event/\S+)""")


def test_links_to_events_that_read_alike_have_distinct_accessible_names(cluster, browser) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais)
    for _ in range(2):
        publish(calais, "need", category="tents", quantity="20", region="calais")
    publish(calais, "offer", category="tents", quantity="20", region="calais")
    publish(calais, "need", category="blankets", quantity="5", region="calais")
    page = browser.new_page()
    log_in(page, calais)
    for lang, tents, blankets in (("en", "tents: 20 items", "blankets: 5 items"),
                                  ("fr", "tentes\u202f: 20 pièces", "couvertures\u202f: 5 pièces")):
        page.goto(url(calais, f"/?lang={lang}"))
        page.locator("#needs-list > li").nth(2).wait_for()
        targets: dict[str, set[str]] = {}  # each link's accessible name -> the events it leads to
        for name, target in LINK.findall(page.locator("#needs").aria_snapshot()):
            targets.setdefault(name, set()).add(target)
        assert all(len(events) == 1 for events in targets.values()), targets  # no name for two events
        said = [" ".join(name.lower().split()) for name in targets]  # (the browser says U+202F as a space)
        alike = [name for name in said if name.startswith(" ".join(tents.split()))]
        assert len(alike) == 3, targets  # the two needs and the offer, each told apart
        assert " ".join(blankets.split()) in said, targets  # (read like no other: as it was)
