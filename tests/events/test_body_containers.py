"""A long event body's maps and lists are counted as they are built, and no more are built than a
body of its kind can hold (events/kinds.py `parse_body`, events/canonical.py `unpack(containers=)`).

A body is one map of fields, each a plain value or a list of them, so it holds one more map or
list than its kind has fields at most; its kind's rules refuse any other. They did so only once it
was built: a 64 KiB body of empty maps in a list built 65,000 of them, 4.7 MB (73 x its size), in an
ingest worker for a member's event, or on the node's own database thread for a stranger's judged
credentials (until 2026-12-07); now 3-5 x (the wire, its parts, and the outer list's room for the
items it claims). Lists of plain values and maps of many fields built up to 41 x (a new int object
for each one-byte number) until they were refused past 64 items at their headers (2026-12-07). Memory is measured with tracemalloc (the same on any machine), in
`examine_records`, what an ingest worker runs for each event; the verdicts are those of the
decoder without the count, the reference kept here.
"""
from __future__ import annotations

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.keys import SigningKey
import events.kinds as kinds
from events.canonical import pack
from events.errors import BAD_FIELD, MALFORMED, InvalidEvent
from events.examine import examine_records
from events.format import MAX_BODY_BYTES, Header
from events.kinds import BODY_BUILT_FREELY, KINDS, parse_body
from events.sealed import MAX_INNER_BYTES, inner_plaintext, parse_inner
from crypto.hashing import blake2b_256
from events.format import sign_event
from work_cost import traced_peak

KEY = SigningKey.generate()
NETWORK = bytes(range(32))
ROOM = MAX_BODY_BYTES - 16  # (a list's and a field's headers)


def header_of(kind: str, body: bytes) -> Header:
    return Header(NETWORK, bytes(KEY.public), 1, None, 1_700_000_000_000, kind, None, blake2b_256(body), len(body))


def reference_parse(header: Header, body: bytes) -> dict | None:
    """`parse_body` as it was: the whole body built, then judged by its kind's rules."""
    counted_from = kinds.BODY_BUILT_FREELY
    kinds.BODY_BUILT_FREELY = MAX_BODY_BYTES  # (no body is longer: none counted)
    try:
        return parse_body(header, body)
    finally:
        kinds.BODY_BUILT_FREELY = counted_from


def verdict(parse, header: Header, body: bytes) -> object:
    try:
        return parse(header, body)
    except InvalidEvent as exc:
        return exc.reason


