"""A member (a mole) can let in groups that never publish a profile. While any live group had no
profile here, every bare name typed in `--to` (and the API's 'to') was refused, for good: a handful
of vouches locked every group out of naming the groups it shares with. A group without a profile
now stands in the way of a name only for a week after the last vouch that names it: the time a
group let in is expected to join and be heard (its profile goes out the moment it joins); the one
meant by a name is a group that has said its name. A group let in within that week still holds
names back, whatever the times of other vouches for it; so does one whose vouch this node stored
within that week, whatever date the vouch bears (a backdating admitter, a node new to the network
that hears an old group's vouch before its profile, a home whose `arrived` a panic wipe emptied).
The answer is the same in any arrival order."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto.keys import SigningKey
from crypto.keystore import NodeKeys
from events.genesis import make_genesis
from crypto.short_ids import short_id
from node import audience
from node.audience import UNNAMED_HOLDS_NAMES_MS, AudienceError, resolve_groups
from node.log import EventLog, now_ms
from node.store import base
from node_fixtures import Author, Net, wires

DAY_MS = 24 * 3600 * 1000


def _let_in(net: Net, by: Author, *, ts: int | None = None, name: str | None = None) -> Author:
    group = Author(SigningKey.generate(), net.genesis.network_id)
    by.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"}, ts=ts)
    if name is not None:
        group.sign("group.profile", {"name": name, "region": "bristol"})
    return group


def _stored_days_ago(monkeypatch: pytest.MonkeyPatch, days: int) -> None:
    """What the log stores from now on, it stores as if `days` ago (this machine's clock then)."""
    t = now_ms() - days * DAY_MS
    monkeypatch.setattr(base, "now_ms", lambda: t)


def test_nameless_groups_let_in_over_a_week_ago_no_longer_hold_every_name_back(
        net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert UNNAMED_HOLDS_NAMES_MS == 7 * DAY_MS
    bristol = _let_in(net, net.group, name="Bristol")
    mole = _let_in(net, net.group, name="Dover")
    old = now_ms() - 8 * DAY_MS
    nameless = [_let_in(net, mole, ts=old + i) for i in range(3)]  # never join, never say a name
    log = net.new_log(tmp_path / "calais.db")
    # stored here over a week ago too: a vouch stored within the week holds names back, whatever its
    # date (until 2026-12-07 these were ingested now and held nothing, by their dates alone)
    _stored_days_ago(monkeypatch, 8)
    log.ingest(wires(net.group.made + bristol.made + mole.made))
    monkeypatch.undo()
    assert all(log.trust.speaks_for_group(bytes(g.key.public)) for g in nameless)  # live members

    # on main: refused, "3 groups of this network have no profile here yet"
    assert resolve_groups(log, ["Bristol"]) == [bytes(bristol.key.public)]

    # a group let in an hour ago may be the Bristol meant, its profile on its way: the name waits
    fresh = _let_in(net, mole, ts=now_ms() - 3600 * 1000)
    log.ingest(wires(mole.made[-1:]))
    with pytest.raises(AudienceError) as refused:
        resolve_groups(log, ["Bristol"])
    said = str(refused.value)
    assert f"group {short_id(bytes(fresh.key.public))}" in said and "1 group of this network has no profile" in said
    assert all(short_id(bytes(g.key.public)) not in said for g in nameless)
    # nor does a vouch for it dated long ago (any member may sign one) let the name through
    net.group.sign("member.vouch", {"subject": bytes(fresh.key.public), "role": "group"}, ts=old)
    log.ingest(wires(net.group.made[-1:]))
    with pytest.raises(AudienceError):
        resolve_groups(log, ["Bristol"])


def test_a_stale_nameless_group_vouched_for_again_holds_names_back_again(
        net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bristol = _let_in(net, net.group, name="Bristol")
    stale = _let_in(net, net.group, ts=now_ms() - 30 * DAY_MS)
    log = net.new_log(tmp_path / "calais.db")
    _stored_days_ago(monkeypatch, 30)
    log.ingest(wires(net.group.made + bristol.made))
    monkeypatch.undo()
    assert resolve_groups(log, ["Bristol"]) == [bytes(bristol.key.public)]
    net.group.sign("member.vouch", {"subject": bytes(stale.key.public), "role": "group"})  # let in again, today
    log.ingest(wires(net.group.made[-1:]))
    with pytest.raises(AudienceError) as refused:
        resolve_groups(log, ["Bristol"])
    assert f"group {short_id(bytes(stale.key.public))}" in str(refused.value)


def test_a_backdating_admitter_does_not_cut_its_newcomers_hold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    net = _old_net()
    bristol, mole = _let_in(net, net.group, name="Bristol"), _let_in(net, net.group, name="Dover")
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made + bristol.made + mole.made))
    assert resolve_groups(log, ["Bristol"]) == [bytes(bristol.key.public)]
    # the mole's clock a month behind (a Pi after a power cut), or set back on purpose
    newcomer = _let_in(net, mole, ts=now_ms() - 30 * DAY_MS)
    log.ingest(wires(mole.made[-1:]))
    # on main: [bristol], the newcomer's hold lapsed the moment it was signed
    with pytest.raises(AudienceError) as refused:
        resolve_groups(log, ["Bristol"])
    assert f"group {short_id(bytes(newcomer.key.public))}" in str(refused.value)
    # a week after this home stored the vouch, a group still without a profile holds nothing
    later = now_ms() + UNNAMED_HOLDS_NAMES_MS + DAY_MS
    monkeypatch.setattr(audience, "now_ms", lambda: later)
    assert resolve_groups(log, ["Bristol"]) == [bytes(bristol.key.public)]


def test_an_old_groups_vouch_before_its_profile_keeps_its_name_from_an_impostor(tmp_path: Path) -> None:
    net = _old_net()
    real = _let_in(net, net.group, ts=now_ms() - 30 * DAY_MS, name="Bristol")  # let in a month ago
    mole = _let_in(net, net.group, name="Dover")
    impostor = _let_in(net, mole, name="Bristol")
    fresh = net.new_log(tmp_path / "fresh.db")  # a new node, syncing: the real Bristol's profile not yet here
    fresh.ingest(wires(net.group.made + mole.made + impostor.made))
    # on main: [impostor]; before its vouch arrived the same node refused, and after its profile too
    with pytest.raises(AudienceError) as refused:
        resolve_groups(fresh, ["Bristol"])
    assert f"group {short_id(bytes(real.key.public))}" in str(refused.value)
    assert short_id(bytes(impostor.key.public)) in str(refused.value)  # "the group called so here is ..."
    fresh.ingest(wires(real.made))
    with pytest.raises(AudienceError, match="more than one group"):
        resolve_groups(fresh, ["Bristol"])


def test_a_home_that_cannot_tell_when_it_stored_a_vouch_holds_the_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The panic wipe empties `arrived`: every vouch then counts as stored this week (the safe side:
    a bare name refused, never resolved to a member that took it), until a week of new arrivals."""
    net = _old_net()
    bristol, mole = _let_in(net, net.group, name="Bristol"), _let_in(net, net.group, name="Dover")
    nameless = _let_in(net, mole, ts=now_ms() - 30 * DAY_MS)
    log = net.new_log(tmp_path / "calais.db")
    _stored_days_ago(monkeypatch, 10)
    log.ingest(wires(net.group.made + bristol.made + mole.made))
    monkeypatch.undo()
    assert resolve_groups(log, ["Bristol"]) == [bytes(bristol.key.public)]  # heard of ten days ago
    with log.store.write():
        log.store.forget_private_and_local(())
    with pytest.raises(AudienceError) as refused:
        resolve_groups(log, ["Bristol"])
    assert f"group {short_id(bytes(nameless.key.public))}" in str(refused.value)


def _old_net() -> Net:
    """A network founded 40 days ago by Calais."""
    keys = NodeKeys.generate(with_group=True)
    genesis = make_genesis("test", [bytes(keys.group.public)], now_ms() - 40 * DAY_MS)
    group = Author(keys.group, genesis.network_id)
    group.sign("group.profile", {"name": "Calais", "region": "calais"})
    return Net(genesis, keys, group, Author(keys.device, genesis.network_id))


def _world(fresh: bool, revouched: bool, backdated: bool) -> tuple[Net, list[bytes]]:
    """Calais (the founder), Bristol, a mole (Dover) and the groups the mole let in that never join:
    three over a week ago; `fresh`: one an hour ago; `revouched`: one of the old ones vouched for
    again today; `backdated`: the fresh one vouched for again, dated long ago."""
    net = _old_net()
    group = net.group
    bristol, mole = _let_in(net, group, name="Bristol"), _let_in(net, group, name="Dover")
    old = now_ms() - 8 * DAY_MS
    nameless = [_let_in(net, mole, ts=old + i) for i in range(3)]
    if fresh:
        nameless.append(_let_in(net, mole, ts=now_ms() - 3600 * 1000))
        if backdated:
            group.sign("member.vouch", {"subject": bytes(nameless[-1].key.public), "role": "group"}, ts=old)
    if revouched:
        mole.sign("member.vouch", {"subject": bytes(nameless[0].key.public), "role": "group"})
    return net, wires(group.made + bristol.made + mole.made)


def _answer(log: EventLog) -> tuple[str, ...]:
    try:
        return tuple(g.hex() for g in resolve_groups(log, ["Bristol"]))
    except AudienceError as exc:
        return ("refused", str(exc))


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_answer_to_a_name_is_the_same_in_any_arrival_order(data, tmp_path_factory) -> None:
    """Some events stored here over a week ago (the same ones on both nodes), the rest now; within
    each, any order: one answer."""
    net, events = _world(data.draw(st.booleans(), label="fresh"), data.draw(st.booleans(), label="revouched"),
                         data.draw(st.booleans(), label="backdated"))
    early = data.draw(st.lists(st.booleans(), min_size=len(events), max_size=len(events)), label="stored early")
    batches = ([w for w, e in zip(events, early) if e], [w for w, e in zip(events, early) if not e])
    folder = tmp_path_factory.mktemp("names")
    reference = net.new_log(folder / "ref.db")
    other = net.new_log(folder / "other.db")
    for days, batch in zip((8, 0), batches):
        with pytest.MonkeyPatch.context() as clock:
            _stored_days_ago(clock, days)
            reference.ingest(batch)
            for wire in data.draw(st.permutations(batch), label=f"order of those stored {days} days ago"):
                other.ingest([wire])
    assert _answer(other) == _answer(reference)
    if not any(early):  # all heard of this week: every nameless group holds the name, whatever its vouches' dates
        assert _answer(reference)[0] == "refused"
    reference.store.close()
    other.store.close()
