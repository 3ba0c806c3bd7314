"""Every text a member wrote that `solnet view` prints is set apart where it has right-to-left
letters (U+2068 ... U+2069), not only group names. A terminal that lays out bidirectional text gave
a right-to-left title's direction to what followed it: digits after it (a count, an hour, the short
id) were drawn across it, on the poster's side, and a text first on its line turned the line. The
terminal's writer (node/terminal_text.py) lets such a closed isolate through."""
from __future__ import annotations

import time
from pathlib import Path

from bidi_lines import rtl_outside_isolates
from node import publishing, render
from node.terminal_text import visible
from node.views import view
from node_fixtures import Net
from test_view_isolates_right_to_left_names import member_group

RTL = "مسيرة"


def test_view_sets_apart_right_to_left_titles_places_and_notes(net: Net, tmp_path: Path) -> None:
    log, keys = member_group(net, tmp_path, "Dover")
    tomorrow = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(time.time() + 24 * 3600))
    yesterday = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(time.time() - 24 * 3600))
    publishing.publish(log, keys, "fundraiser", {"title": f"{RTL} 12", "goal": "1000", "currency": "EUR",
                                                 "region": "calais"})
    publishing.publish(log, keys, "action", {"title": f"{RTL} 3", "region": "calais", "type": "protest",
                                             "starts_at": tomorrow, "place": RTL}, check_region=False)
    publishing.publish(log, keys, "action", {"title": RTL, "region": "calais", "type": "protest",
                                             "starts_at": yesterday}, check_region=False)
    publishing.publish(log, keys, "need", {"category": "tents", "quantity": "4", "region": "calais",
                                           "notes": f"{RTL} 5"}, check_region=False)
    publishing.publish(log, keys, "resource", {"title": RTL, "languages": "ar", "summary": RTL, "topic": "legal",
                                              "text": RTL})
    publishing.publish(log, keys, "alert", {"type": "raid", "region": "calais", "location": RTL,
                                            "text": f"12 {RTL}"}, check_region=False)
    names = publishing.group_names(log)
    for name in ("actions", "past-actions", "fundraisers", "needs", "resources", "alerts", "regions"):
        items = view(log, name)
        printed = "\n".join(visible(render.terminal_view_line(name, item, names)) for item in items)
        assert RTL in printed, (name, printed)
        assert not rtl_outside_isolates(printed), (name, printed)


def test_a_text_that_only_begins_and_ends_as_an_isolate_is_set_apart_whole() -> None:
    """A private part's line (its details are not checked for isolates as fields are) may begin with
    U+2068 and end with U+2069 yet be two isolates with a bare right-to-left letter between: taken as
    set apart already, its "ب" turned the terminal's line."""
    from node.words import isolated

    two = "\u2068a\u2069\u0628\u2068b\u2069"
    shown = visible(isolated(two))
    assert rtl_outside_isolates(shown) == [] and shown == "\u2068\\u2068a\\u2069\u0628\\u2068b\\u2069\u2069", repr(shown)
    assert isolated("\u2068\u0628\u2069") == "\u2068\u0628\u2069"  # one isolate, as it came
