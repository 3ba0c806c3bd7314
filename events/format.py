"""The event: header fields, signing, ids, and the strict decoder for bytes from anywhere.

Wire form (canonical msgpack):  [header: bin, signature: bin(64), body: bin | nil]
Header (canonical msgpack, itself the signed bytes):
    [version=1, network: bin32, author: bin32, seq: int>=1, prev: bin32|nil, timestamp_ms: int,
     kind: str, expires_ms: int|nil, body_hash: bin32|nil, body_len: int]
Signature: Ed25519 by `author` over SIGN_CONTEXT + header.   Id: BLAKE2b-256(header + signature).

The body is bound only by its hash, so a node may drop it (redaction, expiry) and still verify
the whole chain; such a "stub" travels with body nil.
"""
from __future__ import annotations

import re
from typing import Any, NamedTuple

import msgpack

from crypto.errors import BadSignature
from crypto.hashing import blake2b_256
from crypto.keys import SigningKey, short_id, verify_signature
from events.canonical import claims_come, pack, unpack
from events.errors import (BAD_FIELD, BAD_SIGNATURE, BODY_MISMATCH, MALFORMED, OVERSIZE, UNKNOWN_VERSION, InvalidEvent,
                           quoted)

VERSION = 1
MAX_HEADER_BYTES = 1024
MAX_BODY_BYTES = 64 * 1024
MAX_EVENT_BYTES = MAX_HEADER_BYTES + MAX_BODY_BYTES + 96  # framing + signature
MAX_KIND_LEN = 32
KIND_RE = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")
SIGN_CONTEXT = b"solnet/event/v1\x00"
MAX_TIMESTAMP_MS = 2**53  # far beyond any real clock; keeps values exact in JSON
# Seqs are below SQLite's INTEGER bound: one of 2**63 or more (msgpack carries up to 2**64 - 1) raised
# OverflowError in the store, not an outcome, and a member's one such event failed the batch it came in.
# Not lower: an event kept aside below it by an earlier version must still decode when it is read again.
MAX_SEQ = 2**63


class Header(NamedTuple):
    """The signed fields of an event. (Named tuples: built several times faster than frozen
    dataclasses, and ingest builds one per event.)"""

    network: bytes
    author: bytes
    seq: int
    prev: bytes | None
    timestamp: int
    kind: str
    expires: int | None
    body_hash: bytes | None
    body_len: int
    version: int = VERSION

    def encode(self) -> bytes:
        return pack(
            [self.version, self.network, self.author, self.seq, self.prev, self.timestamp,
             self.kind, self.expires, self.body_hash, self.body_len]
        )


class Event(NamedTuple):
    """A decoded, structurally valid event; its signature is checked by `verify()`, not by decoding."""

    id: bytes
    header: Header
    header_bytes: bytes
    signature: bytes
    body: bytes | None

    @property
    def author(self) -> bytes:
        return self.header.author

    @property
    def seq(self) -> int:
        return self.header.seq

    @property
    def kind(self) -> str:
        return self.header.kind

    @property
    def is_stub(self) -> bool:
        """True when the header promises a body that this copy does not carry (redacted or expired)."""
        return self.body is None and self.header.body_len > 0

    def encode(self, *, with_body: bool = True) -> bytes:
        return pack([self.header_bytes, self.signature, self.body if with_body else None])

    def verify(self) -> None:
        """Raise InvalidEvent(bad_signature) unless the author signed this header."""
        try:
            verify_signature(self.header.author, SIGN_CONTEXT + self.header_bytes, self.signature)
        except BadSignature:
            raise self.bad_signature() from None

    def bad_signature(self) -> InvalidEvent:
        return InvalidEvent(BAD_SIGNATURE, f"forged or altered event {short_id(self.id)}: signature does not verify",
                            self.id)


def event_id(header_bytes: bytes, signature: bytes) -> bytes:
    return blake2b_256(header_bytes + signature)


def sign_event(
    key: SigningKey,
    *,
    network: bytes,
    seq: int,
    prev: bytes | None,
    timestamp: int,
    kind: str,
    body: bytes | None,
    expires: int | None = None,
) -> Event:
    """Build and sign an event. The caller supplies seq/prev from the author's chain head."""
    body_bytes = body or b""
    header = Header(
        network=network,
        author=bytes(key.public),
        seq=seq,
        prev=prev,
        timestamp=timestamp,
        kind=kind,
        expires=expires,
        body_hash=blake2b_256(body_bytes) if body_bytes else None,
        body_len=len(body_bytes),
    )
    _check_header(header)
    if len(body_bytes) > MAX_BODY_BYTES:
        raise InvalidEvent(OVERSIZE, f"body is {len(body_bytes)} bytes, the limit is {MAX_BODY_BYTES}")
    header_bytes = header.encode()
    if len(header_bytes) > MAX_HEADER_BYTES:
        raise InvalidEvent(OVERSIZE, f"header is {len(header_bytes)} bytes, the limit is {MAX_HEADER_BYTES}")
    signature = key.sign(SIGN_CONTEXT + header_bytes)
    return Event(event_id(header_bytes, signature), header, header_bytes, signature, body_bytes or None)


