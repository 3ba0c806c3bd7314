"""A group "pledging" to its own fundraiser (money it received, typed as a pledge) swelled what the
fundraiser's page, the desk's sums and the feeds called pledged by others: a group could so make its
appeal look backed. The protocol still takes such a pledge from a peer (a rule every node shares);
publishing refuses it where a person types it, saying to report money raised, and the fundraiser's
totals say it apart (`pledged_own`), never in `pledged`."""
from __future__ import annotations

from pathlib import Path

import pytest

from node import publishing
from node.kind_input import PublishError
from node.views import view
from node_fixtures import Net, wires
from test_audiences import _group

FUND = {"title": "Bail fund", "goal": "1000", "currency": "EUR", "region": "calais"}


def test_an_own_pledge_is_refused_at_publish_and_never_counted_as_others(net: Net, tmp_path: Path) -> None:
    bristol, bristol_keys = _group(net, "Bristol")
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made))
    fund = publishing.publish(log, net.founder, "fundraiser", FUND)
    with pytest.raises(PublishError) as refused:
        publishing.publish(log, net.founder, "fundraiser.update", {"fundraiser": fund.id.hex(), "pledge": "500"})
    assert refused.value.field == "pledge" and "your own group's" in str(refused.value) and "'raised'" in str(refused.value)
    publishing.publish(log, bristol_keys, "fundraiser.update", {"fundraiser": fund.id.hex(), "pledge": "20"})

    # Another device of Calais (an older version, or a hand-signed event) sends one: stored, said apart
    phone = net.device_of(net.group)
    log.ingest(wires([net.group.made[-1], phone.sign("fundraiser.update", {"fundraiser": fund.id, "pledge": 50_000})]))
    [f] = view(log, "fundraisers")
    assert (f["pledged"], f["pledges"], f["pledged_own"]) == (2_000, 1, 50_000), f
    assert [p["group"] for p in f["pledged_by"]] == [bytes(bristol.key.public)]
    from node.render import view_line
    assert "pledged 20.00 EUR (not counting 500.00 EUR pledged by its own group)" in view_line("fundraisers", f, {}), f
    # `solnet show` of the fundraiser says so under it, as `view fundraisers` does
    from node.render import state_text
    assert "pledged 20.00 EUR (not counting 500.00 EUR pledged by its own group)" in state_text("fundraiser", f), f
    gone = {**f, "pledged_gone": 3_000, "pledges_gone": 1}
    assert "(not counting 30.00 EUR pledged by groups no longer in the network)" in state_text("fundraiser", gone)


def test_an_own_pledge_to_an_ended_fundraiser_is_told_it_is_its_own_first(net: Net, tmp_path: Path) -> None:
    """Said first: "it ended; ask <your own group> whether it still takes money" was no help."""
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    now = 1_900_000_000_000
    fund = publishing.publish(log, net.founder, "fundraiser", {**FUND, "ends_at": "2030-03-01T10:00Z"}, now=now)
    with pytest.raises(PublishError) as refused:
        publishing.publish(log, net.founder, "fundraiser.update", {"fundraiser": fund.id.hex(), "pledge": "500"},
                           now=now + 400 * 86_400_000)
    assert refused.value.field == "pledge" and "your own group's" in str(refused.value), refused.value
