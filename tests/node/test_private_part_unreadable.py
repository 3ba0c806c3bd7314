"""A private part whose envelope is not in the envelope's form (more than 16 slots, a wrong-sized
key or nonce, not msgpack at all) can be read by no device, and anyone can tell: its reader is told
it is damaged (node/private.py `read_private`), not that this device "is not a recipient", which
sends them to ask for a share they would never get (until 2026-12-08). A well-formed envelope for
other devices still says "not a recipient"."""
from __future__ import annotations

import msgpack
import pytest

from crypto.envelope import seal
from crypto.keys import EncryptionKey
from node.private import DAMAGED, MARK, NOT_A_RECIPIENT, READABLE, read_private
from events.canonical import pack

READER, OTHER = EncryptionKey.generate(), EncryptionKey.generate()
PLAINTEXT = MARK + pack({"text": "two people, one a child", "to": []})


def _reshaped(change) -> bytes:
    version, eph, slots, nonce, body = msgpack.unpackb(seal(PLAINTEXT, [READER.public]))
    return msgpack.packb(change([version, eph, slots, nonce, body]), use_bin_type=True)


UNREADABLE = {
    "17 slots": _reshaped(lambda v: [v[0], v[1], v[2] + [v[2][0]], v[3], v[4]]),
    "a short key": _reshaped(lambda v: [v[0], v[1][:31], *v[2:]]),
    "a short nonce": _reshaped(lambda v: [*v[:3], v[3][:-1], v[4]]),
    "not msgpack": b"\xc1" * 100,
}


def test_a_well_formed_part_is_read_or_for_others() -> None:
    sealed = seal(PLAINTEXT, [READER.public])
    assert read_private(sealed, READER) == ("two people, one a child", READABLE)
    assert read_private(sealed, OTHER) == (None, NOT_A_RECIPIENT)


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_a_part_no_device_can_read_is_said_to_be_damaged(name: str) -> None:
    for key in (READER, OTHER):
        assert read_private(UNREADABLE[name], key) == (None, DAMAGED), name


@pytest.mark.parametrize("inside", [MARK + pack([1, 2]), MARK + b"\xc1", MARK + pack({"text": 5, "to": []}), b"\xff\xfe"],
                         ids=["a list", "no msgpack", "a text that is a number", "no UTF-8"])
def test_a_part_sealed_to_this_device_with_nothing_readable_inside_is_damaged(inside: bytes) -> None:
    """Opened by its recipient, but what is inside is no private part (its author's software is
    faulty or hostile): damaged for that recipient, still "not a recipient" for another device."""
    sealed = seal(inside, [READER.public])
    assert read_private(sealed, READER) == (None, DAMAGED)
    assert read_private(sealed, OTHER) == (None, NOT_A_RECIPIENT)


def test_a_part_whose_slot_opens_but_whose_body_was_altered_is_damaged_for_its_recipient() -> None:
    """A slot that opens under this device's key was made by the sealer for it (crypto/envelope.py):
    a body that then fails its authentication (its author changed it after sealing, and signed the
    event over it) is damaged for that recipient, not "not a recipient" (until 2026-12-08), which
    sent them to ask for a share. Another device is still told it is not a recipient."""
    for at in (0, -1):  # the first byte of the ciphertext, the last of its tag
        altered = _reshaped(lambda v: [*v[:4], _flipped(v[4], at)])
        assert read_private(altered, READER) == (None, DAMAGED), at
        assert read_private(altered, OTHER) == (None, NOT_A_RECIPIENT), at


def _flipped(data: bytes, at: int) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 1
    return bytes(changed)
