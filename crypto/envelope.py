"""The multi-recipient envelope for private bodies.

A fresh content key encrypts the plaintext (XChaCha20-Poly1305). One ephemeral X25519 key is
made per envelope; for each recipient the content key is wrapped under a key derived from
X25519(ephemeral, recipient) and both public keys. The envelope always carries exactly
MAX_RECIPIENTS wrapped-key slots, the unused ones random bytes, in random order: a reader cannot
tell who, or how many, the recipients are. A recipient finds its slot by trial (16 AEAD opens
of 48 bytes, a few microseconds). Layout (canonical msgpack array):
    [version, ephemeral_public(32), slots: [bin(48) x 16], nonce(24), ciphertext]

Version 2 (what `seal` makes) hides the plaintext's length too: inside the ciphertext, so under
the same authentication, the plaintext is framed and padded to its size bucket
(crypto/padding.py: powers of two from 512 bytes, then multiples of 8 KiB):
    length (4 bytes, big-endian) || plaintext || zero bytes up to padded_size(4 + length)
A name and an address of a few words give envelopes of the same length. An envelope whose framing
or padding is anything else is refused (MalformedPadding), however well it authenticates.
Version 1 (until 2026-12) has the bare plaintext as its ciphertext's inside; it still opens, so
the events already in every log stay readable. The body's associated data names the version, so
neither version can be passed off as the other.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import msgpack

from crypto import aead
from crypto.counted import Counted
from crypto.errors import AlteredBody, DecryptionFailed, InvalidKey, MalformedEnvelope, MalformedPadding
from crypto.hashing import blake2b_256
from crypto.keys import KEY_SIZE, EncryptionKey, EncryptionPublicKey
from crypto.padding import largest_bucket_within, padded_size

MAX_RECIPIENTS = 16
ENVELOPE_VERSION = 2  # what seal() makes
READABLE_VERSIONS = (1, 2)
_SLOT_SIZE = aead.KEY_SIZE + aead.TAG_SIZE
_ZERO_NONCE = bytes(aead.NONCE_SIZE)  # each wrap key is used exactly once, so a fixed nonce is safe
_WRAP_PERSON = b"solnet-wrap-v1"  # the same for both versions: the body's label tells them apart
_BODY_AAD = {1: b"solnet-envelope-v1", 2: b"solnet-envelope-v2"}
_LENGTH_SIZE = 4  # the framing of version 2: the plaintext's length, big-endian
# Everything but the ciphertext's bin header and bytes: the array, version, ephemeral key, slots, nonce
_FIXED_LENGTH = len(msgpack.packb([ENVELOPE_VERSION, bytes(KEY_SIZE), [bytes(_SLOT_SIZE)] * MAX_RECIPIENTS,
                                   bytes(aead.NONCE_SIZE)], use_bin_type=True))


def _wrap_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return blake2b_256(shared + ephemeral + recipient, person=_WRAP_PERSON)


def seal(plaintext: bytes, recipients: Sequence[EncryptionPublicKey]) -> bytes:
    """Encrypt `plaintext` so that exactly the holders of `recipients`' private keys can read it."""
    unique = list(dict.fromkeys(recipients))
    if not unique:
        raise ValueError("a private body needs at least one recipient")
    if len(unique) > MAX_RECIPIENTS:
        raise ValueError(f"at most {MAX_RECIPIENTS} recipients per private body, got {len(unique)}")
    ephemeral = EncryptionKey.generate()
    eph_pub = bytes(ephemeral.public)
    content_key = aead.random_bytes(aead.KEY_SIZE)
    slots = [
        aead.encrypt(_wrap_key(ephemeral.shared_secret(r), eph_pub, bytes(r)), _ZERO_NONCE, content_key)
        for r in unique
    ]
    slots += [aead.random_bytes(_SLOT_SIZE) for _ in range(MAX_RECIPIENTS - len(slots))]
    # (random.SystemRandom is secrets.SystemRandom, the OS's randomness; the secrets module imports
    # hmac, which loads OpenSSL: 3.4 MiB resident in an ingest worker, which seals nothing)
    random.SystemRandom().shuffle(slots)
    nonce = aead.random_bytes(aead.NONCE_SIZE)
    aad = _body_aad(ENVELOPE_VERSION, eph_pub, slots, nonce)
    ciphertext = aead.encrypt(content_key, nonce, _framed(plaintext), aad)
    return msgpack.packb([ENVELOPE_VERSION, eph_pub, slots, nonce, ciphertext], use_bin_type=True)


def _framed(plaintext: bytes) -> bytes:
    """Version 2's inside: the length, the plaintext, zeros up to the size bucket."""
    size = padded_size(_LENGTH_SIZE + len(plaintext))
    return len(plaintext).to_bytes(_LENGTH_SIZE, "big") + plaintext + bytes(size - _LENGTH_SIZE - len(plaintext))


def _unframed(padded: bytes) -> bytes:
    """The plaintext inside version 2's framing; MalformedPadding unless the framing is exactly as
    `_framed` makes it (a length within the bytes, zeros after, the bucket of that length)."""
    if len(padded) < _LENGTH_SIZE:
        raise MalformedPadding("the envelope's padded body is shorter than its length field")
    length = int.from_bytes(padded[:_LENGTH_SIZE], "big")
    end = _LENGTH_SIZE + length
    if end > len(padded):
        raise MalformedPadding(f"the envelope's body says {length} bytes but holds {len(padded) - _LENGTH_SIZE}")
    if len(padded) != padded_size(end):
        raise MalformedPadding(f"the envelope's body is padded to {len(padded)} bytes, not to the size bucket "
                               f"of its length ({padded_size(end)})")
    if any(padded[end:]):
        raise MalformedPadding("the envelope's body is padded with something else than zeros")
    return padded[_LENGTH_SIZE:end]


