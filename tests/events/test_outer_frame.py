"""The event decoder reads a wire's frame from its length headers, and builds nothing a stranger packed.

Until 2026-12-07 `decode_event` unpacked the whole wire and walked every container in it before
finding that its three parts were not bytes: 2 KiB of nested empty maps cost 1.5 ms of the database
thread's CPU, and a stranger's handshake could present 32 such wires naming the device it signed
as (node/net/credentials.py `may_certify`), 8 more decoded on the event loop (`voucher_in`). The
frame and a handshake message are now read by msgpack's C unpacker with the caps of their shape
(`unpack(parts=3)`: an array of bytes or nils, anything nested refused at its first inner array), a
header's items are checked for canonical form only at their own level (`unpack(flat=True)`: any
container among them is refused by `_check_header`), and the events accepted are exactly those the
general decoder accepted:
the general decoder is kept here as the reference, and random wires and mutations of valid ones
are fed to both.
"""
from __future__ import annotations

import sys
import tracemalloc

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import events.canonical as canonical
from crypto.hashing import blake2b_256
from crypto.keys import SigningKey
from events.canonical import pack, unpack
from events.errors import BODY_MISMATCH, MALFORMED, NON_CANONICAL, OVERSIZE, UNKNOWN_VERSION, InvalidEvent
from events.format import MAX_EVENT_BYTES, MAX_HEADER_BYTES, VERSION, Event, Header, decode_event, event_id, sign_event
from sync.handshake import HandshakeError, Responder

KEY = SigningKey.generate()
NETWORK = bytes(range(32))


def reference_decode(data: bytes) -> Event:
    """`decode_event` as it was: the general canonical decoder over the whole wire and the header."""
    if len(data) > MAX_EVENT_BYTES:
        raise InvalidEvent(OVERSIZE, "oversize")
    parts = unpack(data, what="event")
    if not isinstance(parts, list) or len(parts) != 3:
        raise InvalidEvent(MALFORMED, "an event is [header, signature, body]")
    header_bytes, signature, body = parts
    if not isinstance(header_bytes, bytes) or not isinstance(signature, bytes) or len(signature) != 64:
        raise InvalidEvent(MALFORMED, "header must be bytes and the signature 64 bytes")
    if body is not None and not isinstance(body, bytes):
        raise InvalidEvent(MALFORMED, "body must be bytes or absent")
    if len(header_bytes) > MAX_HEADER_BYTES:
        raise InvalidEvent(OVERSIZE, "oversize header")
    fields = unpack(header_bytes, what="event header")
    if not isinstance(fields, list) or not fields:
        raise InvalidEvent(MALFORMED, "event header must be a list")
    if type(fields[0]) is not int or fields[0] != VERSION:
        raise InvalidEvent(UNKNOWN_VERSION, "version")
    if len(fields) != 10:
        raise InvalidEvent(MALFORMED, "fields")
    from events.format import _check_header  # the field rules themselves are not what changed
    header = tuple.__new__(Header, (*fields[1:], fields[0]))
    _check_header(header)
    ident = event_id(header_bytes, signature)
    if body is not None:
        if len(body) != header.body_len:
            raise InvalidEvent(BODY_MISMATCH, "length", ident)
        if header.body_len == 0:
            raise InvalidEvent(MALFORMED, "empty", ident)
        if blake2b_256(body) != header.body_hash:
            raise InvalidEvent(BODY_MISMATCH, "hash", ident)
    return Event(ident, header, header_bytes, signature, body)


def outcome(decode, data: bytes) -> Event | str:
    try:
        return decode(data)
    except InvalidEvent as exc:
        return exc.reason


def assert_same_verdict(data: bytes) -> None:
    """Both decoders accept `data` as the same event, or both refuse it; for the same reason, unless
    the general decoder found something nested non-canonical (a container the new one never reads,
    which the rules refuse anyway)."""
    got, expected = outcome(decode_event, data), outcome(reference_decode, data)
    if isinstance(expected, Event) or isinstance(got, Event):
        assert got == expected
    elif expected != NON_CANONICAL:
        assert got == expected, (data, got, expected)


