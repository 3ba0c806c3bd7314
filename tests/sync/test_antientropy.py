"""The anti-entropy core: frontier digests, what to send, and whole rounds between two simulated
stores (dicts of chains), driven by two link protocol objects feeding each other's messages
(tests/sync/link_sim.py). No sockets, no sleeps: every message also goes through the real wire
encoding. What may come when, message by message, is tests/sync/test_link.py."""
from __future__ import annotations

import hashlib
import struct

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from link_sim import SimStore, author, authenticated, event_id, run_round
from sync.antientropy import Head, SendEvidence, SendRange, frontier_digest, lag, ranges_to_send
from sync.frontier import is_marker, past_fork_heads, past_fork_marker
from sync.link import Role
from sync.link_commands import Send
from sync.messages import HEAD_PREFIX, Events, Offer, Same, decode, encode


# --- frontier digest ------------------------------------------------------------------------

def test_frontier_digest_is_order_independent_and_32_bytes():
    heads = [Head(author(i), i + 1, event_id(author(i), i + 1)) for i in range(10)]
    assert len(frontier_digest(heads)) == 32
    assert frontier_digest(heads) == frontier_digest(list(reversed(heads)))
    assert frontier_digest([]) == frontier_digest(iter(()))


# Known answers: Offer compares digests across nodes of every version, so a change of the personalisation,
# the order, the field widths or the byte order would make every round between old and new nodes look out
# of sync. The heads have seqs whose bytes differ, so a byte-order or width change shows.
KAT_HEADS = [
    Head(bytes([0xB0]) * 32, 0x0102030405060708, bytes(range(32))),
    Head(bytes([0x0A]) * 32, 1, bytes(range(32, 64))),
    Head(bytes(31) + b"\x01", 2**64 - 1, bytes([0xEE]) * 32),
]
KAT_DIGEST = "2adc8712e53eb58eb4522f305378afc41ee09b290710049d7c8fdf5617b39a3c"
KAT_EMPTY_DIGEST = "abb0ca51ef85f72133b42e0ecf5a77a1f15f1c4033ac1c15f29f7dc9fa233bf8"


def test_frontier_digest_known_answers():
    assert frontier_digest(KAT_HEADS).hex() == KAT_DIGEST
    assert frontier_digest(KAT_HEADS[::-1]).hex() == KAT_DIGEST
    assert frontier_digest([]).hex() == KAT_EMPTY_DIGEST


def _digest_by_definition(heads: list[Head]) -> bytes:
    """frontier_digest written out from its docstring, with hashlib alone."""
    data = b"".join(h.author + struct.pack(">Q", h.seq) + h.id for h in sorted(heads, key=lambda h: h.author))
    return hashlib.blake2b(data, digest_size=32, person=b"solnet-frontier").digest()


def test_frontier_digest_known_answers_follow_the_definition():
    assert _digest_by_definition(KAT_HEADS).hex() == KAT_DIGEST
    assert _digest_by_definition([]).hex() == KAT_EMPTY_DIGEST


head_sets = st.dictionaries(st.integers(0, 30), st.tuples(st.integers(1, 50), st.integers(0, 2)), max_size=8)


def _heads(spec) -> list[Head]:
    return [Head(author(n), seq, event_id(author(n), seq, v)) for n, (seq, v) in spec.items()]


@settings(max_examples=300, deadline=None)
@given(head_sets, head_sets)
def test_frontier_digests_are_equal_iff_heads_are_equal(x, y):
    hx, hy = _heads(x), _heads(y)
    assert (frontier_digest(hx) == frontier_digest(hy)) == (set(hx) == set(hy))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.binary(min_size=32, max_size=32), st.integers(1, 2**64 - 1),
                          st.binary(min_size=32, max_size=32)), max_size=8, unique_by=lambda t: t[0]))
def test_frontier_digest_follows_its_definition(heads):
    heads = [Head(*h) for h in heads]
    assert frontier_digest(heads) == _digest_by_definition(heads)


def test_each_component_of_a_head_changes_the_digest():
    base = [Head(author(1), 5, event_id(author(1), 5)), Head(author(2), 3, event_id(author(2), 3))]
    d = frontier_digest(base)
    assert frontier_digest(base[:1]) != d
    assert frontier_digest([base[0], Head(author(3), 3, base[1].id)]) != d
    assert frontier_digest([base[0], Head(author(2), 4, base[1].id)]) != d
    assert frontier_digest([base[0], Head(author(2), 3, event_id(author(2), 3, 1))]) != d


