"""Which consents may tear a device (events/trust.py `_tearing_claimants`): those to keys reached
from the founders without passing through the device, whether the answer comes from a walk from
the device or from the tree of dominators (as it does once the walks cost a few times the graph)."""
from __future__ import annotations

import random
from collections import defaultdict

import pytest

from events import trust as T
from events.trust import GROUP_ROLE, Vouch


walk = T._reached  # (the walk itself, kept before a test replaces it)


class ReachesEverything:
    """A walk from a device that reaches every key: the walks give up at once."""

    def __rand__(self, other: set) -> set:
        return other

    def __len__(self) -> int:
        return 1


@pytest.mark.parametrize("answers", ["walks first", "dominators only"])
def test_the_consents_that_may_tear_a_device_are_those_reached_around_it(answers, monkeypatch):
    if answers == "dominators only":
        monkeypatch.setattr(T, "_reached", lambda start, by_voucher: ReachesEverything())
    around = 0
    for seed in range(2000):
        rng = random.Random(seed)
        pool = [bytes([i]) * 32 for i in range(rng.randint(3, 14))]
        founders = set(rng.sample(pool, rng.randint(1, 3)))
        by_voucher = defaultdict(list)
        for _ in range(rng.randint(1, 40)):
            a, b = rng.choice(pool), rng.choice(pool)
            by_voucher[a].append(Vouch(a, 1, b, GROUP_ROLE))
        reached = sorted(walk(founders, by_voucher))
        consents = {d: set(rng.sample(reached, min(len(reached), rng.randint(2, 4)))) for d in rng.sample(pool, 3)}
        counted = T._tearing_claimants(consents, founders, by_voucher)
        for d, groups in consents.items():
            expected = groups & walk(founders - {d}, by_voucher, skip=d) if len(groups) > 1 else None
            assert counted.get(d) == expected, seed
            around += expected is not None and expected != groups
    assert around > 300  # devices on every path to a key they consented to: common here
