"""Events for chosen groups only (docs/design.md section 6.6): the inside of a `sealed` event.

A `sealed` event's only field is an envelope (crypto/envelope.py). What it hides is this
plaintext, canonical msgpack:
    {"v": 1, "kind": inner kind, "fields": {...}, "to": [group ids named], "pad": bytes}
so the clear header says neither what the event is (action, need ...), nor its region or times,
nor who may read it; only its author, when it was signed and roughly how big it is. The padding
rounds the plaintext up to a size bucket, so the length tells little more than "short" or "long".

Pure: no I/O. `inner_plaintext` makes the bytes to seal, `parse_inner` checks opened bytes as
strictly as a public body is checked (the author signed the envelope, but a recipient must not
trust a malformed inside), and `InnerEvent` lets the ordinary projection functions
(events/projections.py) turn the inside into read-model rows, in memory only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from events.canonical import pack, unpack
from events.errors import BAD_FIELD, MALFORMED, UNKNOWN_VERSION, InvalidEvent
from events.kinds import KINDS, check_fields

SEALED_KIND = "sealed"
ENVELOPE_FIELD = "envelope"
INNER_VERSION = 1
# The kinds that may be sealed: content a group posts, and the kinds that change it (an update of
# a sealed need or a report on a sealed action is sealed too, or it would tell everyone what it is
# about). Housing places and trauma support are often offered to trusted groups only; resources
# (a lawyer's guide, class materials) may be for chosen groups. Not the kinds that are public by
# nature (profiles, alerts and their updates: spread first, to everyone), nor those with their own
# private part (support requests and their case notes), nor membership, redactions or
# announcements, which every node must read to do its job.
SEALABLE = ("action", "action.report", "fundraiser", "fundraiser.update", "need", "need.update", "offer",
            "offer.update", "need.fulfil", "support.offer", "support.offer.update", "resource")
MIN_BUCKET = 512
MAX_INNER_BYTES = 60 * 1024  # the envelope adds ~850 bytes; a body is at most 64 KiB
MAX_TO = 16  # groups named; the envelope holds at most 16 devices anyway


@dataclass(frozen=True)
class Inner:
    """What a recipient reads inside a sealed event."""

    kind: str
    fields: dict[str, Any]
    to: tuple[bytes, ...]  # the groups the author named (its own group reads it too)


def padded_size(length: int) -> int:
    """The size bucket for `length` bytes: powers of two from 512 bytes, then multiples of 8 KiB."""
    size = MIN_BUCKET
    while size < length and size < 8192:
        size *= 2
    if size < length:
        size = -(-length // 8192) * 8192
    return size


def inner_plaintext(kind: str, fields: dict[str, Any], to: list[bytes]) -> bytes:
    """The bytes to seal for an event of `kind` with `fields`, named to the groups `to`, padded."""
    if kind not in SEALABLE:
        raise ValueError(f"{kind} events cannot be sealed to chosen groups; these can: {', '.join(SEALABLE)}")
    check_fields(KINDS[kind], fields)
    body = {"v": INNER_VERSION, "kind": kind, "fields": fields, "to": list(dict.fromkeys(to)), "pad": b""}
    bare = len(pack(body))  # with an empty padding: its bin header takes 2 bytes
    target = padded_size(bare + 1)
    if target > MAX_INNER_BYTES:
        raise ValueError(f"this event is too long to seal ({bare} bytes; at most {MAX_INNER_BYTES})")
    room = target - bare  # padding bytes, if its header stays 2 bytes long (below 256)
    if room == 256:  # 255 bytes keep a 2-byte header, 256 take a 3-byte one: neither fills the bucket
        target = padded_size(target + 1)
        if target > MAX_INNER_BYTES:
            raise ValueError(f"this event is too long to seal ({bare} bytes; at most {MAX_INNER_BYTES})")
        room = target - bare
    body["pad"] = bytes(room if room < 256 else room - 1)
    return pack(body)


def parse_inner(plaintext: bytes) -> Inner:
    """The inside of a sealed event, checked like a public body; InvalidEvent if it is not one."""
    value = unpack(plaintext, what="sealed content")
    if not isinstance(value, dict) or set(value) != {"v", "kind", "fields", "to", "pad"}:
        raise InvalidEvent(MALFORMED, "sealed content is not a map of v, kind, fields, to and pad")
    if value["v"] != INNER_VERSION or type(value["v"]) is not int:
        raise InvalidEvent(UNKNOWN_VERSION, "sealed content of an unknown version")
    kind, fields, to = value["kind"], value["fields"], value["to"]
    if kind not in SEALABLE or not isinstance(fields, dict):
        raise InvalidEvent(BAD_FIELD, "sealed content of a kind that cannot be sealed")
    if (not isinstance(to, list) or len(to) > MAX_TO
            or any(not isinstance(g, bytes) or len(g) != 32 for g in to)):
        raise InvalidEvent(BAD_FIELD, "sealed content names its groups wrongly")
    if not isinstance(value["pad"], bytes) or any(value["pad"]):
        raise InvalidEvent(MALFORMED, "sealed content is padded with something else than zeros")
    check_fields(KINDS[kind], fields)
    return Inner(kind, fields, tuple(to))


@dataclass(frozen=True)
class _InnerHeader:
    timestamp: int
    expires: int | None


@dataclass(frozen=True)
class InnerEvent:
    """A sealed event seen through its inside: the outer id, author, seq, time and expiry with the
    inner kind, so `events.projections.project` makes the rows the public event would make."""

    id: bytes
    author: bytes
    seq: int
    kind: str
    header: _InnerHeader


def inner_event(event_id: bytes, author: bytes, seq: int, timestamp: int, expires: int | None,
                inner: Inner) -> InnerEvent:
    return InnerEvent(event_id, author, seq, inner.kind, _InnerHeader(timestamp, expires))