# --- in sync: one Offer, one Same -----------------------------------------------------------

@pytest.mark.parametrize("authors", [0, 1, 50])
def test_in_sync_round_is_one_offer_and_one_same(authors):
    store = SimStore.of({n: n + 1 for n in range(authors)})
    a, b, wire = run_round(store, SimStore.of({n: n + 1 for n in range(authors)}), channels=True)
    assert [(d, type(m)) for d, m in wire.messages] == [("a->b", Offer), ("b->a", Same)]
    assert a is not None and b is not None and a.in_sync and b.in_sync
    assert a.arrived == b.arrived == 0
    # each way well under the 1 KiB budget of docs/design.md section 10, sealed frame included
    assert wire.bytes_sent["a->b"] < 100 and wire.bytes_sent["b->a"] < 100


def test_in_sync_cost_does_not_grow_with_the_log():
    """100k authors (the 100k-event budget case): still one Offer (~45 B) and one Same (~2 B)."""
    heads = [Head(author(n), 1 + n % 7, event_id(author(n), 1 + n % 7)) for n in range(100_000)]
    a, b = authenticated(Role.DIALLER), authenticated(Role.LISTENER)
    [offer] = a.start_round(heads)
    assert isinstance(offer, Send) and isinstance(offer.message, Offer)
    offer_bytes = encode(offer.message)
    b.receive(decode(offer_bytes))
    same, b_done = b.heads_loaded(list(reversed(heads)))
    assert same == Send(Same()) and b_done.in_sync
    [a_done] = a.receive(decode(encode(same.message)))
    assert a_done.in_sync and not a.in_round and not b.in_round
    assert len(offer_bytes) < 100 and len(encode(Same())) < 100
    assert offer.message.count == sum(h.seq for h in heads)


# --- ranges_to_send and lag -----------------------------------------------------------------

def _theirs(store: SimStore) -> dict[bytes, tuple[int, bytes]]:
    return {h.author: (h.seq, h.id[:HEAD_PREFIX]) for h in store.heads()}


def test_ranges_for_missing_authors_and_partial_chains():
    mine = SimStore.of({1: 5, 2: 3, 3: 4})
    theirs = SimStore.of({1: 5, 2: 1})  # lacks author 3 entirely, has 1 of author 2's 3 events
    got = ranges_to_send(mine.heads(), _theirs(theirs))
    assert sorted(got, key=lambda r: r.author) == sorted(
        [SendRange(author(2), 2, 3), SendRange(author(3), 1, 4)], key=lambda r: r.author)
    assert sum(r.count for r in got) == 2 + 4


def test_nothing_to_send_when_the_peer_is_ahead_or_equal():
    mine = SimStore.of({1: 2, 2: 3})
    theirs = SimStore.of({1: 9, 2: 3, 4: 1})
    assert ranges_to_send(mine.heads(), _theirs(theirs)) == []


def test_fork_at_equal_seq_sends_the_head_as_evidence():
    mine = SimStore.of({1: (4, 3)})  # author 1: seqs 3 and 4 differ from the peer's
    theirs = SimStore.of({1: 4})
    assert ranges_to_send(mine.heads(), _theirs(theirs)) == [SendRange(author(1), 4, 4)]


def test_same_prefix_different_id_is_not_seen_as_a_fork():
    """Only HEAD_PREFIX bytes of a head id travel: equal prefixes count as equal heads."""
    a = author(1)
    mine = [Head(a, 3, b"\x01" * HEAD_PREFIX + b"\x02" * (32 - HEAD_PREFIX))]
    theirs = {a: (3, b"\x01" * HEAD_PREFIX)}
    assert ranges_to_send(mine, theirs) == []


def test_group_authors_go_first_then_by_author():
    mine = SimStore.of({n: 2 for n in range(8)})
    groups = {author(5), author(2)}
    got = ranges_to_send(mine.heads(), {}, first=lambda a: a in groups)
    assert [r.author for r in got[:2]] == sorted(groups)
    assert [r.author for r in got[2:]] == sorted(set(mine.chains) - groups)
    assert all(r.first == 1 and r.last == 2 for r in got)


# --- frozen keys: the marker heads and the evidence -------------------------------------------

