"""The frontier digest: one hash of a log's heads, which two nodes compare to end an in-sync round
after one round trip (sync/antientropy.py). Apart, so that `solnet status`, which shows it, loads
nothing else of the sync package."""
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
