"""A fundraiser's entry in the public Atom feed said how much was raised, but its `updated` stayed
at the fundraiser's own time: when its group reported the goal reached, feed readers (which show an
entry again only when its `updated` moves) kept "0.00 of 2,000.00 GBP raised (0 %)", and the public
page's "newest" did not move either. The read model now says when what a fundraiser says last
changed (`updated_at`: its newest counted report, pledge or decline), and the entry carries it."""
from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from node.log import now_ms
from node.public_site import fundraisers_atom, public_data
from node_fixtures import Net, wires

ATOM = "{http://www.w3.org/2005/Atom}"
HOUR = 3_600_000


def _entry(feed: bytes) -> tuple[str, str]:
    """The one entry's `updated` and its text."""
    [entry] = ElementTree.fromstring(feed).iter(f"{ATOM}entry")
    return entry.findtext(f"{ATOM}updated") or "", entry.findtext(f"{ATOM}content") or ""


def test_a_goal_reached_moves_the_fundraisers_feed_entry(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    d = net.device
    fund = d.sign("fundraiser", {"title": "Winter tents", "goal": 200000, "currency": "GBP", "region": "calais"},
                  ts=now - 3 * HOUR)
    net.group.sign("group.profile", {"name": "Calais", "region": "calais", "public_feeds": "yes"})
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + d.made), now=now)
    first_updated, first_text = _entry(fundraisers_atom(public_data(log, now)))
    assert "0.00 of 2,000.00 GBP raised (0 %)" in first_text

    report = d.sign("fundraiser.update", {"fundraiser": fund.id, "raised": 210050, "note": "thank you all"},
                    ts=now - HOUR)
    log.ingest(wires([report]), now=now)
    data = public_data(log, now)
    updated, text = _entry(fundraisers_atom(data))
    assert "2,100.50 of 2,000.00 GBP raised (105 %)" in text
    assert updated > first_updated  # a feed reader shows the entry again, with the goal reached
    assert data.newest() == now - HOUR  # and the public page's "newest" says when
    assert data.fundraisers[0]["updated_at"] == now - HOUR


def test_the_groups_note_on_its_report_is_said(net: Net, tmp_path: Path) -> None:
    """The note of a fundraiser's newest report ("goal reached, thank you: stop sending") was said by
    no list, page nor `show`: people went on sending money. Now the read model, `view fundraisers`,
    `show` and the feed say it."""
    from node.render import state_text, view_line
    from node.views import view

    now = now_ms()
    d = net.device
    fund = d.sign("fundraiser", {"title": "Bail fund", "goal": 100000, "currency": "EUR", "region": "calais"},
                  ts=now - 3 * HOUR)
    d.sign("fundraiser.update", {"fundraiser": fund.id, "raised": 40000, "note": "first week"}, ts=now - 2 * HOUR)
    d.sign("fundraiser.update", {"fundraiser": fund.id, "raised": 100000, "note": "goal reached: stop sending"},
           ts=now - HOUR)
    net.group.sign("group.profile", {"name": "Calais", "region": "calais", "public_feeds": "yes"})
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + d.made), now=now)
    [item] = view(log, "fundraisers", now=now)
    assert item["note"] == "goal reached: stop sending"
    assert "goal reached: stop sending" in view_line("fundraisers", item, {})
    assert "its group says: goal reached: stop sending" in state_text("fundraiser", item)
    assert "goal reached: stop sending" in fundraisers_atom(public_data(log, now)).decode()


def test_a_pledge_does_not_move_the_public_entry_nor_say_when_it_came(net: Net, tmp_path: Path) -> None:
    """`updated_at` moves with each pledge and decline too: the public Atom entry and the page's
    newest time moved when a member pledged, telling anyone when it did. Public: reports only."""
    now = now_ms()
    d = net.device
    fund = d.sign("fundraiser", {"title": "Bail fund", "goal": 100000, "currency": "EUR", "region": "calais"},
                  ts=now - 3 * HOUR)
    d.sign("fundraiser.update", {"fundraiser": fund.id, "raised": 40000}, ts=now - 2 * HOUR)
    d.sign("fundraiser.update", {"fundraiser": fund.id, "pledge": 5000}, ts=now - HOUR)
    net.group.sign("group.profile", {"name": "Calais", "region": "calais", "public_feeds": "yes"})
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + d.made), now=now)
    from node.views import view

    assert view(log, "fundraisers", now=now)[0]["updated_at"] == now - HOUR  # (the pledge counts here)
    data = public_data(log, now)
    assert data.fundraisers[0]["updated_at"] == now - 2 * HOUR  # the report's time, not the pledge's
    assert data.newest() == now - 2 * HOUR