def _marker_by_definition(author_key: bytes) -> bytes:
    return bytes(8) + hashlib.blake2b(author_key, digest_size=32, person=b"solnet-frozen").digest()[:24]


def test_marker_heads_known_answers():
    """What frozen keys kept past their fork points is announced as one marker head per key, which
    nodes of every version compare: author 8 zero bytes and 24 of a personalised hash of the key,
    seq the number kept, id a hash of their sorted ids; in the order of the keys."""
    a, b = bytes([0xB0]) * 32, bytes([0x0A]) * 32
    kept = [(a, bytes([3]) * 32), (b, bytes([1]) * 32), (a, bytes([2]) * 32)]
    heads = past_fork_heads(kept)
    assert [(m.hex(), seq, i.hex()) for m, seq, i in heads] == [
        ("000000000000000026bdafecc79b11cf396a05a73ae578aba6eb3acb11b2208c", 1,
         "d78951f9966233557bb2c0057a7d40dfb01b96ede0409534c49e0230010ed46e"),
        ("0000000000000000ddd04a5756960e15fedf214950ab4e6f9f46c1c3c3855181", 2,
         "5a3807687f8dc7d2d498b657262aa9affb9c59cce9505cea2057a665279c7889")]
    digest = lambda ids: hashlib.blake2b(b"".join(sorted(ids)), digest_size=32, person=b"solnet-frozen").digest()
    assert heads == [(_marker_by_definition(b), 1, digest([bytes([1]) * 32])),
                     (_marker_by_definition(a), 2, digest([bytes([2]) * 32, bytes([3]) * 32]))]
    assert past_fork_heads(reversed(kept)) == heads and past_fork_heads([]) == []
    assert past_fork_marker(a) == _marker_by_definition(a) and is_marker(past_fork_marker(a))
    assert not any(is_marker(author(n)) for n in range(50))
    assert is_marker(bytes(8) + b"\xff" * 24) and not is_marker(bytes(7) + b"\x01" + bytes(24))


FROZEN = author(7)


def _frozen_heads(seq: int, kept: list[bytes]) -> list[Head]:
    """This node's heads: FROZEN's chain up to `seq` and, if any, the marker of what it kept past its fork."""
    return [Head(FROZEN, seq, event_id(FROZEN, seq)), *(Head(*h) for h in past_fork_heads((FROZEN, i) for i in kept))]


def _as_theirs(heads: list[Head]) -> dict[bytes, tuple[int, bytes]]:
    return {h.author: (h.seq, h.id[:HEAD_PREFIX]) for h in heads}


def test_a_peer_past_a_fork_point_or_missing_what_was_kept_gets_the_evidence():
    """FROZEN forked at seq 3; this node holds its chain to 2 and one revocation kept past the fork."""
    forks = {FROZEN: 3}
    kept = [event_id(FROZEN, 4, 9)]
    mine = _frozen_heads(2, kept)
    # A peer that holds a branch at or past the fork point has not heard of it.
    for their_seq in (3, 5):
        theirs = _as_theirs(_frozen_heads(their_seq, kept))
        assert ranges_to_send(mine, theirs, forks=forks) == [SendEvidence(FROZEN)], their_seq
    # A peer at the fork point's edge that lacks the kept revocation, or holds another set.
    for theirs_kept in ([], [event_id(FROZEN, 5, 9)], kept + [event_id(FROZEN, 5, 9)]):
        theirs = _as_theirs(_frozen_heads(2, theirs_kept))
        assert ranges_to_send(mine, theirs, forks=forks) == [SendEvidence(FROZEN)], theirs_kept
    # A peer that holds the same: nothing; the marker itself is never streamed as a chain.
    assert ranges_to_send(mine, _as_theirs(mine), forks=forks) == []
    assert ranges_to_send(mine, {}, forks=forks) == [SendRange(FROZEN, 1, 2), SendEvidence(FROZEN)]


def test_no_evidence_without_a_known_fork():
    """A marker this node cannot name (no fork known for its key) and a peer that lacks a forked
    author entirely with a fork point at seq 1 get nothing of it."""
    assert ranges_to_send(_frozen_heads(2, [event_id(FROZEN, 4, 9)]), _as_theirs(_frozen_heads(2, []))) == []
    assert ranges_to_send([], {}, forks={FROZEN: 1}) == []
    assert ranges_to_send([], {FROZEN: (1, bytes(HEAD_PREFIX))}, forks={FROZEN: 1}) == [SendEvidence(FROZEN)]


