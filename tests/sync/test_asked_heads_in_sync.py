"""A round whose heads went out though the digests matched (one side asked for them: sync/link.py
`ask_heads`, so a Same cannot hide a peer's head of this device) and showed nothing differing is in
sync, on both sides, whichever side asked. Told by who asked, a phone that never signed anything
(its node's listener asked) heard "Synced ... received 0 events" where it heard "Already in sync",
and a listener asked by its dialler logged "synced, received 0, sent 0" once per publish per link."""
from __future__ import annotations

import pytest

from tests.sync.link_sim import SimStore, run_round

SAME = {1: 5, 2: 3}


@pytest.mark.parametrize("ask_a, ask_b", [(True, False), (False, True), (True, True)])
def test_heads_that_went_out_and_matched_are_in_sync_on_both_sides(ask_a: bool, ask_b: bool) -> None:
    done_a, done_b, wire = run_round(SimStore.of(SAME), SimStore.of(SAME), ask_a=ask_a, ask_b=ask_b)
    assert any(type(m).__name__ == "Heads" for _, m in wire.messages)  # the heads did go out
    assert done_a is not None and done_b is not None
    assert (done_a.in_sync, done_a.arrived, done_a.sent) == (True, 0, 0)
    assert (done_b.in_sync, done_b.arrived, done_b.sent) == (True, 0, 0)


@pytest.mark.parametrize("ask_a, ask_b", [(True, False), (False, True)])
@pytest.mark.parametrize("a, b", [
    ({1: 5, 2: 3}, {1: 5, 2: 2}),  # the listener lacks one
    ({1: 5, 2: 3}, {1: 5, 2: 3, 3: 1}),  # the listener holds an author the dialler has nothing of
    ({1: 5, 2: 3}, {1: 5, 2: (3, 3)}),  # same seqs, another id at the head: a fork
])
def test_heads_that_differ_are_no_sync_though_asked(ask_a: bool, ask_b: bool, a: dict, b: dict) -> None:
    done_a, done_b, _ = run_round(SimStore.of(a), SimStore.of(b), ask_a=ask_a, ask_b=ask_b)
    assert done_a is not None and done_b is not None
    assert not done_a.in_sync and not done_b.in_sync
