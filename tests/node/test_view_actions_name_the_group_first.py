"""`solnet view actions` (and the timeline) and `view past-actions` name the posting group before
the action's title, as the dashboard and the fundraisers' lines do: a member group titled its march
"Calais: march", and "... Calais: march (protest) — Cardiff" read as Calais's, its real group at the
end of the line after the words it chose. `view resources` named no group at all ("Calais legal
line — call 06..."): it names it first too. Right-to-left names are set apart there too."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from node import publishing, render
from node.log import EventLog
from node.terminal_text import visible
from node.views import view
from node_fixtures import Net
from test_view_isolates_right_to_left_names import member_group

BA = "ب"
BEFORE, AFTER = (int(datetime(2030, 1, day, tzinfo=timezone.utc).timestamp() * 1000) for day in (1, 2))  # the march: 1st, 10:00


def _member_march(net: Net, tmp_path: Path, name: str) -> EventLog:
    log, keys = member_group(net, tmp_path, name, "cardiff")
    publishing.publish(log, keys, "action", {"title": "Calais: march", "region": "calais", "type": "protest",
                                             "starts_at": "2030-01-01T10:00Z"}, check_region=False)
    return log


def test_an_actions_line_names_its_group_before_its_title(net: Net, tmp_path: Path) -> None:
    log = _member_march(net, tmp_path, "Cardiff")
    names = publishing.group_names(log)
    for name, now in (("actions", BEFORE), ("timeline", BEFORE), ("past-actions", AFTER)):
        [item] = view(log, name, now=now)
        line = render.view_line(name, item, names)
        assert "Cardiff: Calais: march" in line and "— Cardiff" not in line, (name, line)


def test_a_right_to_left_group_is_set_apart_before_the_title(net: Net, tmp_path: Path) -> None:
    log = _member_march(net, tmp_path, BA)
    names = publishing.group_names(log)
    for name, now in (("actions", BEFORE), ("past-actions", AFTER)):
        [item] = view(log, name, now=now)
        line = visible(render.terminal_view_line(name, item, names))
        assert f"\u2068{BA}\u2069: Calais: march" in line, (name, line)


def test_a_resource_names_its_group_before_its_title(net: Net, tmp_path: Path) -> None:
    for name, shown in (("Cardiff", "Cardiff"), (BA, f"\u2068{BA}\u2069")):
        (tmp_path / name).mkdir()
        log, keys = member_group(net, tmp_path / name, name, "cardiff")
        publishing.publish(log, keys, "resource", {"title": "Calais legal line", "languages": "fr",
                                                   "summary": "call 06 00 00 00 00", "text": "x"})
        [item] = view(log, "resources")
        line = visible(render.terminal_view_line("resources", item, publishing.group_names(log)))
        assert f"{shown}: Calais legal line — call 06" in line, line
