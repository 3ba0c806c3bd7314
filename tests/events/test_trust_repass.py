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
    """How many times one recompute makes a key's state from its vouchers (a member's: once per
    key per full pass), and the graph."""
    count = 0

    def counting(rule):
        def counted(*args):
            nonlocal count
            count += 1
            return rule(*args)
        return counted

    with monkeypatch.context() as m:
        for rule in ("_device_member", "_group_member"):
            m.setattr(T, rule, counting(getattr(T, rule)))
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


# Each rule of membership changed as a future change might change it: whatever the change, a full
# pass and a re-pass ask the one function, so they still agree (two copies of a rule would not).
def _refusing_one_vouch_in_three(rule):
    return lambda v, by, rules: rule(v, by, rules) and v.id[-1] % 3 != 0


def _no_key_in_three(rule):
    return lambda key, held: None if key[0] % 3 == 0 else rule(key, held)


def _only_even_revokers(rule):
    return lambda author, subject, settled: (author == subject.key or author[0] % 3 == 0) and rule(author, subject,
                                                                                                   settled)


@pytest.mark.parametrize("rule,change", [("_holds_device", _refusing_one_vouch_in_three),
                                         ("_admits", _refusing_one_vouch_in_three),
                                         ("_device_member", _no_key_in_three),
                                         ("_group_member", _no_key_in_three),
                                         ("_may_revoke_member", _only_even_revokers)])
def test_a_changed_rule_changes_full_passes_and_re_passes_alike(rule, change):
    changed_outcomes = 0
    for seed in range(200):
        graph = random_graph(seed, 12, 30, 6)
        with pytest.MonkeyPatch.context() as monkeypatch:
            before = full_and_repassed(monkeypatch, *graph)[0]
            monkeypatch.setattr(T, rule, change(getattr(T, rule)))
            full, repassed = full_and_repassed(monkeypatch, *graph)
        assert repassed == full, seed
        changed_outcomes += full != before
    assert changed_outcomes >= 5  # the change reaches many graphs, not one or two


def test_which_consents_may_tear_a_device_costs_work_in_proportion_to_a_chains_links(monkeypatch):
    """Whether a device of the chain is reached through itself was a walk of the rest of the chain
    per device (quadratic in its links); the walks now stop at a few times the graph's size, and
    one tree of dominators of the graph answers for the rest."""
    work = {}
    for links in (100, 200):
        founders, vouches, revokes, devices = chain_graph(links)
        visited = 0

        def counting(rule):
            def counted(*args, **kwargs):
                nonlocal visited
                out = rule(*args, **kwargs)
                visited += len(out)
                return out
            return counted

        with monkeypatch.context() as m:
            m.setattr(T, "_reached", counting(T._reached))
            if hasattr(T, "_dominator_order"):
                m.setattr(T, "_dominator_order", counting(T._dominator_order))
            graph = TrustGraph(founders, vouches, revokes)
        assert all(graph.member(d) is None for d in devices)
        work[links] = visited
    # each link: a few keys and vouches, walked a few times over (some 40 keys; 450 as it was)
    assert work[200] - work[100] <= 100 * 100, work
