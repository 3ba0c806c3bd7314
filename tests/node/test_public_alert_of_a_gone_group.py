"""A public alert of a group that left, or was revoked from a later seq (an infiltrators' group found
out), after posting it: members' lists keep it, marked (nobody can send its all clear; a revoked
group's may be false), but the public page and the alerts feed showed it as any other. They now
keep it as the members' lists do, marked as they are. (One revoked from seq 1 is taken out of the
log, and the page says it withdrawn: node/public_site.py withdrawn_public_alerts.)"""
from __future__ import annotations

from pathlib import Path

import pytest

from node import membership, publishing
from node.dashboard.app import STATIC_LINKS, render_public
from node.dashboard.i18n import Translator
from node.log import now_ms
from node.public_site import alerts_atom, public_data
from node.views import view
from node_fixtures import Net, wires
from test_audiences import _group


@pytest.mark.parametrize("how", ["left", "revoked"])
def test_a_gone_groups_public_alert_is_marked_as_members_see_it(net: Net, tmp_path: Path, how: str) -> None:
    group, keys = _group(net, "Cardiff")
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + group.made))
    alert = publishing.publish(log, keys, "alert", {"region": "cardiff", "type": "raid", "text": "Vans at the park",
                                                    "public": "yes"}, expires_in="6h")
    calm = publishing.publish(log, net.founder, "alert", {"region": "calais", "type": "raid", "text": "Police at the port",
                                                          "public": "yes"}, expires_in="6h")
    if how == "left":
        membership.revoke(log, keys, bytes(keys.group.public))
    else:  # revoked by the network from its next event: what it posted before stays
        membership.revoke(log, net.founder, bytes(keys.group.public), from_seq=log.store.head(alert.author)[0] + 1)
    [listed] = [a for a in view(log, "alerts", now=now_ms()) if a["id"] == alert.id]
    assert listed["group_gone"] == how  # the members' list: kept, marked
    data = public_data(log, now_ms())
    shown = {a["id"]: a for a in data.alerts}
    assert shown[alert.id]["group_gone"] == how and shown[calm.id]["group_gone"] is None
    page = render_public(data, "en", STATIC_LINKS)
    item = page.split(f'id="alert-{alert.id.hex()}"', 1)[1].split("</li>", 1)[0]
    assert Translator("en").choice(f"group_{how}") in item, item
    other = page.split(f'id="alert-{calm.id.hex()}"', 1)[1].split("</li>", 1)[0]
    assert "group-gone" not in other
    feed = alerts_atom(data).decode()
    assert ("has left the network since" if how == "left" else "was revoked by the network since") in feed
    assert feed.count("since: nobody can send its all clear") == 1
