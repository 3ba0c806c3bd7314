"""Device and group identities: Ed25519 signing keys, X25519 encryption keys, and their public ids.

Verification is strict: libsodium rejects non-canonical S, small-order R and small-order or
non-canonical public keys, which is what the Wycheproof vectors demand (tests/crypto). The
printable form of every public key and id is lowercase hex, used alike by CLI, API and logs; where
a line has no room for all 64 characters, `short_id` is the one short form (12 hex characters and
an ellipsis). Commands accept any unique prefix of an id, so a short form can be typed back.
"""
from __future__ import annotations

import re

import nacl
import nacl.exceptions

try:  # (PyNaCl's own cffi module, not a public one: a later PyNaCl may move it. Said at start, not a wrong verdict)
    from nacl._sodium import ffi as _ffi, lib as _lib
except ImportError as exc:
    raise ImportError(f"PyNaCl {getattr(nacl, '__version__', '?')} has no nacl._sodium (libsodium's cffi module), "
                      "through which signatures are checked: install a PyNaCl that has it (1.5 or 1.6)") from exc

from crypto.errors import BadSignature, InvalidKey
from crypto.hashing import blake2b_256
from crypto.short_ids import short_id  # noqa: F401 (the short form, also found here)

KEY_SIZE = 32
_HEX64 = re.compile(r"[0-9a-f]{64}")
SIGNATURE_SIZE = 64
# Verification calls libsodium through PyNaCl's own cffi module (nacl._sodium), not through
# nacl.bindings: an ingest worker (node/verify_worker.py) verifies and never signs, and importing
# nacl.bindings (21 modules) took ~0.4 MiB of its resident memory, counted in the process tree's
# budget while a node catches up (issue 15: 80 MiB). One verification ~5.5k instructions fewer too.
# sodium_init is what nacl.bindings runs at its import: libsodium picks its code for this CPU (idempotent,
# thread-safe). It fails (-1) only when libsodium cannot start: nacl.bindings then refuses to load, and
# so does this module (no verdict from a library its own rule says not to use).
if _lib.sodium_init() < 0:
    raise ImportError("libsodium (PyNaCl's) could not start (sodium_init failed): no signature can be checked")
_opened = _ffi.new_allocator(should_clear_after_alloc=False)  # crypto_sign_open writes every byte it returns


class PublicId:
    """An Ed25519 public key: the identity of a device or a group. Hashable, comparable, printable as hex."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, (bytes, bytearray)) or len(key) != KEY_SIZE:
            raise InvalidKey(f"a public id is {KEY_SIZE} bytes")
        self._key = bytes(key)

    @classmethod
    def from_hex(cls, text: str) -> PublicId:
        """Parse the one printable form: 64 hex digits (surrounding white space ignored)."""
        if not isinstance(text, str) or not _HEX64.fullmatch(text.strip().lower()):
            raise InvalidKey(f"not a 64-digit hex id: {str(text)[:80]!r}")
        return cls(bytes.fromhex(text.strip()))

    def verify(self, message: bytes, signature: bytes) -> None:
        """Return if `signature` is this key's signature of `message`; raise BadSignature otherwise."""
        verify_signature(self._key, message, signature)

    def __bytes__(self) -> bytes:
        return self._key

    def hex(self) -> str:
        return self._key.hex()

    def __str__(self) -> str:
        return self._key.hex()

    def __repr__(self) -> str:
        return f"PublicId({short_id(self._key)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicId) and other._key == self._key

    def __hash__(self) -> int:
        return hash(self._key)


def verify_signature(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Strict Ed25519 verification on raw bytes, for hot paths that should not build objects."""
    if len(signature) != SIGNATURE_SIZE or len(public_key) != KEY_SIZE:
        raise BadSignature("signature or key has the wrong length")
    # PyNaCl exposes no detached verify; libsodium's open() applies the same strict checks. Its
    # message out is not copied back (PyNaCl's wrapper did, ~400 bytes an event, for nothing).
    signed = signature + message
    if _lib.crypto_sign_open(_opened("unsigned char[]", len(signed)), _ffi.NULL, signed, len(signed), public_key):
        raise BadSignature("signature does not verify")


class SigningKey:
    """An Ed25519 private key (a device key or a group key). Never leaves the keystore unencrypted."""

    __slots__ = ("_seed", "_secret", "public")

    def __init__(self, seed: bytes) -> None:
        if len(seed) != KEY_SIZE:
            raise InvalidKey(f"a signing key seed is {KEY_SIZE} bytes")
        self._seed = bytes(seed)
        pk, self._secret = _sodium().crypto_sign_seed_keypair(self._seed)
        self.public = PublicId(pk)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(_sodium().randombytes(KEY_SIZE))

    def sign(self, message: bytes) -> bytes:
        """Return the 64-byte detached signature of `message`."""
        return _sodium().crypto_sign(message, self._secret)[:SIGNATURE_SIZE]

    def seed_bytes(self) -> bytes:
        """The 32-byte seed, for the keystore only."""
        return self._seed

    def derive(self, purpose: bytes, data: bytes) -> bytes:
        """A 32-byte secret of this key for `purpose` (at most 16 bytes) and `data`: BLAKE2b keyed by
        the seed, so only the key's holder can compute it, and one purpose's tells nothing of another's."""
        return blake2b_256(data, key=self._seed, person=purpose)

    def __repr__(self) -> str:
        return f"SigningKey(public={self.public!r})"


class EncryptionPublicKey:
    """An X25519 public key, to which private bodies are encrypted."""

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_SIZE:
            raise InvalidKey(f"an X25519 public key is {KEY_SIZE} bytes")
        self._key = bytes(key)

    def __bytes__(self) -> bytes:
        return self._key

    def hex(self) -> str:
        return self._key.hex()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EncryptionPublicKey) and other._key == self._key

    def __hash__(self) -> int:
        return hash(self._key)


class EncryptionKey:
    """An X25519 private key of a device."""

    __slots__ = ("_secret", "public")

    def __init__(self, secret: bytes) -> None:
        if len(secret) != KEY_SIZE:
            raise InvalidKey(f"an X25519 private key is {KEY_SIZE} bytes")
        self._secret = bytes(secret)
        self.public = EncryptionPublicKey(_sodium().crypto_scalarmult_base(self._secret))

    @classmethod
    def generate(cls) -> EncryptionKey:
        return cls(_sodium().randombytes(KEY_SIZE))

    def shared_secret(self, peer: EncryptionPublicKey) -> bytes:
        """Raw X25519. Raises InvalidKey when the result is all zero (a low-order peer key):
        such a key would make every 'secret' the same, so we refuse it rather than accept it."""
        return x25519(self._secret, bytes(peer))

    def secret_bytes(self) -> bytes:
        """The 32-byte private scalar, for the keystore only."""
        return self._secret


def x25519(private: bytes, public: bytes) -> bytes:
    """X25519(private, public) on raw bytes; raises InvalidKey for wrong sizes or an all-zero result."""
    if len(private) != KEY_SIZE or len(public) != KEY_SIZE:
        raise InvalidKey("X25519 keys are 32 bytes")
    try:
        return _sodium().crypto_scalarmult(private, public)
    except nacl.exceptions.RuntimeError:
        raise InvalidKey("low-order X25519 public key (all-zero shared secret)") from None


def _sodium():
    """PyNaCl's bindings, imported when first needed (signing, key making, X25519): the ingest workers,
    which only verify, never load them (see `_lib` above)."""
    import nacl.bindings

    return nacl.bindings
