"""Anti-entropy (pull and push) between two nodes: what a round compares and sends (pure, no I/O).

We use a per-author heads vector (docs/design.md section 7 says why, and how it differs from
range-based set reconciliation): each node's log is a set of per-author chains, so "what you
lack" is exactly, per author, the seqs above your head. Both sides first compare a frontier digest (a
hash of all heads): equal
digests end the round after one round trip of ~50 bytes each way, whatever the log size.
Otherwise each side sends its heads (~50 bytes per author) and streams, per author in seq
order, the events the other lacks; heads at the same seq with different ids are a fork, so the
event is sent as evidence. Expiry and redaction need no special case: a stub keeps its chain
position. A cut connection loses nothing: the next round starts from what was stored.

These are the round's pure functions; the order of the round's messages, and what may come
when, is the link's state machine (sync/link.py).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sync.frontier import frontier_digest_of, is_marker, past_fork_marker


@dataclass(frozen=True, slots=True)
class Head:
    author: bytes
    seq: int
    id: bytes


@dataclass(frozen=True, slots=True)
class SendRange:
    """Stream the events of `author` from `first` to `last` seq (inclusive), in order."""
    author: bytes
    first: int
    last: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1


@dataclass(frozen=True, slots=True)
class SendEvidence:
    """Send the kept proof that `author` forked (two events it signed at one seq, or one whose
    `prev` contradicts the other): a peer that still holds a branch past the fork point learns of
    the fork, drops that branch and ends at the same fork point as this node."""
    author: bytes


def frontier_digest(heads: Iterable[Head]) -> bytes:
    """The frontier digest of `heads` (sync/frontier.py)."""
    return frontier_digest_of((head.author, head.seq, head.id) for head in heads)


def ranges_to_send(mine: Iterable[Head], theirs: dict[bytes, tuple[int, bytes]],
                   first: Callable[[bytes], bool] = lambda author: False,
                   forks: dict[bytes, int] | None = None) -> list[SendRange | SendEvidence]:
    """What the peer with heads `theirs` lacks of `mine`; authors for which `first` is true go
    first (membership chains, so the peer can verify everything after them). `forks` are the fork
    points this node knows (author -> seq): a peer whose head of such an author is at or past it
    has not heard of the fork yet and gets the evidence."""
    from sync.messages import HEAD_PREFIX  # here: `solnet status` digests heads without the wire messages

    out: list[SendRange | SendEvidence] = []
    markers = {past_fork_marker(author): author for author in (forks or {})}
    evidence: set[bytes] = set()
    for head in mine:
        their_seq, their_prefix = theirs.get(head.author, (0, b""))
        if is_marker(head.author):
            author = markers.get(head.author)
            if author is not None and (head.seq, head.id[:HEAD_PREFIX]) != (their_seq, their_prefix):
                evidence.add(author)  # they lack some of what it signed past the fork (or hold more: they send)
        elif head.seq > their_seq:
            out.append(SendRange(head.author, their_seq + 1, head.seq))
        elif head.seq == their_seq and their_prefix != head.id[:HEAD_PREFIX]:
            out.append(SendRange(head.author, head.seq, head.seq))  # fork evidence
    out.sort(key=lambda r: (not first(r.author), r.author))
    for author, fork_at in sorted((forks or {}).items()):
        if theirs.get(author, (0, b""))[0] >= fork_at or author in evidence:
            out.append(SendEvidence(author))
    return out


# The most of one author's events a head is counted for past ours in a lag. Heads need no signature:
# a member's head at a seq just under 2^63 said ~10^19 events behind. No device signs a million
# events (an event a minute for two years; a Pi's whole card at ~1 KiB each): a lag shown is at
# most this per author the peer names, a round still takes all the peer has (its allowance).
PLAUSIBLE_LEAD = 2**20


def every_seq(author: bytes) -> int | None:
    """A `takes_below` that takes every seq of every author (2^63: no seq reaches it)."""
    return 2**63


def lead(their_seq: int, my_seq: int, below: int) -> int:
    """What a head at `their_seq` says we lack of its author, holding up to `my_seq`: the seqs above
    ours and under `below` (the first this node would not take of it), at most PLAUSIBLE_LEAD."""
    return max(0, min(their_seq, below - 1, my_seq + PLAUSIBLE_LEAD) - my_seq)


def lag(mine: Iterable[Head], theirs: dict[bytes, tuple[int, bytes]],
        takes_below: Callable[[bytes], int | None] = every_seq) -> int:
    """How many events the peer holds that we lack and would take (from the heads alone).
    `takes_below(author)`: the first seq of `author` this node would not take (revoked from, or
    2^63), None for an author it does not know (not counted)."""
    return sum(lags(mine, theirs, takes_below).values())


def lags(mine: Iterable[Head], theirs: dict[bytes, tuple[int, bytes]],
         takes_below: Callable[[bytes], int | None] = every_seq) -> dict[bytes, int]:
    """`lag` by author: the authors it counts events of, each with how many (none counted 0). As
    many as the members this node knows: an author it does not know is never one."""
    my_seq = {h.author: h.seq for h in mine}
    counted = {}
    for author, (seq, _) in theirs.items():
        if not is_marker(author) and (below := takes_below(author)) is not None:
            if (behind := lead(seq, my_seq.get(author, 0), below)) > 0:
                counted[author] = behind
    return counted


def claimed(mine: Iterable[Head], theirs: dict[bytes, tuple[int, bytes]]) -> int:
    """How many events the peer's heads say it holds that we lack, taken at their word (what a
    round lets it send: its allowance)."""
    my_seq = {h.author: h.seq for h in mine}
    return sum(max(0, seq - my_seq.get(author, 0)) for author, (seq, _) in theirs.items() if not is_marker(author))


def event_count(heads: Iterable[Head]) -> int:
    """How many events these heads stand for (chains have no gaps; markers are no chains)."""
    return sum(h.seq for h in heads if not is_marker(h.author))