def signed(seq: int = 2, body: bytes | None = b"x" * 40, kind: str = "alert") -> Event:
    return sign_event(KEY, network=NETWORK, seq=seq, prev=None if seq == 1 else b"\x07" * 32,
                      timestamp=1_700_000_000_000, kind=kind, body=body)


VALID = [signed(), signed(seq=1), signed(body=None), signed(body=b"y" * 255), signed(body=b"y" * 256),
         signed(body=b"z" * 65535), signed(body=b"z" * 65536), signed(kind="member.vouch")]
WIRES = [w for ev in VALID for w in (ev.encode(), ev.encode(with_body=False))]


def test_every_form_of_valid_event_decodes_as_before() -> None:
    for wire in WIRES:
        assert decode_event(wire) == reference_decode(wire)


def _bin(data: bytes, form: int) -> bytes:
    return bytes([form]) + len(data).to_bytes({0xC4: 1, 0xC5: 2, 0xC6: 4}[form], "big") + data


def test_frames_in_other_forms_are_refused_as_before() -> None:
    ev = VALID[0]
    h, s, b = ev.header_bytes, ev.signature, ev.body
    framed = [
        b"\xdc\x00\x03" + _bin(h, 0xC4) + _bin(s, 0xC4) + _bin(b, 0xC4),   # array 16
        b"\xdd\x00\x00\x00\x03" + _bin(h, 0xC4) + _bin(s, 0xC4) + b"\xc0",  # array 32
        b"\x93" + _bin(h, 0xC5) + _bin(s, 0xC4) + _bin(b, 0xC4),          # bin 16 for a short header
        b"\x93" + _bin(h, 0xC4) + _bin(s, 0xC6) + _bin(b, 0xC4),          # bin 32 for the signature
        b"\x93" + _bin(h, 0xC4) + _bin(s, 0xC4) + _bin(b, 0xC5),          # bin 16 for a short body
        b"\x93" + _bin(h, 0xC4) + _bin(s[:63], 0xC4) + _bin(b, 0xC4),     # a short signature
        b"\x93" + _bin(h, 0xC4) + _bin(s, 0xC4) + _bin(b"", 0xC4),        # an empty body
        b"\x92" + _bin(h, 0xC4) + _bin(s, 0xC4),                         # two parts
        b"\x94" + _bin(h, 0xC4) + _bin(s, 0xC4) + b"\xc0\xc0",           # four
        b"\x93\xc0" + _bin(s, 0xC4) + _bin(b, 0xC4),                     # no header
        b"\x93" + _bin(h, 0xC4) + b"\xc0" + _bin(b, 0xC4),               # no signature
        b"\x93" + _bin(h, 0xC4) + _bin(s, 0xC4) + b"\x01",               # a number for a body
        b"\x93" + _bin(h, 0xC4) + _bin(s, 0xC4) + b"\xa1x",              # a text for a body
        msgpack.packb([h.decode("latin-1"), s, b]),                    # a text for a header
        msgpack.packb({"a": 2, "b": 1}),                               # a map
        b"\x93" + _bin(h, 0xC4) + _bin(s, 0xC4) + _bin(b, 0xC4) + b"\x00",  # a byte after it
    ]
    for wire in framed:
        assert_same_verdict(wire)
        assert not isinstance(outcome(decode_event, wire), Event)
    assert outcome(decode_event, framed[0]) == NON_CANONICAL and outcome(decode_event, framed[2]) == NON_CANONICAL
    for wire in WIRES:
        for n in range(0, len(wire), max(1, len(wire) // 300)):
            assert_same_verdict(wire[:n])


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_wires_get_the_verdict_they_had(data) -> None:
    wire = data.draw(st.sampled_from(WIRES[:6] + WIRES[8:]))
    i = data.draw(st.integers(0, min(len(wire), 80)))  # the frame and the header are at the start
    j = data.draw(st.integers(i, min(len(wire), i + 4)))
    assert_same_verdict(wire[:i] + data.draw(st.binary(max_size=4)) + wire[j:])


_items = st.recursive(st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1) | st.binary(max_size=70)
                      | st.text(max_size=8), lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=12)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_items, max_size=4), st.booleans())
