"""An independent implementation of the envelope format (crypto/envelope.py), for tests only.

It shares no code with solnet: X25519 and ChaCha20-Poly1305 come from `cryptography` (OpenSSL),
HChaCha20 (which turns ChaCha20-Poly1305 into the XChaCha20 variant) is written out here, BLAKE2b
comes from hashlib and the msgpack framing is written byte by byte. It follows the layout in the
envelope module's docstring:

    [1, ephemeral_public(32), slots: [bin(48) x 16], nonce(24), ciphertext]
    wrap key  = BLAKE2b-256(X25519(ephemeral, recipient) || ephemeral_public || recipient_public,
                            person="solnet-wrap-v1")
    slot      = XChaCha20-Poly1305(wrap key, nonce = 24 zero bytes, content key)
    body      = XChaCha20-Poly1305(content key, nonce, plaintext,
                                   aad = "solnet-envelope-v1" || BLAKE2b-256(0x01 || ephemeral_public
                                                                             || all slots || nonce))

Version 2 differs in two places: the label is "solnet-envelope-v2" and 0x02 leads the hashed
data, and what is encrypted is not the plaintext but
    inside    = length (4 bytes, big-endian) || plaintext || zeros, to the first size of
                512, 1024, 2048, 4096, 8192, 16384, 24576, 32768 ... (8 KiB steps) that holds it

Randomness is passed in, so the same inputs give the same bytes: known answers can be recomputed.
"""
from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

SLOTS = 16
WRAP_PERSON = b"solnet-wrap-v1"
BODY_LABELS = {1: b"solnet-envelope-v1", 2: b"solnet-envelope-v2"}

# HChaCha20 of draft-irtf-cfrg-xchacha-03, section 2.2.1: the check that the function below is right.
HCHACHA20_VECTOR = (
    bytes(range(32)),
    bytes.fromhex("000000090000004a0000000031415927"),
    bytes.fromhex("82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc"),
)


def _rotl(value: int, count: int) -> int:
    return ((value << count) & 0xFFFFFFFF) | (value >> (32 - count))


def hchacha20(key: bytes, nonce16: bytes) -> bytes:
    """The ChaCha20 core without the final addition, keeping words 0-3 and 12-15."""
    x = list(struct.unpack("<4I", b"expand 32-byte k") + struct.unpack("<8I", key) + struct.unpack("<4I", nonce16))

    def quarter(a: int, b: int, c: int, d: int) -> None:
        x[a] = (x[a] + x[b]) & 0xFFFFFFFF
        x[d] = _rotl(x[d] ^ x[a], 16)
        x[c] = (x[c] + x[d]) & 0xFFFFFFFF
        x[b] = _rotl(x[b] ^ x[c], 12)
        x[a] = (x[a] + x[b]) & 0xFFFFFFFF
        x[d] = _rotl(x[d] ^ x[a], 8)
        x[c] = (x[c] + x[d]) & 0xFFFFFFFF
        x[b] = _rotl(x[b] ^ x[c], 7)

    for _ in range(10):
        quarter(0, 4, 8, 12), quarter(1, 5, 9, 13), quarter(2, 6, 10, 14), quarter(3, 7, 11, 15)
        quarter(0, 5, 10, 15), quarter(1, 6, 11, 12), quarter(2, 7, 8, 13), quarter(3, 4, 9, 14)
    return struct.pack("<8I", *(x[0:4] + x[12:16]))


def xchacha_encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    return ChaCha20Poly1305(hchacha20(key, nonce[:16])).encrypt(bytes(4) + nonce[16:], plaintext, aad)


def xchacha_decrypt(key: bytes, nonce: bytes, sealed: bytes, aad: bytes = b"") -> bytes:
    """Raises cryptography's InvalidTag when the key is wrong or anything was altered."""
    return ChaCha20Poly1305(hchacha20(key, nonce[:16])).decrypt(bytes(4) + nonce[16:], sealed, aad)


