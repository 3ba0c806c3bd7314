"""The anti-entropy core as a pure state machine: frontier digests, what to send, and whole rounds
between two simulated stores (dicts of chains) driven by feeding one side's messages to the other.
No sockets, no sleeps: every message also goes through the real wire encoding."""
from __future__ import annotations

import hashlib
import struct
from collections import deque
from dataclasses import dataclass, field

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.antientropy import (
    Head,
    Ingest,
    Send,
    SendRange,
    Stream,
    SyncSession,
    frontier_digest,
    lag,
    ranges_to_send,
)
from sync.channel import SecureChannel
from sync.handshake import Initiator, Responder
from sync.messages import HEAD_PREFIX, End, Events, Heads, IHave, Offer, ProtocolViolation, Push, Same, decode, encode


def author(n: int) -> bytes:
    return hashlib.blake2b(b"author%d" % n, digest_size=32).digest()


def event_id(a: bytes, seq: int, variant: int = 0) -> bytes:
    return hashlib.blake2b(a + seq.to_bytes(8, "big") + bytes([variant]), digest_size=32).digest()


# --- a simulated store: author -> chain of event ids (index seq-1) ------------------------------

@dataclass
class SimStore:
    chains: dict[bytes, list[bytes]] = field(default_factory=dict)
    forks: list[tuple[bytes, int, bytes]] = field(default_factory=list)

    @classmethod
    def of(cls, spec: dict[int, int | tuple[int, int]]) -> SimStore:
        """{author number: length} or {author number: (length, variant from which seq)}."""
        store = cls()
        for n, value in spec.items():
            length, diverge_at = (value, None) if isinstance(value, int) else value
            a = author(n)
            store.chains[a] = [event_id(a, s, 1 if diverge_at and s >= diverge_at else 0) for s in range(1, length + 1)]
        return store

    def heads(self) -> list[Head]:
        return [Head(a, len(c), c[-1]) for a, c in self.chains.items() if c]

    def wire(self, a: bytes, seq: int) -> bytes:
        return msgpack.packb([a, seq, self.chains[a][seq - 1]])

    def ingest(self, wire: bytes) -> None:
        """Append in order; an event at a seq we hold with another id is kept as fork evidence."""
        a, seq, eid = msgpack.unpackb(wire)
        chain = self.chains.setdefault(a, [])
        if seq == len(chain) + 1:
            chain.append(eid)
        elif seq <= len(chain) and chain[seq - 1] != eid:
            self.forks.append((a, seq, eid))
        elif seq > len(chain) + 1:
            raise AssertionError(f"gap: got seq {seq} with {len(chain)} held (not sent in order)")


@dataclass
class Wire:
    """Counts what crosses the wire in each direction, through the real encoding and a real channel."""
    messages: list[tuple[str, object]] = field(default_factory=list)
    bytes_sent: dict[str, int] = field(default_factory=lambda: {"a->b": 0, "b->a": 0})


def _channels():
    noop = lambda device: None  # noqa: E731
    from crypto.keys import SigningKey
    i = Initiator(b"\x01" * 32, SigningKey.generate(), noop)
    r = Responder(b"\x01" * 32, SigningKey.generate(), noop)
    m3, ik = i.finish(r.reply(i.hello()))
    return SecureChannel(ik), SecureChannel(r.accept(m3))


