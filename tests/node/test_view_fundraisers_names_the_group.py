"""`solnet view fundraisers` gave each fundraiser's title, sums and how long it runs, and never the
group that runs it (an action's line names its group): a member group's "Calais bail fund" read as
Calais's to the coordinator passing the appeal on. The line now names the group first, before the
poster's own title, as the public pages and feeds do."""
from __future__ import annotations

from pathlib import Path

from node import publishing
from node.render import view_line
from node.views import view
from node_fixtures import Net, wires
from test_audiences import _group


def test_each_fundraiser_line_names_its_group_first(net: Net, tmp_path: Path) -> None:
    mole, keys = _group(net, "Cardiff")
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + mole.made))
    publishing.publish(log, keys, "fundraiser", {"title": "Calais bail fund", "goal": "1000", "currency": "EUR",
                                                 "region": "calais"})
    [fund] = view(log, "fundraisers")
    line = view_line("fundraisers", fund, {bytes(mole.key.public): "Cardiff"})
    assert line.startswith("[..........]   0%  Cardiff: Calais bail fund — raised 0.00 EUR"), line
