"""The multi-recipient envelope for private bodies.

A fresh content key encrypts the plaintext (XChaCha20-Poly1305). One ephemeral X25519 key is
made per envelope; for each recipient the content key is wrapped under a key derived from
X25519(ephemeral, recipient) and both public keys. The envelope always carries exactly
MAX_RECIPIENTS wrapped-key slots, the unused ones random bytes, in random order: a reader cannot
tell who, or how many, the recipients are. A recipient finds its slot by trial (16 AEAD opens
of 48 bytes, a few microseconds). Layout (canonical msgpack array):
    [1, ephemeral_public(32), slots: [bin(48) x 16], nonce(24), ciphertext]
"""
from __future__ import annotations

import secrets
from collections.abc import Sequence

import msgpack

from crypto import aead
from crypto.errors import DecryptionFailed, InvalidKey
from crypto.hashing import blake2b_256
from crypto.keys import KEY_SIZE, EncryptionKey, EncryptionPublicKey

MAX_RECIPIENTS = 16
ENVELOPE_VERSION = 1
_SLOT_SIZE = aead.KEY_SIZE + aead.TAG_SIZE
_ZERO_NONCE = bytes(aead.NONCE_SIZE)  # each wrap key is used exactly once, so a fixed nonce is safe
_WRAP_PERSON = b"solnet-wrap-v1"
_BODY_AAD = b"solnet-envelope-v1"


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
    secrets.SystemRandom().shuffle(slots)
    nonce = aead.random_bytes(aead.NONCE_SIZE)
    ciphertext = aead.encrypt(content_key, nonce, plaintext, _body_aad(eph_pub, slots, nonce))
    return msgpack.packb([ENVELOPE_VERSION, eph_pub, slots, nonce, ciphertext], use_bin_type=True)


def _body_aad(eph_pub: bytes, slots: list[bytes], nonce: bytes) -> bytes:
    """Bind the body to every slot, so altering another recipient's (or a padding) slot is detected by all."""
    return _BODY_AAD + blake2b_256(bytes([ENVELOPE_VERSION]) + eph_pub + b"".join(slots) + nonce)


def open_envelope(envelope: bytes, key: EncryptionKey) -> bytes:
    """Return the plaintext if `key` is a recipient; raise DecryptionFailed otherwise or if altered."""
    try:
        version, eph_pub, slots, nonce, ciphertext = msgpack.unpackb(
            envelope, raw=False, max_bin_len=len(envelope), max_array_len=MAX_RECIPIENTS
        )
    except (ValueError, TypeError, msgpack.UnpackException):
        raise DecryptionFailed("not a solnet envelope") from None
    if (
        type(version) is not int  # msgpack's true and 1.0 compare equal to 1 in Python
        or version != ENVELOPE_VERSION
        or not isinstance(eph_pub, bytes)
        or len(eph_pub) != KEY_SIZE
        or not isinstance(slots, list)
        or len(slots) != MAX_RECIPIENTS
        or not isinstance(nonce, bytes)
        or len(nonce) != aead.NONCE_SIZE
        or not isinstance(ciphertext, bytes)
    ):
        raise DecryptionFailed("malformed envelope")
    try:
        shared = key.shared_secret(EncryptionPublicKey(eph_pub))
    except InvalidKey:
        raise DecryptionFailed("envelope has a degenerate ephemeral key") from None
    wrap = _wrap_key(shared, eph_pub, bytes(key.public))
    if any(not isinstance(slot, bytes) or len(slot) != _SLOT_SIZE for slot in slots):
        raise DecryptionFailed("malformed envelope slot")
    for slot in slots:
        try:
            content_key = aead.decrypt(wrap, _ZERO_NONCE, slot)
        except DecryptionFailed:
            continue
        return aead.decrypt(content_key, nonce, ciphertext, _body_aad(eph_pub, slots, nonce))
    raise DecryptionFailed("this device is not a recipient of the private part")
