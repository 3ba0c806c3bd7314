"""The desk's 'next action' of a region can be an action whose group left the network or was
revoked: the actions list marks it, the desk said it as any other (nobody to ask, nor to move or
cancel it)."""
from __future__ import annotations

from test_templates import overview

from node.dashboard.app import render_page
from node.dashboard.i18n import Translator


def test_the_dashboard_desk_marks_it() -> None:
    page = {**overview(), "now": 1_800_000_000_000}
    page["desk"][0]["next_action"] = {**page["desk"][0]["next_action"], "group_gone": "revoked"}
    html = render_page("overview.html", page)
    desk = html.split('data-label="Next action"', 1)[1].split("</td>", 1)[0]
    assert Translator("en").choice("group_revoked") in desk, desk


def test_the_desk_last_heard_list_marks_a_group_that_left() -> None:
    """The region's heading marked a group that left; its "last heard" list said "Calais Food: 13:26"
    as of any group, one to call. Marked now, in the reader's language, one group or several."""
    heard = [{"group": b"\x01" * 32, "group_name": "Calais Food", "last_heard": 1_799_990_000_000, "heard_by": "event",
              "group_gone": "left"},
             {"group": b"\x02" * 32, "group_name": "Calais Aid", "last_heard": 1_800_000_000_000, "heard_by": "event",
              "group_gone": None}]
    for lang, shown in (("en", heard), ("fr", heard), ("en", heard[:1])):
        page = {**overview(), "now": 1_800_000_000_000, "t": Translator(lang)}
        page["desk"][0] = {**page["desk"][0], "groups_heard": shown}
        html = render_page("overview.html", page)
        cell = html.split(f'data-label="{Translator(lang)("desk.last_heard")}"', 1)[1].split("</td>", 1)[0]
        assert Translator(lang)("groups.left") in cell, cell
        if len(shown) > 1:
            assert cell.count("tag warn") == 1 and cell.index("Calais Food") < cell.index("tag warn"), cell