def matched(good: set[str], pattern: re.Pattern[str], x: Any) -> bool:
    """Whether `x` is a text `pattern` matches whole; one that does is kept in `good` (up to
    GOOD_KEPT: beyond, a stranger's made-up values are matched each time), so the next value the
    same, as most kinds, regions and languages are, is found there without the regex (a kind's is
    2.9 k of a header's 28 k instructions). Only a plain str is kept: a subclass's own hash and
    equality could make another value found there (for every event)."""
    if not isinstance(x, str) or not pattern.fullmatch(x):
        return False
    if type(x) is str and len(good) < GOOD_KEPT:
        good.add(x)
    return True


GOOD_KEPT = 512
_GOOD_KINDS: set[str] = set()


def _is_uint(value: object, limit: int = 2**64) -> bool:
    return type(value) is int and 0 <= value < limit


def _check_header(h: Header) -> None:
    # Every received event passes here: the fields are read once (a named tuple's attribute is a
    # descriptor call) and the range checks are written out.
    network, author, seq, prev, timestamp, kind, expires, body_hash, body_len, version = h
    if type(version) is not int or version != VERSION:
        raise InvalidEvent(UNKNOWN_VERSION, f"event format version {quoted(version)} is not supported (this node speaks {VERSION})")
    if not (isinstance(network, bytes) and len(network) == 32 and isinstance(author, bytes) and len(author) == 32):
        raise InvalidEvent(MALFORMED, "network and author must be 32-byte values")
    if type(seq) is not int or not 1 <= seq < MAX_SEQ:
        raise InvalidEvent(MALFORMED, f"seq must be an integer from 1 to {MAX_SEQ - 1}")
    if (seq == 1) != (prev is None) or (prev is not None and not (isinstance(prev, bytes) and len(prev) == 32)):
        raise InvalidEvent(MALFORMED, "prev must be absent at seq 1 and a 32-byte id after")
    if type(timestamp) is not int or not 0 <= timestamp < MAX_TIMESTAMP_MS:
        raise InvalidEvent(MALFORMED, "timestamp must be milliseconds since 1970")
    if not (type(kind) is str and kind in _GOOD_KINDS or matched(_GOOD_KINDS, KIND_RE, kind)):
        raise InvalidEvent(MALFORMED, f"kind must be a short name of a-z, 0-9, '.', '_', '-' (at most {MAX_KIND_LEN})")
    if expires is not None and (not _is_uint(expires, MAX_TIMESTAMP_MS) or expires <= timestamp):
        raise InvalidEvent(BAD_FIELD, "expiry must be a time after the event's timestamp")
    if type(body_len) is not int or not 0 <= body_len <= MAX_BODY_BYTES:
        raise InvalidEvent(OVERSIZE, f"body length {quoted(body_len)} is over the {MAX_BODY_BYTES}-byte limit")
    if (body_len == 0) != (body_hash is None) or (body_hash is not None and not (isinstance(body_hash, bytes)
                                                                                and len(body_hash) == 32)):
        raise InvalidEvent(MALFORMED, "body hash must be present exactly when the body is non-empty")


def decode_header(header_bytes: bytes) -> Header:
    if len(header_bytes) > MAX_HEADER_BYTES:
        raise InvalidEvent(OVERSIZE, f"header is {len(header_bytes)} bytes, the limit is {MAX_HEADER_BYTES}")
    fields = unpack(header_bytes, what="event header", flat=True)  # (every field is a plain value: `_check_header`)
    if not isinstance(fields, list) or not fields:
        raise InvalidEvent(MALFORMED, "event header must be a list")
    if type(fields[0]) is not int or fields[0] != VERSION:
        raise InvalidEvent(UNKNOWN_VERSION, f"event format version {quoted(fields[0])} is not supported (this node speaks {VERSION})")
    if len(fields) != 10:
        raise InvalidEvent(MALFORMED, f"event header has {len(fields)} fields, version 1 has 10")
    # tuple.__new__: the named tuple's own __new__ is a Python function, and this runs per event
    header = tuple.__new__(Header, (*fields[1:], fields[0]))
    _check_header(header)
    return header


# Where the body hash sits in a header's list: the version comes first there, last in Header.
_BODY_HASH_AT = 1 + Header._fields.index("body_hash")
_AUTHOR_AT, _SEQ_AT = 1 + Header._fields.index("author"), 1 + Header._fields.index("seq")