def test_any_packed_value_gets_the_verdict_it_had(value, as_header) -> None:
    """Random values as the frame, or as the header of a frame (the signature and body left valid)."""
    packed = msgpack.packb(value, use_bin_type=True)
    assert_same_verdict(pack([packed, VALID[0].signature, None]) if as_header else packed)


def hostile(item: bytes, size: int) -> bytes:
    count = size // len(item)
    return b"\xdc" + count.to_bytes(2, "big") + item * count


@pytest.mark.parametrize("item", [b"\x90", b"\x80", b"\x91\x90", b"\xd6\xff\x00\x00\x00\x01"])
def test_a_frame_full_of_containers_is_refused_without_building_them(item) -> None:
    """2 KiB of empty lists or maps, or of timestamps, where a stranger's credentials hold a vouch."""
    device = bytes(SigningKey.generate().public)
    for wire in (hostile(item, 2000),
                 b"\x93\xc4\x0cmember.vouch" + hostile(item, 2000) + b"\xc4\x20" + device,
                 b"\x93\xc4\x0cmember.vouch" + _bin(VALID[0].signature, 0xC4) + hostile(item, 2000)):
        tracemalloc.start()
        try:
            refused = outcome(decode_event, wire)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert refused == MALFORMED
        assert peak < 4096, f"refusing a {len(wire)}-byte wire built {peak} bytes of objects"  # (it was 50-220 KB)


def tree(depth: int) -> bytes:
    """Arrays of three arrays, `depth` deep: within the frame's caps (three items, no map, no text)."""
    return b"\x90" if depth == 0 else b"\x93" + tree(depth - 1) * 3


def peak_of(fn) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_frame_or_a_hello_of_nested_arrays_is_refused_at_its_first_inner_array() -> None:
    """Trees of three-item arrays pass msgpack's caps of a frame (three items): 29 KiB of them took
    21 M instructions to build before the frame's types were looked at; a hello's, read flat, was
    built whole (500 bytes: ~30 KB of lists). A chain of one-item arrays is built only down to
    msgpack's depth limit, whatever its length."""
    sig = VALID[0].signature
    for wire in (tree(9), b"\x93" + tree(9) + _bin(sig, 0xC4) + b"\xc0", b"\x93\xc4\x01x" + tree(6) + b"\xc0",
                 b"\x93\xc4\x01x" + _bin(sig, 0xC4) + tree(8)):
        refused, peak = peak_of(lambda: outcome(decode_event, wire))
        assert refused == MALFORMED
        assert peak < 4096, f"refusing a {len(wire)}-byte wire built {peak} bytes of objects"
    for size in (1100, 60_000):
        wire = b"\x93\xc4\x01x" + b"\x91" * size + b"\x90" + b"\xc0"
        refused, peak = peak_of(lambda: outcome(decode_event, wire))
        assert refused == MALFORMED and peak < 100_000, (size, peak)
    responder, hello = Responder(NETWORK, KEY, lambda key: None), tree(5)

    def refused_hello() -> bool:
        try:
            responder.check_hello(hello)
        except HandshakeError:
            return True
        return False

    refused, peak = peak_of(refused_hello)
    assert refused and peak < 4096, peak


def counted_shape_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counted = [0]
    check = canonical._check_shape

    def counting(*args):
        counted[0] += 1
        return check(*args)

    monkeypatch.setattr(canonical, "_check_shape", counting)
    return counted


@pytest.mark.parametrize("item", [b"\x90", b"\x80", b"\x91\x90"])
def test_a_header_or_a_hello_full_of_containers_is_not_walked(item, monkeypatch) -> None:
    """A header of 1 KiB of nested empty lists was walked a Python call a list (~0.4 ms) before its
    version was looked at; so was a hello of 512 bytes of them, before the node decided to reply."""
    header = hostile(item, MAX_HEADER_BYTES - 8)
    checks = counted_shape_checks(monkeypatch)
    assert outcome(decode_event, pack([header, VALID[0].signature, None])) == UNKNOWN_VERSION
    assert checks[0] <= 2, checks[0]
    header = b"\x9a\x01" + hostile(item, MAX_HEADER_BYTES - 16) + b"\x00" * 8
    checks[0] = 0
    assert outcome(decode_event, pack([header, VALID[0].signature, None])) == MALFORMED
    assert checks[0] <= 2, checks[0]
    checks[0] = 0
    with pytest.raises(HandshakeError):
        Responder(NETWORK, KEY, lambda key: None).check_hello(hostile(item, 500))
    assert checks[0] <= 2, checks[0]


