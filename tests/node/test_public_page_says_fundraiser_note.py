"""The public page (served at /public/ and written by `solnet export-site`) said of a fundraiser how
much was raised and how to give, but not its group's note on its newest report: a donor reading
"goal reached, thank you: stop sending" nowhere went on sending money to the bank details beside it,
though the Atom feed said the note. Now the page says it, before how to give, in either language."""
from __future__ import annotations

from pathlib import Path

from node.dashboard.app import render_public
from node.log import now_ms
from node.public_site import public_data
from node_fixtures import Net, wires

HOUR = 3_600_000
NOTE = "goal reached: stop sending"


def test_the_public_page_says_the_groups_note_before_how_to_give(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    d = net.device
    fund = d.sign("fundraiser", {"title": "Bail fund", "goal": 100000, "currency": "EUR", "region": "calais",
                                 "how_to_give": "IBAN FR76 0000"}, ts=now - 3 * HOUR)
    d.sign("fundraiser.update", {"fundraiser": fund.id, "raised": 100000, "note": NOTE}, ts=now - HOUR)
    net.group.sign("group.profile", {"name": "Calais", "region": "calais", "public_feeds": "yes"})
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + d.made), now=now)
    data = public_data(log, now)
    for lang, says, give in (("en", "Its group says:", "How to give:"), ("fr", "Le groupe dit\u202f:", "Comment donner")):
        page = render_public(data, lang, {k: "#" for k in ("alerts_atom", "actions_atom", "calendar",
                                                            "region_calendar", "funds_atom")}, as_of=now)
        assert f"{says} <bdi>{NOTE}</bdi>" in page, lang
        assert page.index(NOTE) < page.index(give) < page.index("IBAN FR76 0000"), lang
