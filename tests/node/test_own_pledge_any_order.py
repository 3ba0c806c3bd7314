"""Whether a pledge is the fundraiser's own group's (`pledged_own`, never in `pledged`) or another
group's must not depend on the order in which the pledge, the pledging device's certificate, its
group's admission and a revocation arrive, nor on whether the read models were rebuilt: the group
of a pledge is its device's, which the trust graph gives from the set of trust events alone."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.views import view
from node_fixtures import Author, Net, wires
from test_audiences import _group
from test_feeds_turned_on_by import _fresh_net

SUMS = ("raised", "pledged", "pledges", "pledged_own", "pledged_gone", "pledges_gone")


def _signed(net: Net, revoke_phone: int | None, revoke_bristol: bool) -> list[bytes]:
    """Calais's fundraiser; a pledge by a second device of Calais (its own); Bristol's pledge; a
    revocation of Calais's phone from before or after its pledge, and of Bristol, as drawn."""
    bristol, keys = _group(net, "Bristol")
    donor = Author(keys.device, net.genesis.network_id)
    phone = net.device_of(net.group)
    fund = net.device.sign("fundraiser", {"title": "Bail", "goal": 100_000, "currency": "EUR", "region": "calais"})
    net.device.sign("fundraiser.update", {"fundraiser": fund.id, "raised": 10_000})
    phone.sign("fundraiser.update", {"fundraiser": fund.id, "pledge": 50_000})  # (its seq 1)
    phone.sign("fundraiser.update", {"fundraiser": fund.id, "pledge": 7_000})  # (its seq 2)
    donor.sign("fundraiser.update", {"fundraiser": fund.id, "pledge": 2_000})
    if revoke_phone is not None:
        net.group.sign("member.revoke", {"subject": bytes(phone.key.public), "from_seq": revoke_phone})
    if revoke_bristol:
        net.group.sign("member.revoke", {"subject": bytes(bristol.key.public), "from_seq": 1})
    return wires(net.group.made + net.device.made + bristol.made + phone.made + donor.made)


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_own_pledges_are_the_same_in_any_arrival_order_and_after_a_rebuild(tmp_path_factory, data) -> None:
    net = _fresh_net()  # (one per example)
    signed = _signed(net, data.draw(st.sampled_from([None, 1, 2, 3]), label="phone revoked from"),
                     data.draw(st.booleans(), label="Bristol revoked"))
    said, dumps = [], []
    for order in (signed, data.draw(st.permutations(signed), label="order")):
        log = net.new_log(tmp_path_factory.mktemp("pledges") / "calais.db")
        for wire in order:  # one by one: a pledge may come before its device's certificate
            log.ingest([wire])
        [f] = view(log, "fundraisers")
        said.append({k: f[k] for k in SUMS})
        dumps.append(log.store.projection_dump())
        log.rebuild()
        [again] = view(log, "fundraisers")
        assert {k: again[k] for k in SUMS} == said[-1]
        assert log.store.projection_dump() == dumps[-1]
        log.store.close()
    assert said[0] == said[1], said
    assert said[0]["raised"] == 10_000 and said[0]["pledged"] in (0, 2_000), said[0]
    assert said[0]["pledged_own"] in (0, 50_000, 57_000), said[0]  # never in `pledged`