def signed_body_hash(header_bytes: bytes) -> bytes | None:
    """The body hash in `header_bytes`, a header already found to be one its author signed (a
    stored event whose id was checked: node/store/events.py checks every body it reads by this),
    so without decode_header's field checks; None for bytes that are not a header at all."""
    try:
        fields = msgpack.unpackb(header_bytes)
    except (ValueError, TypeError):
        return None
    return fields[_BODY_HASH_AT] if isinstance(fields, list) and len(fields) == len(Header._fields) else None


def stored_author_seq(wire: bytes) -> tuple[bytes, int]:
    """The author and seq of `wire`, an event this node stored (checked when it was stored, and
    its id when it is read: node/store/events.py), so without decode_event's checks or body hash."""
    header_bytes = msgpack.unpackb(wire)[0]
    fields = msgpack.unpackb(header_bytes)
    return fields[_AUTHOR_AT], fields[_SEQ_AT]


_KIND_AT = 1 + Header._fields.index("kind")
_NIL = b"\xc0"  # how canonical msgpack writes a body left out, as the wire's last byte


def bodiless_kind(wire: bytes) -> str | None:
    """The kind of `wire` when it carries no body (a stub, or an event whose body is empty), None
    for one that carries its body or for bytes that are no event. Unchecked (neither the format nor
    the signature): for saying what a file left out, never for deciding anything."""
    if wire[-1:] != _NIL:  # most events: no decoding at all
        return None
    try:
        # (a file's wire, and the header in it, may claim items that never come: 82 MB allocated for
        # one wire of 64 KiB, until 2026-12-07; events/canonical.py `claims_come`)
        claims_come(wire)
        header_bytes = msgpack.unpackb(wire)[0]
        if not isinstance(header_bytes, bytes):  # (a damaged file's: the walk reads bytes only)
            return None
        claims_come(header_bytes)
        kind = msgpack.unpackb(header_bytes)[_KIND_AT]
    except (ValueError, TypeError, IndexError, KeyError, msgpack.UnpackException):
        return None
    return kind if isinstance(kind, str) else None


def named_subject(wire: bytes) -> bytes | None:
    """The key a `subject` field names in `wire`, if it holds one as a canonical body writes it (a
    vouch, a revocation), else None. Unchecked (neither the format, the kind nor the signature): for
    finding which few events to decode and check, never for deciding anything (node/net/
    credentials.py `may_certify`, which runs over every small wire a stranger presents). So it
    builds nothing: one search of the bytes. Unpacking the wire built whatever a stranger packed
    in it: 2 KiB of empty lists, or of timestamps, in each of its wires cost ~300 or ~100 ms of the
    database thread's CPU a MiB here, more than decoding them had (until 2026-12-07). No other
    part of an honest event holds these bytes: ids, keys and signatures are random, and text in
    UTF-8 has no 0xC4 followed by a space."""
    at = wire.rfind(_SUBJECT_FIELD)
    if at < 0 or len(wire) < at + len(_SUBJECT_FIELD) + 32:
        return None
    start = at + len(_SUBJECT_FIELD)
    return wire[start:start + 32]


_SUBJECT_FIELD = b"\xa7subject\xc4\x20"  # a body's key "subject", then the 32-byte bin a key field holds


def decode_event(data: bytes) -> Event:
    """Decode wire bytes into an Event, checking format, sizes and body hash, but not the signature.

    Signature work is left to the caller so that duplicates can be dropped by id first.
    """
    if len(data) > MAX_EVENT_BYTES:
        raise InvalidEvent(OVERSIZE, f"event is {len(data)} bytes, the limit is {MAX_EVENT_BYTES}")
    # Its frame is read in C, a stranger's nested containers refused at the first inner list
    # (events/canonical.py `unpack`): until 2026-12-07 the whole wire was built and walked first
    # (2 KiB of nested empty maps: 1.5 ms of the database thread, 32 such wires in one handshake's
    # credentials), then, for a day, cut from its length headers in a Python loop, 23 k
    # instructions an honest event where this takes 9 k.
    parts = unpack(data, what="event", parts=3)
    if type(parts) is not tuple or len(parts) != 3:
        raise InvalidEvent(MALFORMED, "an event is [header, signature, body]")
    header_bytes, signature, body = parts
    if header_bytes is None or signature is None or len(signature) != 64:
        raise InvalidEvent(MALFORMED, "header must be bytes and the signature 64 bytes")
    header = decode_header(header_bytes)
    ident = event_id(header_bytes, signature)
    if body is not None:
        if len(body) != header.body_len:
            raise InvalidEvent(BODY_MISMATCH, f"body is {len(body)} bytes but the header says {header.body_len}", ident)
        if header.body_len == 0:
            raise InvalidEvent(MALFORMED, "an empty body is sent as nil", ident)
        if blake2b_256(body) != header.body_hash:
            raise InvalidEvent(BODY_MISMATCH, "body does not match the hash its author signed", ident)
    return Event(ident, header, header_bytes, signature, body)