def run_round(store_a: SimStore, store_b: SimStore, *, batch: int = 3, first=lambda a: False,
              channels: bool = False) -> tuple[SyncSession, SyncSession, Wire]:
    """One round, A dialled B. Each Send is encoded, (optionally sealed/opened) and decoded before
    the peer sees it; Stream commands read the sender's store; Ingest writes the receiver's."""
    a = SyncSession(initiator=True, heads=store_a.heads(), first=first)
    b = SyncSession(initiator=False, heads=store_b.heads(), first=first)
    wire = Wire()
    chan_a, chan_b = _channels() if channels else (None, None)
    to_b: deque = deque()
    to_a: deque = deque()

    def transmit(direction: str, message, queue: deque) -> None:
        data = encode(message)
        if channels:
            sender, receiver = (chan_a, chan_b) if direction == "a->b" else (chan_b, chan_a)
            data = receiver.open(sender.seal(data))
            wire.bytes_sent[direction] += len(data) + 16
        else:
            wire.bytes_sent[direction] += len(data)
        decoded = decode(data)
        wire.messages.append((direction, decoded))
        queue.append(decoded)

    def execute(commands, store: SimStore, direction: str, out: deque) -> None:
        for command in commands:
            if isinstance(command, Send):
                transmit(direction, command.message, out)
            elif isinstance(command, Stream):
                total, pending = 0, []
                for r in command.ranges:
                    for seq in range(r.first, r.last + 1):
                        pending.append(store.wire(r.author, seq))
                        if len(pending) == batch:
                            transmit(direction, Events(tuple(pending)), out)
                            total, pending = total + len(pending), []
                if pending:
                    transmit(direction, Events(tuple(pending)), out)
                    total += len(pending)
                transmit(direction, End(total), out)
            elif isinstance(command, Ingest):
                for w in command.events:
                    store.ingest(w)

    execute(a.start(), store_a, "a->b", to_b)
    for _ in range(100_000):
        if to_b:
            execute(b.receive(to_b.popleft()), store_b, "b->a", to_a)
        elif to_a:
            execute(a.receive(to_a.popleft()), store_a, "a->b", to_b)
        else:
            break
    return a, b, wire


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
    assert a.done and b.done and a.in_sync and b.in_sync
    assert a.received == b.received == 0
    # each way well under the 1 KiB budget of docs/design.md section 10, sealed frame included
    assert wire.bytes_sent["a->b"] < 100 and wire.bytes_sent["b->a"] < 100


def test_in_sync_cost_does_not_grow_with_the_log():
    """100k authors (the 100k-event budget case): still one Offer (~45 B) and one Same (~2 B)."""
    heads = [Head(author(n), 1 + n % 7, event_id(author(n), 1 + n % 7)) for n in range(100_000)]
    a = SyncSession(initiator=True, heads=heads)
    b = SyncSession(initiator=False, heads=list(reversed(heads)))
    [offer] = a.start()
    assert isinstance(offer, Send) and isinstance(offer.message, Offer)
    offer_bytes = encode(offer.message)
    [same] = b.receive(decode(offer_bytes))
    assert same == Send(Same())
    assert a.receive(decode(encode(same.message))) == []
    assert a.done and b.done
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
    assert a.done and b.done and not a.in_sync
    assert store_a.chains == store_b.chains
    assert a.received == 2 + 2 and b.received == 2 + 6
    assert a.peer_sent == 4 and b.peer_sent == 8
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
    assert a.done and b.done
    assert {x: len(c) for x, c in store_a.chains.items()} == want
    assert store_a.chains == store_b.chains
    assert frontier_digest(store_a.heads()) == frontier_digest(store_b.heads())
    assert not store_a.forks and not store_b.forks
    # exactly what was missing was sent, in seq order per author, group authors first
    a_lacked = sum(max(0, spec_b.get(n, 0) - spec_a.get(n, 0)) for n in spec_b)
    assert a.received == a_lacked == a.lag
    order = [msgpack.unpackb(w)[0] for d, m in wire.messages if d == "a->b" and isinstance(m, Events) for w in m.events]
    is_group = [x in {author(n) for n in groups} for x in order]
    assert is_group == sorted(is_group, reverse=True)
    assert [type(m) for _, m in run_round(store_a, store_b)[2].messages] == [Offer, Same]


def test_a_fork_at_the_head_is_exchanged_as_evidence_both_ways():
    store_a = SimStore.of({1: (3, 3)})
    store_b = SimStore.of({1: 3})
    a, b, _ = run_round(store_a, store_b)
    assert a.done and b.done
    assert store_a.forks == [(author(1), 3, event_id(author(1), 3, 0))]
    assert store_b.forks == [(author(1), 3, event_id(author(1), 3, 1))]
    assert a.received == b.received == 1


# --- the peer breaks the protocol -----------------------------------------------------------

def _responder(heads=()):
    return SyncSession(initiator=False, heads=list(heads))


