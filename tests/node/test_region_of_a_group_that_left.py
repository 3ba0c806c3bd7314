"""A group that left the network keeps its profile's region, and the coordinator's desk named it as
any other: "CARDIFF — Cardiff; last heard from 14:00", read as a group there to send goods to or
to call. The desk now says which of a region's groups are gone (`groups_gone`, `group_gone` in each
of `groups_heard`), and `solnet view regions` and the dashboard's desk mark them."""
from __future__ import annotations

from pathlib import Path

from node import membership
from node.log import now_ms
from node.render import region_text
from node.views import view
from node_fixtures import Net, wires
from test_audiences import _group


def test_the_desk_says_a_regions_group_left(net: Net, tmp_path: Path) -> None:
    cardiff, keys = _group(net, "Cardiff")
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + cardiff.made))
    [before] = view(log, "regions", region="cardiff", now=now_ms())
    assert before["groups_gone"] == [None] and "CARDIFF — Cardiff;" in region_text(before)
    membership.revoke(log, keys, bytes(keys.group.public))
    [desk] = view(log, "regions", region="cardiff", now=now_ms())
    assert desk["groups_gone"] == ["left"] and [h["group_gone"] for h in desk["groups_heard"]] == ["left"]
    assert "CARDIFF — Cardiff (has left the network);" in region_text(desk), region_text(desk)
    [calais] = view(log, "regions", region="calais", now=now_ms())
    assert calais["groups_gone"] == [None]
