"""The multi-recipient envelope: every recipient opens it, nobody else does, it hides who and how many the
recipients are, and any alteration or garbage is refused with DecryptionFailed (never another error)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import aead
from crypto.envelope import ENVELOPE_VERSION, MAX_RECIPIENTS, open_envelope, seal
from crypto.errors import DecryptionFailed
from crypto.keys import EncryptionKey

# Hypothesis tests cannot take function-scoped fixtures; X25519 keys are cheap to make once.
POOL = [EncryptionKey.generate() for _ in range(MAX_RECIPIENTS + 1)]
OUTSIDER = POOL[MAX_RECIPIENTS]

plaintexts = st.binary(max_size=2048)
FEW = settings(max_examples=50, deadline=None)


def _publics(keys: list[EncryptionKey]) -> list[Any]:
    return [key.public for key in keys]


def _fields(envelope: bytes) -> list[Any]:
    return msgpack.unpackb(envelope, raw=False)


def _pack(value: Any) -> bytes:
    return msgpack.packb(value, use_bin_type=True)


def _refusal(envelope: bytes, key: EncryptionKey) -> str | None:
    """None if open_envelope refuses with DecryptionFailed, else a description of what it did instead."""
    try:
        open_envelope(envelope, key)
    except DecryptionFailed:
        return None
    except Exception as error:  # noqa: BLE001 - any other type is the failure being looked for
        return f"raised {type(error).__name__}: {error}"
    return "opened"


def _ranges(positions: set[int]) -> str:
    spans: list[list[int]] = []
    for position in sorted(set(positions)):
        if spans and position == spans[-1][1] + 1:
            spans[-1][1] = position
        else:
            spans.append([position, position])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)


# --- who can open -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 3, MAX_RECIPIENTS])
def test_every_recipient_opens_and_an_outsider_cannot(count: int) -> None:
    recipients = [EncryptionKey.generate() for _ in range(count)]
    envelope = seal(b"the address of the shelter", _publics(recipients))
    for key in recipients:
        assert open_envelope(envelope, key) == b"the address of the shelter"
    with pytest.raises(DecryptionFailed):
        open_envelope(envelope, EncryptionKey.generate())


@FEW
@given(plaintext=plaintexts, count=st.integers(1, MAX_RECIPIENTS))
def test_random_plaintexts_round_trip(plaintext: bytes, count: int) -> None:
    envelope = seal(plaintext, _publics(POOL[:count]))
    for key in POOL[:count]:
        assert open_envelope(envelope, key) == plaintext
    for key in POOL[count:]:
        with pytest.raises(DecryptionFailed):
            open_envelope(envelope, key)


def test_too_many_recipients_are_refused() -> None:
    with pytest.raises(ValueError):
        seal(b"x", _publics(POOL[: MAX_RECIPIENTS + 1]))


def test_no_recipient_is_refused() -> None:
    with pytest.raises(ValueError):
        seal(b"x", [])


def test_a_repeated_recipient_counts_once() -> None:
    recipients = POOL[:MAX_RECIPIENTS] + [POOL[0]]  # 17 entries, 16 distinct keys
    envelope = seal(b"x", _publics(recipients))
    assert all(open_envelope(envelope, key) == b"x" for key in POOL[:MAX_RECIPIENTS])
    with pytest.raises(DecryptionFailed):
        open_envelope(envelope, OUTSIDER)


# --- what it hides ------------------------------------------------------------------------------


@FEW
@given(plaintext=plaintexts)
def test_length_does_not_reveal_the_number_of_recipients(plaintext: bytes) -> None:
    lengths = {len(seal(plaintext, _publics(POOL[:count]))) for count in (1, 2, 7, MAX_RECIPIENTS)}
    assert len(lengths) == 1


def test_layout_always_carries_the_full_set_of_slots() -> None:
    version, ephemeral, slots, nonce, _ = _fields(seal(b"x", [POOL[0].public]))
    assert version == ENVELOPE_VERSION
    assert len(ephemeral) == 32 and len(nonce) == aead.NONCE_SIZE
    assert len(slots) == MAX_RECIPIENTS
    assert len(set(slots)) == MAX_RECIPIENTS  # padding slots are random, not a recognisable filler


def test_two_seals_of_the_same_plaintext_differ() -> None:
    recipients = _publics(POOL[:2])
    first, second = seal(b"same body", recipients), seal(b"same body", recipients)
    assert first != second
    first_fields, second_fields = _fields(first), _fields(second)
    assert first_fields[1] != second_fields[1], "the ephemeral key must be fresh per envelope"
    assert first_fields[3] != second_fields[3], "the nonce must be fresh per envelope"
    assert not set(first_fields[2]) & set(second_fields[2]), "wrapped keys must not repeat"
    assert open_envelope(first, POOL[0]) == open_envelope(second, POOL[1]) == b"same body"


# --- alteration and garbage ---------------------------------------------------------------------


def test_every_byte_flip_is_refused() -> None:
    recipient = POOL[0]
    envelope = seal(b"flip me", [recipient.public])
    assert len(envelope) < 1024  # keeps the loop bounded
    opened: set[int] = set()
    other: list[str] = []
    for position in range(len(envelope)):
        for mask in (0x01, 0x80, 0xFF):
            altered = bytearray(envelope)
            altered[position] ^= mask
            outcome = _refusal(bytes(altered), recipient)
            if outcome == "opened":
                opened.add(position)
            elif outcome is not None:
                other.append(f"byte {position} ^ {mask:#04x}: {outcome}")
    assert not other, "altered envelopes must fail with DecryptionFailed only:\n" + "\n".join(other[:20])
    assert not opened, (
        f"altered envelope still opened when these byte positions (of {len(envelope)}) were flipped: "
        f"{_ranges(opened)}"
    )


def test_truncated_or_extended_envelopes_are_refused() -> None:
    envelope = seal(b"cut me", [POOL[0].public])
    for length in range(len(envelope)):
        assert _refusal(envelope[:length], POOL[0]) is None, f"prefix of {length} bytes"
    assert _refusal(envelope + b"\x00", POOL[0]) is None
    assert _refusal(envelope + envelope, POOL[0]) is None


def _replace(index: int, value: Any) -> Callable[[list[Any]], Any]:
    return lambda fields: fields[:index] + [value] + fields[index + 1 :]


def _replace_with(index: int, change: Callable[[Any], Any]) -> Callable[[list[Any]], Any]:
    return lambda fields: fields[:index] + [change(fields[index])] + fields[index + 1 :]


# Each builds a malformed envelope from the fields of one that POOL[0] can open, so that the check under
# test is reached (an envelope whose slots are all foreign would fail at the first slot trial anyway).
MALFORMED: dict[str, Callable[[list[Any]], Any]] = {
    "version-0": _replace(0, 0),
    "version-2": _replace(0, 2),
    "version-as-text": _replace(0, "1"),
    "version-true": _replace(0, True),  # equal to 1 in Python, but another encoding of the envelope
    "version-1.0": _replace(0, 1.0),
    "ephemeral-31-bytes": _replace_with(1, lambda e: e[:31]),
    "ephemeral-33-bytes": _replace_with(1, lambda e: e + b"\x00"),
    "ephemeral-low-order": _replace(1, bytes(32)),
    "ephemeral-other-key": _replace(1, bytes(POOL[1].public)),
    "ephemeral-as-text": _replace_with(1, lambda e: e.hex()),
    "slots-15": _replace_with(2, lambda s: s[:15]),
    "slots-17": _replace_with(2, lambda s: s + s[:1]),
    "slots-not-a-list": _replace(2, b"\x00" * 48 * 16),
    "slot-47-bytes": _replace_with(2, lambda s: [slot[:47] for slot in s]),
    "slot-as-text": _replace_with(2, lambda s: [slot.hex() for slot in s]),
    "slot-none": _replace_with(2, lambda s: [None] * len(s)),
    "nonce-23-bytes": _replace_with(3, lambda n: n[:23]),
    "nonce-25-bytes": _replace_with(3, lambda n: n + b"\x00"),
    "nonce-empty": _replace(3, b""),
    "nonce-as-int": _replace(3, 0),
    "ciphertext-empty": _replace(4, b""),
    "ciphertext-shorter-than-tag": _replace_with(4, lambda c: c[:15]),
    "ciphertext-altered": _replace_with(4, lambda c: bytes([c[0] ^ 1]) + c[1:]),
    "ciphertext-as-text": _replace(4, "text"),
    "four-fields": lambda fields: fields[:4],
    "six-fields": lambda fields: fields + [b""],
    "as-a-map": lambda fields: {str(i): value for i, value in enumerate(fields)},
    "nested": lambda fields: [fields],
}


@pytest.mark.parametrize("malform", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_envelopes_are_refused(malform: Callable[[list[Any]], Any]) -> None:
    malformed = _pack(malform(_fields(seal(b"private", [POOL[0].public]))))
    outcome = _refusal(malformed, POOL[0])
    assert outcome is None, f"expected DecryptionFailed, but open_envelope {outcome}"


@pytest.mark.parametrize(
    "garbage",
    [b"", b"\x00", b"\xc1", b"\x95", b"\x91" * 10_000 + b"\x00", b"\xdd\xff\xff\xff\xff", b"\xc6\xff\xff\xff\xff"],
    ids=["empty", "zero", "never-used-byte", "array-head-only", "deep-nesting", "huge-array", "huge-bin"],
)
def test_garbage_is_refused(garbage: bytes) -> None:
    assert _refusal(garbage, POOL[0]) is None


@FEW
@given(garbage=st.binary(max_size=2048))
def test_random_bytes_are_refused(garbage: bytes) -> None:
    assert _refusal(garbage, POOL[0]) is None


msgpack_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats() | st.text() | st.binary(),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text() | st.binary(), inner, max_size=4),
    max_leaves=20,
)
envelope_shaped = st.tuples(
    st.sampled_from([ENVELOPE_VERSION, 0, 2]) | msgpack_values,
    st.binary(min_size=32, max_size=32) | msgpack_values,
    st.lists(st.binary(min_size=48, max_size=48), min_size=16, max_size=16) | msgpack_values,
    st.binary(min_size=24, max_size=24) | msgpack_values,
    st.binary(max_size=64) | msgpack_values,
).map(list)


@FEW
@given(value=msgpack_values | envelope_shaped)
def test_well_formed_msgpack_that_is_not_an_envelope_is_refused(value: Any) -> None:
    assert _refusal(_pack(value), POOL[0]) is None
