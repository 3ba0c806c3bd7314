"""Events for chosen groups only (docs/design.md section 6.6): the inside of a `sealed` event.

A `sealed` event's only field is an envelope (crypto/envelope.py). What it hides is this
plaintext, canonical msgpack:
    {"v": 1, "kind": inner kind, "fields": {...}, "to": [group ids named], "pad": bytes}
so the clear header says neither what the event is (action, need ...), nor its region or times,
nor who may read it; only its author, when it was signed and roughly how big it is. The envelope
(version 2) pads what it seals to a size bucket, so the length tells little more than "short" or
"long"; "pad" is empty since. Insides sealed in version-1 envelopes (until 2026-12) carry their
own padding there, zeros up to the bucket: they are read as before.

Pure: no I/O. `inner_plaintext` makes the bytes to seal, `parse_inner` checks opened bytes as
strictly as a public body is checked (the author signed the envelope, but a recipient must not
trust a malformed inside), and `InnerEvent` lets the ordinary projection functions
(events/projections.py) turn the inside into read-model rows, in memory only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crypto.envelope import max_plaintext
from events.canonical import pack, unpack
from events.errors import BAD_FIELD, MALFORMED, UNKNOWN_VERSION, InvalidEvent
from events.kinds import BODY_BUILT_FREELY, KINDS, MOST_ITEMS, check_fields

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
SEALABLE = ("action", "action.report", "action.update", "fundraiser", "fundraiser.update", "fundraiser.decline",
            "need", "need.update", "offer", "offer.update", "need.fulfil", "need.decline", "support.offer", "support.offer.update", "resource")
# Of those, the replies to another group's item (a pledge, a fulfilment, a decline of one), by the
# field naming that item: sealed, they must reach the item's own group, or coordinators would count
# a pledge or a covered need its owner never sees and cannot decline (events.effects.reaches_owner).
REPLIES = {"fundraiser.update": "fundraiser", "need.fulfil": "need", "fundraiser.decline": "fundraiser",
           "need.decline": "need"}
# The longest inside whose envelope fits the `envelope` field (the top of the largest size bucket)
MAX_INNER_BYTES = max_plaintext(KINDS[SEALED_KIND].field(ENVELOPE_FIELD).max_len)
# The maps and lists an inside may hold: itself, its fields and its groups, and a list in each field
# at most. More are refused as msgpack builds them (events/canonical.py `unpack`): a member's sealed
# event of empty maps built 73 times its size in this node's process before it was refused.
_INNER_CONTAINERS = 3 + max(len(KINDS[kind].fields) for kind in SEALABLE)
MAX_TO = 16  # groups named; the envelope holds at most 16 devices anyway
assert MAX_TO <= MOST_ITEMS  # (a long inside's lists and maps are refused past MOST_ITEMS items)


@dataclass(frozen=True)
class Inner:
    """What a recipient reads inside a sealed event."""

    kind: str
    fields: dict[str, Any]
    to: tuple[bytes, ...]  # the groups the author named (its own group reads it too)


def inner_plaintext(kind: str, fields: dict[str, Any], to: list[bytes]) -> bytes:
    """The bytes to seal for an event of `kind` with `fields`, named to the groups `to` (the envelope pads them)."""
    if kind not in SEALABLE:
        raise ValueError(f"{kind} events cannot be sealed to chosen groups; these can: {', '.join(SEALABLE)}")
    check_fields(KINDS[kind], fields)
    body = pack({"v": INNER_VERSION, "kind": kind, "fields": fields, "to": list(dict.fromkeys(to)), "pad": b""})
    if len(body) > MAX_INNER_BYTES:  # the envelope pads it (crypto/envelope.py); said here, not by a peer
        raise ValueError(f"this event is too long to share with chosen groups ({len(body)} bytes once packed; "
                         f"at most {MAX_INNER_BYTES}): shorten its text")
    return body


def parse_inner(plaintext: bytes) -> Inner:
    """The inside of a sealed event, checked like a public body; InvalidEvent if it is not one."""
    long = len(plaintext) > BODY_BUILT_FREELY  # (its maps and lists hold at most MOST_ITEMS items: MAX_TO, fields)
    value = unpack(plaintext, what="sealed content", containers=_INNER_CONTAINERS if long else None,
                   items=MOST_ITEMS if long else None)
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
    """The opened event as its inner kind's rules read it: the outer expiry counts only for a kind
    that may expire. A node cannot refuse a sealed event whose inner kind forbids an expiry (it
    cannot read inside, and refusing it where it can would be a rule change), but what it opens
    counts no expiry that the same event in the clear could never carry (events/kinds.py)."""
    counted = expires if KINDS[inner.kind].expiry != "forbidden" else None
    return InnerEvent(event_id, author, seq, inner.kind, _InnerHeader(timestamp, counted))
