"""The public actions and fundraisers feeds (Atom, calendar) put the poster's own title first, and a
reader sees a title alone (cut, in a list). A member group that opted in titled its trap march
"Calais: march to the port" and passed for Calais, its own name given nowhere in the title. Each
title now names the posting group first, as the alerts do ("Cardiff: Calais: march to the port";
"CANCELLED — Cardiff: ...")."""
from __future__ import annotations

from pathlib import Path

from icalendar import Calendar

from node import publishing
from node.log import now_ms
from node.public_site import actions_atom, actions_ics, fundraisers_atom, public_data
from node_fixtures import Net, wires
from test_audiences import _group

TRAP = "Calais: march to the port"


def _titles(atom: bytes) -> list[str]:
    from xml.etree import ElementTree

    feed = ElementTree.fromstring(atom)
    return [e.findtext("{http://www.w3.org/2005/Atom}title") or "" for e in
            feed.findall("{http://www.w3.org/2005/Atom}entry")]


def test_actions_and_fundraisers_name_their_group_before_their_title(net: Net, tmp_path: Path) -> None:
    mole, keys = _group(net, "Cardiff")
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + mole.made))
    publishing.publish(log, keys, "group.profile", {"name": "Cardiff", "region": "cardiff", "public_feeds": "yes"})
    march = publishing.publish(log, keys, "action", {"title": TRAP, "region": "calais", "type": "protest",
                                                     "starts_at": "2030-01-01T10:00Z"}, check_region=False)
    publishing.publish(log, keys, "fundraiser", {"title": "Calais: bail fund", "goal": "1000", "currency": "EUR",
                                                 "region": "calais", "how_to_give": "IBAN XX00 MOLE"})
    data = public_data(log, now_ms())
    assert _titles(actions_atom(data)) == [f"Cardiff: {TRAP}"]
    assert _titles(fundraisers_atom(data)) == ["Cardiff: Calais: bail fund"]
    summaries = [str(e.get("summary")) for e in Calendar.from_ical(actions_ics(data)).walk("VEVENT")]
    assert summaries == [f"Cardiff: {TRAP}"]

    publishing.publish(log, keys, "action.update", {"action": march.id.hex(), "status": "cancelled",
                                                    "note": "police ban"})
    data = public_data(log, now_ms())
    assert _titles(actions_atom(data)) == [f"CANCELLED — Cardiff: {TRAP}"]
    assert [str(e.get("summary")) for e in Calendar.from_ical(actions_ics(data)).walk("VEVENT")] == [
        f"CANCELLED — Cardiff: {TRAP}"]
