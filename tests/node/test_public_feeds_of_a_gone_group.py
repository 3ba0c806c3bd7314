"""A group that opted into the public feeds and then left, or was revoked (an infiltrators' group
found out), kept its actions and fundraisers on the public page, the Atom feeds and the calendars:
members' lists leave its fundraisers out (nobody can close them) and mark its actions, but the public
was still shown its 'how to give' and its march, as of a group of the network. The public outputs now
hold only groups still members."""
from __future__ import annotations

from pathlib import Path

from node import membership, publishing
from node.log import now_ms
from node_fixtures import Net, wires
from test_audiences import _group


def test_a_revoked_group_is_in_no_public_output(net: Net, tmp_path: Path) -> None:
    from node.public_site import actions_atom, actions_ics, fundraisers_atom, public_data

    mole, keys = _group(net, "Cardiff")
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + mole.made))
    for k in (keys, net.founder):
        publishing.publish(log, k, "group.profile", {"name": "Cardiff" if k is keys else "Calais",
                                                      "region": "cardiff" if k is keys else "calais",
                                                      "public_feeds": "yes"})
    publishing.publish(log, keys, "action", {"title": "Trap march", "region": "cardiff", "type": "protest",
                                             "starts_at": "2030-01-01T10:00Z"})
    publishing.publish(log, keys, "fundraiser", {"title": "Send us money", "goal": "1000", "currency": "GBP",
                                                 "region": "cardiff", "how_to_give": "IBAN XX00 MOLE"})
    publishing.publish(log, net.founder, "action", {"title": "Vigil", "region": "calais", "type": "protest",
                                                    "starts_at": "2030-01-02T10:00Z"})
    before = public_data(log, now_ms())
    assert {a["title"] for a in before.actions} == {"Trap march", "Vigil"}
    membership.revoke(log, keys, bytes(keys.group.public))  # it leaves (what it signed before stays)
    data = public_data(log, now_ms())
    assert [a["title"] for a in data.actions] == ["Vigil"] and data.fundraisers == []
    outputs = actions_atom(data) + fundraisers_atom(data) + actions_ics(data)
    assert b"Trap march" not in outputs and b"MOLE" not in outputs and b"Vigil" in outputs
