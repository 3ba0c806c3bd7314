"""The overlay's policy for dialled links that end soon after they opened (sync/overlay.py:
STABLE_LINK_MS), pure: a link's failures before it are forgiven only once it has lived a minute.

A completed round forgave them until 2026-12-06, so a relay letting each link's first round through
and cutting the next had the node redial within 2 s for ever (tests/sync/test_relay_cuts_after_one_round.py
runs that relay against real nodes).
"""
from __future__ import annotations

import random

from sync.overlay import SHORT_LINK_CAP_MS, STABLE_LINK_MS, Overlay
from sync.peers import PeerBook

ADDRESS = "http://127.0.0.1:7001"
DEVICE = bytes(range(32))


def _overlay(source: str = "announce") -> Overlay:
    overlay = Overlay(PeerBook(random.Random(7)), random.Random(7))
    overlay.learn(ADDRESS, source)
    return overlay


def test_short_links_count_as_failures_in_a_row_within_half_a_minute() -> None:
    overlay, now = _overlay(), 1_000_000
    delays = []
    for _ in range(12):  # an announced peer: a failed dial of it backs off up to 5 minutes
        overlay.connected(ADDRESS, now, DEVICE)
        now += 5_000  # a round completed meanwhile: it forgives nothing by itself
        overlay.book.synced(ADDRESS, now, received=1, sent=0, lag=1)
        delays.append(overlay.disconnected(ADDRESS, now, "connection closed", "cut short"))
        now += delays[-1]
    peer = overlay.book.get(ADDRESS)
    assert peer.failures == 12 and peer.last_error == "cut short" and peer.failed_with == "cut short"
    assert all(delay is not None and delay <= SHORT_LINK_CAP_MS for delay in delays), \
        "a path that carries rounds is tried again within half a minute, however often it fails"
    assert max(delays[6:]) > 2_000, "the backoff grows from link to link (it was under 2 s for ever)"


def test_a_link_that_lasts_a_minute_forgives_the_failures_before_it() -> None:
    overlay, now = _overlay("config"), 1_000_000
    for _ in range(5):
        overlay.connected(ADDRESS, now, DEVICE)
        now += 1_000
        now += overlay.disconnected(ADDRESS, now, "connection closed", "cut short")
    overlay.connected(ADDRESS, now, DEVICE)
    peer = overlay.book.get(ADDRESS)
    assert peer.failures == 0 and peer.failures_before_link == 5 and peer.failed_with == "cut short", \
        "a handshake shows no failures while the link lasts, and forgets none of them"
    now += STABLE_LINK_MS
    assert overlay.disconnected(ADDRESS, now, "connection closed", "cut short") is None
    assert peer.failures == 1 and peer.failed_with is None and peer.last_error == "connection closed"
    assert peer.next_attempt - now <= 2_000, "a peer lost after a steady link is redialled within seconds"


def test_a_link_ended_by_either_node_s_word_forgives_as_before() -> None:
    """Only a cut someone on the path can bring about counts (node/net/links.py passes `short_error`
    then): a link this node dropped, or one the peer closed saying why (stopping), does not."""
    overlay, now = _overlay(), 1_000_000
    for _ in range(5):
        overlay.connected(ADDRESS, now, DEVICE)
        now += 1_000
        assert overlay.disconnected(ADDRESS, now, "connection closed") is None
        assert overlay.book.get(ADDRESS).failures == 1
        now += 2_000
