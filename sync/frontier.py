"""The frontier digest: one hash of a log's heads, which two nodes compare to end an in-sync round
after one round trip (sync/antientropy.py), and the marker heads among them. Apart, so that
`solnet status`, which shows it, loads nothing else of the sync package."""
from __future__ import annotations

from collections.abc import Iterable

from crypto.hashing import blake2b_256


def frontier_digest_of(heads: Iterable[tuple[bytes, int, bytes]]) -> bytes:
    """BLAKE2b-256, personalised "solnet-frontier", of author(32) || seq (8 bytes, big-endian) || id(32)
    for each (author, seq, id) in ascending author order. Nodes of every version compare it in
    Offer, so it is fixed."""
    return blake2b_256(b"".join(author + seq.to_bytes(8, "big") + head_id
                                for author, seq, head_id in sorted(heads, key=lambda head: head[0])),
                       person=b"solnet-frontier")


# Revocations a frozen key signed past its fork point still count, and its vouches there count as
# claims (events/trust.py), so they must spread like events; they sit beside the chains. A node
# announces them as one more head per such key: this marker as its author, their number as its
# seq, a digest of their ids as its id. A
# different head makes the peer send its evidence for that key (sync/antientropy.py SendEvidence),
# which carries them. An Ed25519 key starts with 8 zero bytes with a 2^-64 chance: a marker is
# never an author.
_MARKER_PREFIX = bytes(8)


def past_fork_marker(author: bytes) -> bytes:
    """The head author under which what `author` signed past its fork point and still counts is announced."""
    return _MARKER_PREFIX + blake2b_256(author, person=b"solnet-frozen")[:24]


def is_marker(author: bytes) -> bool:
    """Whether a head's author is a marker (above), not a chain: it counts in no lag."""
    return author[:8] == _MARKER_PREFIX


def past_fork_heads(kept: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, int, bytes]]:
    """The marker heads (author, seq, id) announcing the revocations and vouches `kept` ((author,
    event id) pairs) that frozen keys signed past their fork points: one per author, its seq their number,
    its id a digest of their ids."""
    by_author: dict[bytes, list[bytes]] = {}
    for author, event_id in kept:
        by_author.setdefault(author, []).append(event_id)
    return [(past_fork_marker(author), len(ids), blake2b_256(b"".join(sorted(ids)), person=b"solnet-frozen"))
            for author, ids in sorted(by_author.items())]
