"""A group that leaves the network mid-week with an action still to come: its needs, offers and
fundraisers leave every list, its alerts and taken requests are marked as of a group that left, but
its action stayed listed as any other ('March — Cardiff'): nobody can move or cancel it any more,
and nothing said its group is not there to ask. It stays listed (a march may still take place),
marked: `view actions` and `timeline`, the API's `group_gone`, the dashboard's timeline (as an alert is)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from node import membership, publishing
from node.log import now_ms
from node.render import view_line
from node.views import view
from node_fixtures import Net, wires
from test_audiences import _group


def test_the_action_of_a_group_that_left_is_marked(net: Net, tmp_path: Path) -> None:
    cardiff, keys = _group(net, "Cardiff")
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + cardiff.made))
    march = publishing.publish(log, keys, "action", {"title": "March", "region": "cardiff", "type": "protest",
                                                     "starts_at": "2030-01-01T10:00Z"})
    vigil = publishing.publish(log, net.founder, "action", {"title": "Vigil", "region": "calais", "type": "protest",
                                                            "starts_at": "2030-01-02T10:00Z"})
    membership.revoke(log, keys, bytes(keys.group.public))
    items = {a["id"]: a for a in view(log, "actions", now=now_ms())}
    assert items[march.id]["group_gone"] == "left" and items[vigil.id]["group_gone"] is None
    line = view_line("actions", items[march.id], {})
    assert "[its group has left the network]" in line, line
    assert "[" not in view_line("actions", items[vigil.id], {}).split("(protest)", 1)[1].rsplit(" ", 1)[0]


def test_the_desk_and_show_say_its_group_left(net: Net, tmp_path: Path) -> None:
    """The desk's 'next action' and `show` of the action read as any other's."""
    from node.render import region_text, state_text
    from node.views import Held, action_item

    cardiff, keys = _group(net, "Cardiff")
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + cardiff.made))
    soon = now_ms() + 2 * 86_400_000
    march = publishing.publish(log, keys, "action", {"title": "March", "region": "cardiff", "type": "protest",
                                                     "starts_at": datetime.fromtimestamp(soon / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")})
    membership.revoke(log, keys, bytes(keys.group.public))
    [desk] = view(log, "regions", region="cardiff", now=now_ms())
    assert desk["next_action"]["id"] == march.id and desk["next_action"]["group_gone"] == "left"
    assert "March (protest) [its group has left the network]" in region_text(desk), region_text(desk)
    item = action_item(Held(log.store, log.trust), march.id)
    assert item is not None and item["group_gone"] == "left"
    assert state_text("action", item) == "as published; its group has left the network", state_text("action", item)

