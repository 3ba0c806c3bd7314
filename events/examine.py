"""What can be known about a received event without any state: the work ingest hands to other cores.

`examine_all` decodes wire bytes (format, sizes, canonical form, body hash, id), optionally checks
the signature, checks the body against its kind's rules and works out the read-model row it will
make (all of it pure functions of the bytes). The result of each event is a plain list, so a
worker process can send a chunk's results as one msgpack message and the ingesting process reads
them back with one C call (`read_records`): that process is left with the checks that need the
log (chain, trust, duplicates) and with the writes.

A record says the same as the functions it comes from: a decode failure carries the reason code,
message and id that `decode_event` raised; a body that breaks its kind's rules carries what
`parse_body` raised, and the ingesting process refuses the event with it at the very point it
would have parsed the body itself (after the chain and trust checks), so reasons do not change.
Trust events and redactions (rare, and their effects need the trust graph) are not examined for
their body here: the ingesting process parses those itself (`facts` None).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import msgpack

from crypto.errors import BadSignature
from crypto.keys import verify_signature
from events.errors import InvalidEvent
from events.format import SIGN_CONTEXT, Event, Header, decode_event
from events.kinds import checked_body, parse_body
from events.projections import PROFILE, Shape, row_shape

BODY_LEN_AT = Header._fields.index("body_len")  # (an index: a named tuple's attribute is a descriptor call)
# Kinds whose body the ingesting process parses itself (trust changes, redactions).
PARSED_BY_INGEST = frozenset({"member.vouch", "member.revoke", "redact"})


class BodyFacts(NamedTuple):
    """The body of an event judged by its kind's rules alone.

    `problem`: (reason, message) if the body breaks them; `has_fields`: it is a known kind with its
    body (it has an effect if its author's role may sign the kind); `shape`: the read-model row it
    makes, without the author's group (table, region, time, ref, public, urgent), or None."""

    problem: tuple[str, str] | None
    has_fields: bool
    shape: Shape | None


class Examined(NamedTuple):
    """One wire examined: `event` (None if it did not decode, then `refusal` says why),
    `signature_ok` (None: not checked), `facts` (None: the body is left to the ingesting process)."""

    event: Event | None
    refusal: InvalidEvent | None
    signature_ok: bool | None
    facts: BodyFacts | None


def body_facts(ev: Event, checked: dict[str, Any] | None = None) -> BodyFacts | None:
    """The state-free verdict on `ev`'s body, or None for the kinds the ingesting process parses.
    `checked`: the fields `ev`'s body was packed from, already checked (events.kinds.checked_body)."""
    if ev.kind in PARSED_BY_INGEST:
        return None
    try:
        fields = parse_body(ev.header, ev.body) if checked is None else checked_body(ev.header, checked)
    except InvalidEvent as exc:
        return BodyFacts((exc.reason, exc.args[0]), False, None)
    if fields is None:
        return BodyFacts(None, False, None)
    shape = row_shape(ev, fields)  # the row's place only: its data is rebuilt when it is read
    if shape is None:
        return BodyFacts(None, True, None)
    if shape[0] == PROFILE:
        return None  # a profile (keyed by its group): projected by the ingesting process
    return BodyFacts(None, True, shape)


def _record(wire: bytes, verify: bool) -> list[Any]:
    try:
        ev = decode_event(wire)
    except InvalidEvent as exc:
        return [exc.reason, exc.args[0], exc.event_id]
    ok = None
    if verify:
        try:
            verify_signature(ev.header.author, SIGN_CONTEXT + ev.header_bytes, ev.signature)
            ok = True
        except BadSignature:
            ok = False
    facts = body_facts(ev)
    # The header, signature and body are not sent back: they are cut from the wire (`read_records`).
    return [ev.id, ev.header, len(ev.header_bytes), ev.body is not None, ok,
            None if facts is None else [facts.problem, facts.has_fields, facts.shape]]


def examine_records(wires: Sequence[bytes], *, verify: bool) -> list[list[Any]]:
    """The records of `wires` (plain lists: what a worker process sends back)."""
    return [_record(wire, verify) for wire in wires]


def pack_records(records: list[list[Any]]) -> bytes:
    return msgpack.packb(records, use_bin_type=True)


def read_records(records: Sequence[Sequence[Any]], wires: Sequence[bytes]) -> list[Examined]:
    """Examined events from the records of `wires` (made by `examine_records` here, or unpacked
    from a worker's answer)."""
    # A wire that decoded is canonical, [bin, bin 64, bin | nil], so where each part lies follows
    # from the lengths alone. The ingesting process runs this for every event: tuples are built
    # with tuple.__new__ (a named tuple's own __new__ is a Python function).
    new, out = tuple.__new__, []
    append = out.append
    for r, wire in zip(records, wires):
        if len(r) == 3:
            append(Examined(None, InvalidEvent(r[0], r[1], r[2]), None, None))
            continue
        event_id, fields, header_len, has_body, ok, facts = r
        header = fields if type(fields) is Header else new(Header, fields)
        h = 3 if header_len < 0x100 else 4  # a header is at most 1024 bytes: bin 8 or bin 16
        s = h + header_len + 2
        if has_body:  # (the body is the wire's last part: from past its length to the end)
            body_len = header[BODY_LEN_AT]
            body = wire[s + 64 + (2 if body_len < 0x100 else 3 if body_len < 0x10000 else 5):]
        else:
            body = None
        append(new(Examined, (new(Event, (event_id, header, wire[h: s - 2], wire[s: s + 64], body)), None, ok,
                              None if facts is None else new(BodyFacts, facts))))
    return out


def unpack_records(payload: bytes) -> list[list[Any]]:
    """A worker's answer as records (arrays come back as tuples, as `examine_records` makes the
    problems and shapes). It comes from this node's own child process, not a peer: no
    canonical-form checks."""
    return list(msgpack.unpackb(payload, raw=False, use_list=False))


def count_records(payload: bytes) -> int:
    """How many records a worker's answer holds, read from its array's header without unpacking
    them (-1: not an array)."""
    first = payload[0] if payload else 0
    if 0x90 <= first <= 0x9f:  # fixarray: up to 15
        return first & 0x0f
    if first in (0xdc, 0xdd):  # array 16, array 32
        size = 3 if first == 0xdc else 5
        return int.from_bytes(payload[1:size], "big") if len(payload) >= size else -1
    return -1


def examine_all(wires: Sequence[bytes], *, verify: bool) -> list[Examined]:
    """Examine `wires` in this process."""
    return read_records(examine_records(wires, verify=verify), wires)