def _initiator(heads=()):
    s = SyncSession(initiator=True, heads=list(heads))
    s.start()
    return s


H = Heads(((author(1), 1, b"\x00" * HEAD_PREFIX),))


@pytest.mark.parametrize("message", [Same(), H, Events((b"x",)), End(0), Push(()), IHave(())],
                         ids=lambda m: type(m).__name__)
def test_responder_refuses_anything_but_offer_first(message):
    with pytest.raises(ProtocolViolation):
        _responder().receive(message)


@pytest.mark.parametrize("message", [Offer(bytes(32), 0), Events((b"x",)), End(0), Push(())],
                         ids=lambda m: type(m).__name__)
def test_initiator_refuses_anything_but_same_or_heads_after_its_offer(message):
    with pytest.raises(ProtocolViolation):
        _initiator().receive(message)


def test_start_is_for_the_initiator_once():
    with pytest.raises(ProtocolViolation):
        _responder().start()
    s = _initiator()
    with pytest.raises(ProtocolViolation):
        s.start()


def test_second_offer_and_second_heads_are_refused():
    r = _responder([Head(author(1), 2, event_id(author(1), 2))])
    r.receive(Offer(bytes(32), 0))
    with pytest.raises(ProtocolViolation):
        r.receive(Offer(bytes(32), 0))
    r = _responder([Head(author(1), 2, event_id(author(1), 2))])
    r.receive(Offer(bytes(32), 0))
    r.receive(H)
    with pytest.raises(ProtocolViolation):
        r.receive(H)


def test_responder_refuses_events_before_the_initiators_heads():
    r = _responder()
    r.receive(Offer(bytes(32), 0))
    with pytest.raises(ProtocolViolation):
        r.receive(Events((b"x",)))


def test_initiator_refuses_same_after_heads():
    s = _initiator([Head(author(1), 1, event_id(author(1), 1))])
    s.receive(H)
    with pytest.raises(ProtocolViolation):
        s.receive(Same())


def test_duplicate_authors_in_heads_are_refused():
    twice = Heads(((author(1), 1, bytes(HEAD_PREFIX)), (author(1), 2, bytes(HEAD_PREFIX))))
    with pytest.raises(ProtocolViolation):
        _initiator().receive(twice)
    r = _responder()
    r.receive(Offer(bytes(32), 0))
    with pytest.raises(ProtocolViolation):
        r.receive(twice)


@pytest.mark.parametrize("claimed", [0, 2, 4, 10**9])
def test_end_with_a_count_that_does_not_match_is_refused(claimed):
    s = _initiator()
    s.receive(H)
    s.receive(Events((b"a", b"b", b"c")))
    with pytest.raises(ProtocolViolation):
        s.receive(End(claimed))
    assert s.peer_sent is None and not s.done


def test_nothing_is_accepted_after_the_peers_end():
    s = _initiator()
    s.receive(H)
    s.receive(Events((b"a",)))
    assert s.receive(End(1)) == []
    assert s.done
    for late in (Events((b"b",)), End(1), H, Same(), Offer(bytes(32), 0)):
        with pytest.raises(ProtocolViolation):
            s.receive(late)


def test_nothing_is_accepted_after_an_in_sync_round():
    r = _responder()
    [reply] = r.receive(Offer(frontier_digest([]), 0))
    assert reply == Send(Same()) and r.done
    for late in (Offer(bytes(32), 0), H, Events(()), End(0), Same()):
        with pytest.raises(ProtocolViolation):
            r.receive(late)


def test_the_responders_heads_travel_once_and_its_stream_follows_the_initiators_heads():
    mine = SimStore.of({1: 3})
    r = SyncSession(initiator=False, heads=mine.heads())
    out = r.receive(Offer(bytes(32), 0))
    assert out == [Send(Heads(((author(1), 3, mine.chains[author(1)][-1][:HEAD_PREFIX]),)))]
    out = r.receive(Heads(()))
    assert out == [Stream((SendRange(author(1), 1, 3),))]
    assert r.sent_end and not r.done  # waiting for the initiator's End
    assert r.receive(End(0)) == []
    assert r.done
