"""Push-gossip decisions (pure): alerts flood to every neighbour but the source; other events go in
full to `fanout` neighbours and as an id to the rest; the seen-id cache is bounded and LRU."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.gossip import PRIORITY_KINDS, Plan, SeenIds, is_priority, plan, repair_plan

PEERS = [f"p{i}" for i in range(8)]


def test_only_alerts_are_priority():
    assert is_priority("alert")
    assert PRIORITY_KINDS == {"alert"}
    for kind in ("action", "need", "member.vouch", "alerts", "", "ALERT"):
        assert not is_priority(kind)


def test_an_alert_floods_to_all_but_its_source():
    p = plan("alert", PEERS, "p3", random.Random(1))
    assert p == Plan(tuple(sorted(set(PEERS) - {"p3"})), ())


def test_a_local_alert_floods_to_everyone():
    assert plan("alert", PEERS, None, random.Random(1)).push == tuple(sorted(PEERS))


@settings(max_examples=300, deadline=None)
@given(st.sets(st.text(min_size=1, max_size=4), max_size=12), st.data(), st.integers(0, 6),
       st.sampled_from(["action", "need", "fundraiser", "x.y"]), st.integers(0, 2**32))
def test_other_events_push_to_fanout_and_announce_to_the_rest(peers, data, fanout, kind, seed):
    source = data.draw(st.one_of(st.none(), st.sampled_from(sorted(peers)) if peers else st.none()))
    p = plan(kind, peers, source, random.Random(seed), fanout=fanout)
    others = set(peers) - {source}
    assert set(p.push) | set(p.announce) == others
    assert not set(p.push) & set(p.announce)
    assert len(p.push) == min(fanout, len(others))
    assert source not in p.push and source not in p.announce
    assert list(p.push) == sorted(p.push) and list(p.announce) == sorted(p.announce)


@settings(max_examples=100, deadline=None)
@given(st.sets(st.text(min_size=1, max_size=4), max_size=12), st.integers(0, 2**32))
def test_alerts_never_depend_on_randomness_or_fanout(peers, seed):
    a = plan("alert", peers, None, random.Random(seed), fanout=0)
    b = plan("alert", peers, None, random.Random(seed + 1), fanout=50)
    assert a == b == Plan(tuple(sorted(peers)), ())


def test_plans_replay_with_the_same_seed_and_spread_over_peers():
    assert plan("need", PEERS, None, random.Random(7)) == plan("need", PEERS, None, random.Random(7))
    rng = random.Random(7)
    chosen = set()
    for _ in range(200):
        chosen |= set(plan("need", PEERS, "p0", rng).push)
    assert chosen == set(PEERS) - {"p0"}  # every neighbour gets full copies sometimes


def test_no_neighbours_means_nothing_to_send():
    assert plan("alert", [], None, random.Random(0)) == Plan((), ())
    assert plan("need", ["only"], "only", random.Random(0)) == Plan((), ())


def test_default_fanout_is_a_few_peers():
    p = plan("action", PEERS, None, random.Random(3))
    assert len(p.push) == 3 and len(p.announce) == 5


# --- the seen-id cache ------------------------------------------------------------------------

def _id(n: int) -> bytes:
    return n.to_bytes(32, "big")


def test_a_repair_is_announced_by_id_to_every_neighbour_but_its_source():
    assert repair_plan(["c", "a", "src", "b"], "src") == Plan((), ("a", "b", "c"))
    assert repair_plan(["src"], "src") == Plan((), ())


def test_seen_ids_remember_and_report_new():
    seen = SeenIds(capacity=10)
    assert seen.add(_id(1)) is True
    assert seen.add(_id(1)) is False
    assert _id(1) in seen and _id(2) not in seen
    assert len(seen) == 1


@pytest.mark.parametrize("capacity", [1, 2, 100])
def test_seen_ids_are_bounded_and_forget_the_oldest(capacity):
    seen = SeenIds(capacity=capacity)
    for n in range(capacity * 3):
        seen.add(_id(n))
        assert len(seen) <= capacity
    assert len(seen) == capacity
    assert [n for n in range(capacity * 3) if _id(n) in seen] == list(range(capacity * 2, capacity * 3))


def test_seen_ids_are_lru_a_repeat_refreshes():
    seen = SeenIds(capacity=3)
    for n in (1, 2, 3):
        seen.add(_id(n))
    assert seen.add(_id(1)) is False  # seen again: now the most recent
    seen.add(_id(4))  # evicts 2, the least recently seen
    assert _id(1) in seen and _id(2) not in seen and _id(3) in seen and _id(4) in seen
    assert seen.add(_id(2)) is True  # forgotten, so new again


def test_membership_test_does_not_refresh():
    """Only add() counts as seeing an id; `in` is a pure query."""
    seen = SeenIds(capacity=2)
    seen.add(_id(1))
    seen.add(_id(2))
    assert _id(1) in seen
    seen.add(_id(3))
    assert _id(1) not in seen


def test_default_capacity_is_bounded():
    assert 0 < SeenIds().capacity <= 1_000_000


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 30), max_size=200), st.integers(1, 10))
def test_seen_ids_match_a_reference_lru(ops, capacity):
    seen = SeenIds(capacity=capacity)
    reference: list[int] = []
    for n in ops:
        new = n not in reference
        assert seen.add(_id(n)) is new
        if not new:
            reference.remove(n)
        reference.append(n)
        del reference[:-capacity]
        assert len(seen) == len(reference)
        assert all(_id(x) in seen for x in reference)
