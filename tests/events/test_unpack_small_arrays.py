"""`unpack` reads a value whose arrays hold at most 15 items without the claims walk (events/
canonical.py `_small_arrays`): what it returns or refuses, with which reason and words, is what the
walk and the capped decode before it gave (a reference copy below), for values with arrays on each
side of 15 items and 0xdc/0xdd bytes in their leaves, and for bytes that are no value at all."""
from __future__ import annotations

from typing import Any

import msgpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.canonical import _check_shape, _NotCanonical, claims_come, unpack
from events.errors import MALFORMED, NON_CANONICAL, InvalidEvent

# (floats, an empty extension, int map keys: values the checks after the decode refuse, so that a
# fast path handing them a value of other types, tuples for lists, would be seen)
_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64 - 1), st.binary(max_size=40),
                    st.text(max_size=10), st.just(b"\xdc\x00\x10"), st.just(b"\xdd\xff"),
                    st.floats(allow_nan=False), st.just(msgpack.ExtType(1, b"")))
_VALUES = st.recursive(_LEAVES, lambda inner: st.one_of(
    st.lists(inner, min_size=14, max_size=17), st.lists(inner, max_size=3),
    st.dictionaries(st.text(max_size=3), inner, max_size=5),
    st.dictionaries(st.integers(0, 3), inner, max_size=2)), max_leaves=80)


def _reference(data: bytes, flat: bool) -> Any:
    """`unpack` as it read every value until 2026-12-07: the walk first, then the capped decode, and
    the checks after it on the value that decode built (not the one `unpack` builds now)."""
    limit = len(data)
    try:
        claims_come(data)
        value = msgpack.unpackb(data, max_array_len=limit, max_map_len=limit, max_ext_len=0)
    except (ValueError, TypeError, msgpack.UnpackException, RecursionError) as exc:
        return (MALFORMED, f"value is not valid msgpack ({type(exc).__name__})")
    if msgpack.packb(value, use_bin_type=True) != data:
        return (NON_CANONICAL, "value is not in canonical encoding")
    try:
        _check_shape(value, 0, not flat)
    except _NotCanonical as exc:
        return (NON_CANONICAL, f"value is not canonical: {exc}")
    return value


def _verdict(data: bytes, flat: bool) -> Any:
    try:
        return unpack(data, flat=flat)
    except InvalidEvent as exc:
        return (exc.reason, exc.args[0])


def _same(data: bytes) -> None:
    for flat in (False, True):
        assert _verdict(data, flat) == _reference(data, flat)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(_VALUES)
def test_values_read_as_before(value: Any) -> None:
    data = msgpack.packb(value, use_bin_type=True)
    _same(data)
    _same(data[:-1])  # (cut short: an array's items do not all come)
    _same(msgpack.packb([value] * 16, use_bin_type=True))  # (an array16: the walk, as before)


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=48), st.sampled_from([b"", b"\x9f", b"\xdc\x00\x10", b"\xdc\x00\x0f", b"\x91\x91",
                                                b"\x91\xcd\x00\x01", b"\x91\xca"]))
def test_bytes_read_as_before(tail: bytes, head: bytes) -> None:
    _same(head + tail)


def test_a_nest_of_long_arrays_is_still_walked_first() -> None:
    # Nested arrays each claiming 60,000 items that never come: refused before msgpack makes room.
    bomb = b"\xdc\xea\x60" * 300
    assert _verdict(bomb, True) == (MALFORMED, "value is not valid msgpack (OutOfData)")
