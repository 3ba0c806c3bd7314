"""What a round says a peer holds of this device's events (node/net/peer_link.py `RoundResult.own_held`,
node/own_unsent.py): the heads the peer offered say it holds all before the first streamed it. A
round that streamed any noted nothing, so a phone whose rounds streamed what it signed (a running
one, or a sync cut before its confirming round) kept no record even of what the peer already held,
and once revoked was told those events were held by no peer."""
from __future__ import annotations

from node.net.peer_link import RoundResult


def test_a_round_that_streamed_this_devices_events_notes_what_the_peer_held_before_them() -> None:
    assert RoundResult(complete=True, own_head=7, own_sent=(5, 7)).own_held == 4
    assert RoundResult(complete=True, own_head=7).own_held == 7  # it held all this side offered
    # not those streamed: the round ends before the peer stored them, and it may refuse them
    assert RoundResult(complete=True, own_head=7, own_sent=(1, 7)).own_held is None
    assert RoundResult(complete=False, own_head=7, own_sent=(5, 7)).own_held is None  # cut: says nothing
    assert RoundResult(complete=True).own_held is None  # this device signed nothing
