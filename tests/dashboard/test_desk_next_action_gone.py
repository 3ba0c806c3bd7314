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