def public_key(secret: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(secret).public_key().public_bytes_raw()


def _x25519(secret: bytes, public: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(secret).exchange(X25519PublicKey.from_public_bytes(public))


def _wrap_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return hashlib.blake2b(shared + ephemeral_public + recipient_public, digest_size=32, person=WRAP_PERSON).digest()


def body_aad(ephemeral_public: bytes, slots: Sequence[bytes], nonce: bytes, version: int = 1) -> bytes:
    digest = hashlib.blake2b(bytes([version]) + ephemeral_public + b"".join(slots) + nonce, digest_size=32).digest()
    return BODY_LABELS[version] + digest


def bucket(length: int) -> int:
    """The first size of the list in the module's docstring that holds `length` bytes."""
    sizes = [512 << i for i in range(5)]  # 512 .. 8192
    if length <= sizes[-1]:
        return next(size for size in sizes if size >= length)
    return (length + 8191) // 8192 * 8192


def frame(plaintext: bytes) -> bytes:
    """Version 2's inside of `plaintext`."""
    framed = struct.pack(">I", len(plaintext)) + plaintext
    return framed.ljust(bucket(len(framed)), b"\x00")


def unframe(inside: bytes) -> bytes:
    """The plaintext in version 2's inside; ValueError unless it is exactly frame(plaintext)."""
    if len(inside) < 4:
        raise ValueError("no length")
    (length,) = struct.unpack(">I", inside[:4])
    plaintext = inside[4:4 + length]
    if len(plaintext) != length or frame(plaintext) != inside:
        raise ValueError("malformed framing or padding")
    return plaintext


def _bin(data: bytes) -> bytes:
    """msgpack bin in its shortest form."""
    if len(data) < 2**8:
        return b"\xc4" + struct.pack(">B", len(data)) + data
    if len(data) < 2**16:
        return b"\xc5" + struct.pack(">H", len(data)) + data
    return b"\xc6" + struct.pack(">I", len(data)) + data


def _array_head(count: int) -> bytes:
    return bytes([0x90 | count]) if count < 16 else b"\xdc" + struct.pack(">H", count)


def seal(plaintext: bytes, recipients: Sequence[bytes], *, ephemeral_secret: bytes, content_key: bytes,
         padding: Sequence[bytes], order: Sequence[int], nonce: bytes, version: int = 1,
         inside: bytes | None = None) -> bytes:
    """The envelope of `plaintext` for the X25519 public keys `recipients`; slot i of the result is
    slot order[i] of [recipients' wrapped keys..., padding...] (so the slot count is len(order)).
    Version 2 encrypts frame(plaintext), or `inside` when given (to make malformed framings)."""
    ephemeral_public = public_key(ephemeral_secret)
    wrapped = [xchacha_encrypt(_wrap_key(_x25519(ephemeral_secret, r), ephemeral_public, r), bytes(24), content_key)
               for r in recipients]
    unordered = wrapped + list(padding)
    slots = [unordered[i] for i in order]
    if inside is None:
        inside = plaintext if version == 1 else frame(plaintext)
    ciphertext = xchacha_encrypt(content_key, nonce, inside, body_aad(ephemeral_public, slots, nonce, version))
    return (b"\x95" + bytes([version]) + _bin(ephemeral_public) + _array_head(len(slots)) + b"".join(_bin(s) for s in slots)
            + _bin(nonce) + _bin(ciphertext))


def open_(envelope: bytes, secret: bytes) -> bytes:
    """The plaintext if `secret` is a recipient's X25519 key (version 1 or 2); ValueError for anything else."""
    def take(data: bytes, prefix: bytes, size: int) -> tuple[bytes, bytes]:
        if not data.startswith(prefix) or len(data) < len(prefix) + size:
            raise ValueError(f"expected {prefix.hex()} and {size} bytes")
        return data[len(prefix):len(prefix) + size], data[len(prefix) + size:]

    if envelope[:2] not in (b"\x95\x01", b"\x95\x02"):
        raise ValueError("not an envelope of version 1 or 2")
    version, rest = envelope[1], envelope[2:]
    ephemeral_public, rest = take(rest, b"\xc4\x20", 32)
    _, rest = take(rest, b"\xdc\x00\x10", 0)
    slots = []
    for _ in range(SLOTS):
        slot, rest = take(rest, b"\xc4\x30", 48)
        slots.append(slot)
    nonce, rest = take(rest, b"\xc4\x18", 24)
    heads = {0xC4: 1, 0xC5: 2, 0xC6: 4}
    if not rest or rest[0] not in heads:
        raise ValueError("expected the ciphertext as msgpack bin")
    width = heads[rest[0]]
    length = int.from_bytes(rest[1:1 + width], "big")
    ciphertext, rest = take(rest, rest[:1 + width], length)
    if rest:
        raise ValueError("bytes after the ciphertext")
    wrap = _wrap_key(_x25519(secret, ephemeral_public), ephemeral_public, public_key(secret))
    for slot in slots:
        try:
            content_key = xchacha_decrypt(wrap, bytes(24), slot)
        except Exception:  # noqa: BLE001 - cryptography's InvalidTag: not this recipient's slot
            continue
        inside = xchacha_decrypt(content_key, nonce, ciphertext, body_aad(ephemeral_public, slots, nonce, version))
        return inside if version == 1 else unframe(inside)
    raise ValueError("not a recipient")
