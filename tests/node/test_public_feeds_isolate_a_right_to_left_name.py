"""The public feeds (Atom, calendar) name the posting group first, before its own title, as plain
text: no <bdi> there. A group whose name is written right to left ("ب", one Arabic letter) made the
first strong character of the whole title right-to-left, so a reader that sets a title's direction by
it (dir="auto", as most feed readers and calendars do, per UAX #9) showed "Calais: march to the port
:ب", the member's own words first, read as Calais's. Such a name is now set apart (U+2068 ... U+2069),
which the direction rule skips: the title reads in the direction of what follows the name."""
from __future__ import annotations

import unicodedata
from pathlib import Path
from xml.etree import ElementTree

from icalendar import Calendar

from node import publishing
from node.log import now_ms
from node.public_site import actions_atom, actions_ics, fundraisers_atom, public_data
from node_fixtures import Net, wires
from test_audiences import _group

TRAP = "Calais: march to the port"
ATOM = "{http://www.w3.org/2005/Atom}"


def _direction(text: str) -> str:
    """The paragraph direction a reader gives `text` (UAX #9, P2-P3): of its first strong character,
    what lies between an isolate's start and its end skipped."""
    depth = 0
    for c in text:
        if c in "\u2066\u2067\u2068":
            depth += 1
        elif c == "\u2069" and depth:
            depth -= 1
        elif not depth and unicodedata.bidirectional(c) in ("L", "R", "AL"):
            return "ltr" if unicodedata.bidirectional(c) == "L" else "rtl"
    return "ltr"


def test_a_right_to_left_group_name_does_not_turn_the_title_around(net: Net, tmp_path: Path) -> None:
    mole, keys = _group(net, "Mole")
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + mole.made))
    publishing.publish(log, keys, "group.profile", {"name": "ب", "region": "cardiff", "public_feeds": "yes"})
    publishing.publish(log, keys, "action", {"title": TRAP, "region": "calais", "type": "protest",
                                             "starts_at": "2030-01-01T10:00Z"})
    publishing.publish(log, keys, "fundraiser", {"title": "Calais: bail fund", "goal": "1000", "currency": "EUR",
                                                 "region": "calais"})
    data = public_data(log, now_ms())
    titles = [e.findtext(f"{ATOM}title") or "" for feed in (actions_atom(data), fundraisers_atom(data))
              for e in ElementTree.fromstring(feed).findall(f"{ATOM}entry")]
    titles += [str(e.get("summary")) for e in Calendar.from_ical(actions_ics(data)).walk("VEVENT")]
    assert len(titles) == 3, titles
    for title in titles:
        assert title.startswith("\u2068ب\u2069: Calais: "), title
        assert _direction(title) == "ltr", title