def test_a_float_or_an_unsorted_map_among_a_headers_own_fields_is_still_non_canonical() -> None:
    for fields in ([1, NETWORK, NETWORK, 1.5], [1, {"b": 1, "a": 2}]):
        header = msgpack.packb(fields, use_bin_type=True)
        assert outcome(decode_event, pack([header, VALID[0].signature, None])) in (NON_CANONICAL, MALFORMED)
    header = msgpack.packb([1, NETWORK, NETWORK, 2.0, None, 1, "alert", None, None, 0], use_bin_type=True)
    assert outcome(decode_event, pack([header, VALID[0].signature, None])) == NON_CANONICAL


def reference_parse_body(header: Header, body: bytes | None):
    """`parse_body` as it was: the body checked for canonical form to its last nested item."""
    from events import kinds

    kind = kinds.KINDS.get(header.kind)
    if kind is None:
        return None
    kinds._check_expiry(kind, header)
    if body is None:
        if header.body_len == 0:
            raise InvalidEvent("bad_field", "needs a body")
        return None
    fields = unpack(body, what="body")
    if not isinstance(fields, dict):
        raise InvalidEvent(MALFORMED, "must be a map")
    try:
        kinds.check_fields(kind, fields)
    except InvalidEvent:
        if kinds._beyond_caps(kind, fields):  # (a body past a long body's caps is malformed: 2026-12-08)
            raise InvalidEvent(MALFORMED, "past the caps") from None
        raise
    kinds._check_consent(kind, header, fields)
    return fields


def body_verdict(parse, kind: str, body: bytes):
    ev = signed(kind=kind, body=body)
    try:
        return parse(ev.header, ev.body)
    except InvalidEvent as exc:
        return exc.reason


_field_values = st.recursive(st.none() | st.booleans() | st.integers(-5, 2**40) | st.binary(max_size=40)
                             | st.text(max_size=12) | st.floats(allow_nan=False),
                             lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                        max_size=2), max_leaves=8)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["alert", "member.vouch", "need", "action", "offer", "node.announce"]), st.data())
def test_bodies_get_the_verdict_they_had(kind, data) -> None:
    """Bodies with each of their kind's field names (and others), holding random values, nested ones
    too: the same fields, or a refusal for the same reason unless the general decoder found
    something nested non-canonical."""
    from events.kinds import KINDS, parse_body

    names = [f.name for f in KINDS[kind].fields] + ["x"]
    fields = data.draw(st.dictionaries(st.sampled_from(names), _field_values, min_size=1, max_size=4))
    body = msgpack.packb(dict(sorted(fields.items())) if data.draw(st.booleans()) else fields, use_bin_type=True)
    got, expected = body_verdict(parse_body, kind, body), body_verdict(reference_parse_body, kind, body)
    if isinstance(expected, dict) or isinstance(got, dict):
        assert got == expected
    elif expected != NON_CANONICAL:
        assert got == expected, (fields, got, expected)


@pytest.mark.parametrize("item", [b"\x90", b"\x80", b"\x91\x90"])
def test_a_vouch_body_full_of_containers_is_not_walked(item, monkeypatch) -> None:
    """A vouch naming a device, with 1.7 KiB of nested empty lists or maps in a field of its own: its
    body was walked a Python call a container (~1-1.8 ms; 32 of them in a stranger's credentials)."""
    from events.kinds import parse_body

    device = bytes(SigningKey.generate().public)
    body = b"\x82\xa7subject\xc4\x20" + device + b"\xa1x" + hostile(item, 1700)
    checks = counted_shape_checks(monkeypatch)
    assert body_verdict(parse_body, "member.vouch", body) == "malformed"  # (past the caps: kinds._past_caps)
    assert checks[0] <= 2, checks[0]



def called_from_depth(frames: int, fn):
    """`fn()` called `frames` Python calls deep (the event loop's and aiohttp's frames are beneath a
    handshake's decoding)."""
    return fn() if frames == 0 else called_from_depth(frames - 1, fn)