BOMBS = {
    "empty maps in a field": msgpack.packb({"details": [{}] * (ROOM - 10)}),
    "empty lists in a field": msgpack.packb({"details": [[]] * (ROOM - 10)}),
    "one-item maps in a field": msgpack.packb({"details": [{"": 0}] * ((ROOM - 10) // 3)}),
    "empty maps, no map around them": msgpack.packb([{}] * ROOM),
    # Lists of plain values, each a new object once built (a negative fixint: one byte, 28 built);
    # 41 x under the count of maps and lists (until 2026-12-07)
    "small negative numbers in a field": msgpack.packb({"details": [-32] * (ROOM - 10)}),
    "two-letter texts in a field": msgpack.packb({"details": ["ab"] * ((ROOM - 10) // 3)}),
    "small negative numbers, no map around them": msgpack.packb([-32] * ROOM),
    "many fields": msgpack.packb(dict.fromkeys(sorted(f"{i:x}" for i in range(ROOM // 6)))),
}


def test_a_body_of_empty_containers_is_refused_before_it_is_built() -> None:
    for name, body in BOMBS.items():
        header = header_of("need", body)
        assert verdict(parse_body, header, body) == verdict(reference_parse, header, body) in (BAD_FIELD, MALFORMED)
        peak = traced_peak(lambda: parse_body(header, body), InvalidEvent)
        assert peak < 6 * len(body), f"{name}: {peak / len(body):.0f} x the body's {len(body)} bytes built"


def test_a_long_valid_body_is_read_as_before() -> None:
    body = pack({"ids": [bytes([i]) * 32 for i in range(64)], "reason": "duplicates"})
    assert len(body) > BODY_BUILT_FREELY
    header = header_of("redact", body)
    assert parse_body(header, body) == reference_parse(header, body) == {
        "ids": [bytes([i]) * 32 for i in range(64)], "reason": "duplicates"}


@pytest.mark.parametrize("bomb", ["empty maps in a field", "small negative numbers in a field"])
def test_the_ingest_workers_examination_of_such_an_event_builds_little(bomb: str) -> None:
    body = BOMBS[bomb]
    wire = sign_event(KEY, network=NETWORK, seq=1, prev=None, timestamp=1_700_000_000_000, kind="need",
                      body=body).encode()
    peak = traced_peak(lambda: examine_records([wire], verify=True))
    assert peak < 10 * len(wire), f"{peak / len(wire):.0f} x the event's {len(wire)} bytes held at once"


_plain = st.one_of(st.none(), st.booleans(), st.integers(-3, 300), st.text(max_size=3), st.binary(max_size=3))
_value = st.recursive(_plain, lambda inner: st.one_of(st.lists(inner, max_size=6),
                                                      st.dictionaries(st.text(max_size=2), inner, max_size=3)),
                      max_leaves=40)


_ids = st.lists(st.binary(min_size=32, max_size=32), min_size=60, max_size=70)
_long = st.one_of(_ids, st.lists(_plain, min_size=60, max_size=70), st.lists(_ids, max_size=2))


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(sorted(KINDS)), fields=st.dictionaries(st.text(max_size=12), _value, max_size=8),
       padding=st.integers(0, 2 * BODY_BUILT_FREELY),
       long=st.none() | st.tuples(st.sampled_from(["ids", "languages", "photos", "addresses", "details"]), _long),
       many=st.integers(0, 20))
def test_a_long_bodys_verdict_is_the_whole_decoders(kind: str, fields: dict, padding: int,
                                                    long: tuple[str, list] | None, many: int) -> None:
    """Random bodies, padded past the length from which their containers are counted (or not), some
    with one of a kind's own fields, some with a list of about the most items a list field may hold
    (64), some with many fields: accepted as the same fields, or refused, as the reference does; for
    the same reason where the reference's is its kind's rules' (a body both non-canonical and
    holding too many containers or items may be refused for the second)."""
    fields = {**fields, "notes": "x" * padding} if padding else fields
    fields = {**fields, long[0]: long[1]} if long else fields
    fields = {**fields, **{f"f{i}": i for i in range(many)}}
    body = pack(fields)
    header = header_of(kind, body)
    ours, reference = verdict(parse_body, header, body), verdict(reference_parse, header, body)
    if isinstance(reference, dict) or reference in (BAD_FIELD, MALFORMED):
        assert ours == reference
    else:
        assert isinstance(ours, str), f"accepted where the reference said {reference}"


def test_a_sealed_events_inside_of_empty_containers_is_refused_before_it_is_built() -> None:
    """The inside of a sealed event is read by the groups it names, in the node's own process: a
    member's of empty maps built 73 times its size there before its rules refused it."""
    fields = {"title": "x", "region": "calais", "type": "protest", "starts_at": 1}
    long = inner_plaintext("action", {**fields, "description": "d" * 1500, "languages": ["en", "fr"]},
                           [bytes([i]) * 32 for i in range(1, 9)])
    assert len(long) > BODY_BUILT_FREELY and parse_inner(long).fields["languages"] == ["en", "fr"]
    room = MAX_INNER_BYTES - 64
    bomb = pack({"fields": {**fields, "description": [{}] * room}, "kind": "action", "pad": b"", "to": [], "v": 1})
    peak = traced_peak(lambda: parse_inner(bomb), InvalidEvent)
    assert peak < 6 * len(bomb), f"{peak / len(bomb):.0f} x the inside's {len(bomb)} bytes built"
    with pytest.raises(InvalidEvent):
        parse_inner(bomb)
