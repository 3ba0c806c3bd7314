"""An event signed at a seq no chain reaches, as a hostile member makes one: built past
events.format's own checks (sign_event refuses such a seq), signed for real."""
from __future__ import annotations

import os

from crypto.hashing import blake2b_256
from crypto.keys import SigningKey
from events.canonical import pack
from events.format import SIGN_CONTEXT, Event, Header, event_id
from node.log import now_ms


def signed_at(key: SigningKey, network: bytes, seq: int, kind: str, fields: dict) -> bytes:
    """The wire of a `kind` event of `key` at `seq` (any prev), whatever events.format allows."""
    body = pack(fields)
    header = Header(network=network, author=bytes(key.public), seq=seq, prev=os.urandom(32), timestamp=now_ms(),
                    kind=kind, expires=None, body_hash=blake2b_256(body), body_len=len(body))
    header_bytes = header.encode()
    signature = key.sign(SIGN_CONTEXT + header_bytes)
    return Event(event_id(header_bytes, signature), header, header_bytes, signature, body).encode()