def sealed_length(plaintext_length: int) -> int:
    """The length in bytes of the envelope `seal` makes of a plaintext of `plaintext_length` bytes
    (whatever the recipients and the randomness)."""
    body = padded_size(_LENGTH_SIZE + plaintext_length) + aead.TAG_SIZE
    return _FIXED_LENGTH + _bin_header_length(body) + body


def max_plaintext(envelope_limit: int) -> int:
    """The longest plaintext whose envelope fits in `envelope_limit` bytes: the top of the largest
    size bucket that fits (so a plaintext a little shorter than the limit may not fit)."""
    bucket = largest_bucket_within(envelope_limit - _FIXED_LENGTH)
    while bucket and sealed_length(bucket - _LENGTH_SIZE) > envelope_limit:
        bucket = largest_bucket_within(bucket - 1)
    if not bucket:
        raise ValueError(f"no envelope fits in {envelope_limit} bytes")
    return bucket - _LENGTH_SIZE


def _bin_header_length(size: int) -> int:
    """msgpack's bin header for `size` bytes: bin8, bin16 or bin32."""
    return 2 if size < 2**8 else 3 if size < 2**16 else 5


def _body_aad(version: int, eph_pub: bytes, slots: list[bytes], nonce: bytes) -> bytes:
    """Bind the body to every slot, so altering another recipient's (or a padding) slot is detected by all,
    and to the version, so a version-2 envelope relabelled 1 (its padding then read as text) fails."""
    return _BODY_AAD[version] + blake2b_256(bytes([version]) + eph_pub + b"".join(slots) + nonce)


def _no_map(value: dict) -> dict:
    raise ValueError("an envelope holds no map")


def open_envelope(envelope: bytes, key: EncryptionKey) -> bytes:
    """Return the plaintext if `key` is a recipient; raise DecryptionFailed otherwise or if altered:
    its subclasses say the envelope is damaged (MalformedEnvelope: not in the envelope's form, for any
    key; AlteredBody: a slot opens for `key`, but not the body; MalformedPadding: a version-2 body
    authenticates but is padded wrongly)."""
    try:
        parts = msgpack.unpackb(
            envelope, raw=False, max_bin_len=len(envelope), max_array_len=MAX_RECIPIENTS,
            # Its slots and itself, no map: refusing the first map and the third list as msgpack
            # builds them, the arrays' cap alone let a tree of lists of 16 ending in empty maps
            # through, 63 KiB of it (a sealed event's envelope, which only its recipients can check)
            # built 63 times its size in every node that opened it (until 2026-12-07).
            object_hook=_no_map, list_hook=Counted(2),
        )
    except (ValueError, TypeError, msgpack.UnpackException):
        raise MalformedEnvelope("not a solnet envelope") from None
    if isinstance(parts, list) and parts and type(parts[0]) is int and parts[0] > max(READABLE_VERSIONS):
        # A version newer than this software reads (version 2 came in 2026-12; a 3 may come from a newer
        # node), in whatever form that version has: not readable here, but not damaged or hostile either.
        raise DecryptionFailed(f"an envelope of version {parts[0]}, newer than this software reads")
    try:
        version, eph_pub, slots, nonce, ciphertext = parts
    except (ValueError, TypeError):
        raise MalformedEnvelope("not a solnet envelope") from None
    if (
        type(version) is not int  # msgpack's true and 1.0 compare equal to 1 in Python
        or version not in READABLE_VERSIONS
        or not isinstance(eph_pub, bytes)
        or len(eph_pub) != KEY_SIZE
        or not isinstance(slots, list)
        or len(slots) != MAX_RECIPIENTS
        or not isinstance(nonce, bytes)
        or len(nonce) != aead.NONCE_SIZE
        or not isinstance(ciphertext, bytes)
    ):
        raise MalformedEnvelope("malformed envelope")
    try:
        shared = key.shared_secret(EncryptionPublicKey(eph_pub))
    except InvalidKey:
        raise MalformedEnvelope("envelope has a degenerate ephemeral key") from None
    wrap = _wrap_key(shared, eph_pub, bytes(key.public))
    if any(not isinstance(slot, bytes) or len(slot) != _SLOT_SIZE for slot in slots):
        raise MalformedEnvelope("malformed envelope slot")
    for slot in slots:
        try:
            content_key = aead.decrypt(wrap, _ZERO_NONCE, slot)
        except DecryptionFailed:
            continue
        try:
            inside = aead.decrypt(content_key, nonce, ciphertext, _body_aad(version, eph_pub, slots, nonce))
        except DecryptionFailed:
            # (a slot opened under this key's wrap key: only the sealer could make it, so this key is a
            # recipient; said "not a recipient" until 2026-12-08, sending its reader to ask for a share)
            raise AlteredBody("sealed to this key, but the envelope's body does not authenticate") from None
        return inside if version == 1 else _unframed(inside)
    raise DecryptionFailed("this device is not a recipient of the private part")