def test_evidence_goes_after_the_ranges_in_the_order_of_the_keys():
    one, two = sorted([author(21), author(22)])
    mine = SimStore.of({5: 2}).heads()
    got = ranges_to_send(mine, {two: (9, bytes(HEAD_PREFIX)), one: (9, bytes(HEAD_PREFIX))}, forks={two: 2, one: 4})
    assert got == [SendRange(author(5), 1, 2), SendEvidence(one), SendEvidence(two)]


def test_lag_counts_what_the_peer_holds_that_we_lack():
    mine = SimStore.of({1: 5, 2: 3})
    theirs = SimStore.of({1: 2, 2: 7, 3: 4})
    assert lag(mine.heads(), _theirs(theirs)) == (7 - 3) + 4
    assert lag(theirs.heads(), _theirs(mine)) == 5 - 2
    assert lag(mine.heads(), _theirs(mine)) == 0


# --- whole rounds ---------------------------------------------------------------------------

def test_two_sided_round_converges_and_counts():
    store_a = SimStore.of({1: 5, 2: 2, 3: 6})
    store_b = SimStore.of({1: 3, 2: 4, 4: 2})
    a, b, wire = run_round(store_a, store_b, batch=2, channels=True)
    assert a is not None and b is not None and not a.in_sync and not b.in_sync
    assert store_a.chains == store_b.chains
    assert a.arrived == 2 + 2 and b.arrived == 2 + 6
    assert b.sent == 4 and a.sent == 8
    assert a.lag == 4 and b.lag == 8
    kinds = [type(m).__name__ for _, m in wire.messages]
    assert kinds[:3] == ["Offer", "Heads", "Heads"]
    assert kinds.count("End") == 2
    # the next round is in sync: one Offer, one Same
    _, _, wire2 = run_round(store_a, store_b)
    assert [type(m) for _, m in wire2.messages] == [Offer, Same]


chain_specs = st.dictionaries(st.integers(0, 12), st.integers(1, 12), max_size=6)


@settings(max_examples=200, deadline=None)
@given(chain_specs, chain_specs, st.integers(1, 5), st.data())
def test_rounds_converge_whatever_the_two_stores_hold(spec_a, spec_b, batch, data):
    """Both are prefixes of one history per author (no forks): after one round both hold the union."""
    store_a, store_b = SimStore.of(spec_a), SimStore.of(spec_b)
    groups = set(data.draw(st.sets(st.sampled_from(sorted(set(spec_a) | set(spec_b) or {0})))))
    first = lambda a: a in {author(n) for n in groups}  # noqa: E731
    want = {author(n): max(spec_a.get(n, 0), spec_b.get(n, 0)) for n in set(spec_a) | set(spec_b)}
    a, b, wire = run_round(store_a, store_b, batch=batch, first=first)
    assert a is not None and b is not None
    assert {x: len(c) for x, c in store_a.chains.items()} == want
    assert store_a.chains == store_b.chains
    assert frontier_digest(store_a.heads()) == frontier_digest(store_b.heads())
    assert not store_a.forks and not store_b.forks
    # exactly what was missing was sent, in seq order per author, group authors first
    a_lacked = sum(max(0, spec_b.get(n, 0) - spec_a.get(n, 0)) for n in spec_b)
    assert a.arrived == a_lacked == a.lag
    order = [msgpack.unpackb(w)[0] for d, m in wire.messages if d == "a->b" and isinstance(m, Events) for w in m.events]
    is_group = [x in {author(n) for n in groups} for x in order]
    assert is_group == sorted(is_group, reverse=True)
    assert [type(m) for _, m in run_round(store_a, store_b)[2].messages] == [Offer, Same]


def test_a_fork_at_the_head_is_exchanged_as_evidence_both_ways():
    store_a = SimStore.of({1: (3, 3)})
    store_b = SimStore.of({1: 3})
    a, b, _ = run_round(store_a, store_b)
    assert a is not None and b is not None
    assert store_a.forks == [(author(1), 3, event_id(author(1), 3, 0))]
    assert store_b.forks == [(author(1), 3, event_id(author(1), 3, 1))]
    assert a.arrived == b.arrived == 1
