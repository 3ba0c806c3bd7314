"""The trust graph's re-passes (events/trust_repass.py): after a lift or a tear, the graph is brought
to the next pass by revisiting what changed, reaching the very states the full passes reach, and
an infiltrator's chain of tears costs work in proportion to its length, not a pass of the whole
graph per link."""
from __future__ import annotations

import random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bench.trust_chain import honest_network, infiltrator_chain
from events import trust as T
from events.trust import ACCEPT_ROLE, DEVICE_ROLE, GROUP_ROLE, Revocation, TrustGraph, Vouch


def random_graph(seed: int, keys: int, vouches: int, revokes: int) -> tuple:
    """A small graph of every kind of trust event among few keys, so that tears, lifts, forks,
    pins and revocations meet often."""
    rng = random.Random(seed)
    pool = [bytes([i]) * 32 for i in range(rng.randint(4, keys))]
    ids = iter(range(1, 10**6))
    vs = []
    for _ in range(rng.randint(3, vouches)):
        role = rng.choice([GROUP_ROLE, GROUP_ROLE, DEVICE_ROLE, DEVICE_ROLE, ACCEPT_ROLE])
        vs.append(Vouch(rng.choice(pool), rng.randint(1, 4), rng.choice(pool), role, rng.choice([b"e1", b"e2", None]),
                        "x", role == DEVICE_ROLE and rng.random() < 0.7, next(ids).to_bytes(32, "big"),
                        rng.random() < 0.95))
    rs = [Revocation(rng.choice(pool), rng.choice(pool), rng.randint(1, 4), rng.randint(0, 3), "r", rng.randint(1, 4),
                     next(ids).to_bytes(32, "big"), complete=rng.random() < 0.95, pin=rng.choice([None, b"p" * 32]))
          for _ in range(rng.randint(0, revokes))]
    forks = {rng.choice(pool): rng.randint(1, 4) for _ in range(rng.randint(0, 2))}
    return pool[:rng.randint(1, 2)], vs, rs, forks


def outcome(graph: TrustGraph) -> tuple:
    return list(graph.members.items()), list(graph.revocations.items()), graph.effects, graph.reachable


def full_and_repassed(monkeypatch, founders, vouches, revokes, forks=None) -> tuple[tuple, tuple]:
    with monkeypatch.context() as m:
        m.setattr(T, "_REPASS_IN_FULL", True)
        full = outcome(TrustGraph(founders, vouches, revokes, forks))
    return full, outcome(TrustGraph(founders, vouches, revokes, forks))


@pytest.mark.parametrize("keys,vouches,revokes", [(12, 30, 6), (40, 150, 20)])
@settings(max_examples=120, deadline=None)
@given(seed=st.integers(0, 2**32))
@example(seed=631).via("a re-settled key kept the revocation of a revoker gone")
@example(seed=365).via("a re-settled key kept the revocation of a revoker gone")
@example(seed=1103).via("a group settled before its wave's devices, which admit it too")
@example(seed=1376).via("a group settled before its wave's devices, which admit it too")
def test_re_passes_reach_what_full_passes_reach(keys, vouches, revokes, seed):
    with pytest.MonkeyPatch.context() as monkeypatch:
        full, repassed = full_and_repassed(monkeypatch, *random_graph(seed, keys, vouches, revokes))
    assert repassed == full


def chain_graph(links: int) -> tuple:
    founders, vouches, keys = honest_network(groups=60, devices=3)
    chain, revokes, devices = infiltrator_chain(founders[0], links, keys)
    return founders, vouches + chain, revokes, devices


def settled_keys(monkeypatch, founders, vouches, revokes) -> tuple[int, TrustGraph]:
    """How many times one recompute settles a key (a member's revocation point: once per key per
    full pass), and the graph."""
    count = 0
    replace = T.replace

    def counting(*args, **kwargs):
        nonlocal count
        count += 1
        return replace(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(T, "replace", counting)
        graph = TrustGraph(founders, vouches, revokes)
    return count, graph


def test_an_infiltrators_chain_of_tears_costs_work_in_proportion_to_its_links(monkeypatch):
    """Each link of the chain takes two passes (a lift, then a tear); passes of the whole graph
    (some 250 keys here) cost 2 x 250 settled keys per link, re-passes a handful."""
    work = {}
    for links in (10, 20, 40):
        founders, vouches, revokes, devices = chain_graph(links)
        work[links], graph = settled_keys(monkeypatch, founders, vouches, revokes)
        assert all(graph.member(d) is None for d in devices)  # every device of the chain is torn
    assert work[40] - work[20] <= 20 * 20
    assert work[20] - work[10] <= 20 * 10
    founders, vouches, revokes, _ = chain_graph(20)
    full, repassed = full_and_repassed(monkeypatch, founders, vouches, revokes)
    assert repassed == full