def nested(depth: int) -> bytes:
    return b"\x91" * depth + b"\x90"


def test_a_value_nested_a_thousand_deep_is_refused_as_invalid_not_with_a_recursion_error() -> None:
    """The general decoder refused anything nested more than 16 deep (non_canonical) before any field
    was read; read flat, a header's version or body length, or a body's choice, may be a list nested
    up to a thousand deep (msgpack's own limit is 1024), and the refusal's sentence quoted it: repr
    and str recursed into it until RecursionError, which the callers of decode_event and parse_body
    let through (a batch's ingest, a stranger's credentials judged on the database thread)."""
    from events.kinds import parse_body

    fields = [msgpack.packb(v, use_bin_type=True) for v in msgpack.unpackb(VALID[0].header_bytes)]
    version = b"\x9a" + nested(1010) + b"\x00" * 9  # (nothing after the version is read)
    body_len = b"\x9a" + b"".join(fields[:9])
    body_len += nested(MAX_HEADER_BYTES - len(body_len) - 1)
    for header, refused in ((version, UNKNOWN_VERSION), (body_len, OVERSIZE)):
        assert len(header) <= MAX_HEADER_BYTES
        wire = pack([header, VALID[0].signature, None])
        assert outcome(reference_decode, wire) == NON_CANONICAL
        assert called_from_depth(200, lambda: outcome(decode_event, wire)) == refused
    for kind, field in (("need", "urgency"), ("action", "type")):  # (enum fields: their refusal quotes the value)
        body = b"\x81" + msgpack.packb(field) + nested(1020)
        assert body_verdict(reference_parse_body, kind, body) == NON_CANONICAL
        assert body_verdict(parse_body, kind, body) == "malformed"  # (past the caps: kinds._past_caps)


def python_calls(fn) -> tuple[object, int]:
    """`fn()`'s result, and how many Python functions ran in it: the cost of refusing a wire, in a
    count that no machine's speed changes."""
    calls = [0]

    def count(frame, event, arg) -> None:
        if event == "call":
            calls[0] += 1

    sys.setprofile(count)
    try:
        result = fn()
    finally:
        sys.setprofile(None)
    return result, calls[0]


def siblings(depth: int, inner: bytes, width: int = 3) -> bytes:
    """Arrays of `width` items nested `depth` deep, each holding `width - 1` arrays of `inner` items
    (nils or empty bins: what a frame or a message may hold) before the next level."""
    leaf = bytes([0x90 + width]) + inner * width
    return (bytes([0x90 + width]) + leaf * (width - 1)) * depth + bytes([0x90 + width]) + leaf * width


@pytest.mark.parametrize("inner", [b"\xc0", b"\xc4\x00"])
def test_a_frame_or_a_message_of_nested_arrays_beside_arrays_of_bytes_costs_a_few_calls(inner) -> None:
    """Beside each inner array, two arrays of nils or empty bins, a thousand deep: each passed the
    frame's list hook (their items are what a frame holds), a Python call each, 2,000 for a 9 KiB
    wire (6.9 M instructions, against 55 k for an honest event's decode) before an array holding
    them was refused. The hook lets one array through: the frame itself, the last one complete."""
    sig = VALID[0].signature
    honest, calls_honest = python_calls(lambda: outcome(decode_event, WIRES[0]))
    assert isinstance(honest, Event)
    for wire in (siblings(1000, inner), b"\x93" + siblings(1000, inner) + _bin(sig, 0xC4) + b"\xc0",
                 b"\x93\xc4\x01x" + _bin(sig, 0xC4) + siblings(1000, inner)):
        assert len(wire) <= MAX_EVENT_BYTES
        refused, calls = python_calls(lambda: outcome(decode_event, wire))
        assert refused == MALFORMED and calls <= calls_honest, (calls, calls_honest)
    responder = Responder(NETWORK, KEY, lambda key: None)

    def refused_hello() -> bool:
        try:
            responder.check_hello(siblings(20, inner, width=4))
        except HandshakeError:
            return True
        return False

    refused, calls = python_calls(refused_hello)
    assert refused and calls <= 12, calls
