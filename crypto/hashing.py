"""BLAKE2b-256, the one hash of solnet (event ids, body hashes, network ids).

hashlib's BLAKE2b is about 7x faster than the libsodium wrapper for short inputs (measured on a
2-core VM: 1.28M/s through hashlib, 182k/s through nacl.hash), so ids go through here and nowhere else.
"""
try:  # hashlib's own BLAKE2b, without importing hashlib: that loads OpenSSL (3.5 MiB resident), which
    # the ingest workers (node/verify_worker.py) need for nothing else
    from _blake2 import blake2b
except ImportError:  # a Python built without it
    from hashlib import blake2b

DIGEST_SIZE = 32


def blake2b_256(data: bytes, *, person: bytes = b"", key: bytes = b"") -> bytes:
    """Return the 32-byte BLAKE2b digest of `data`, optionally domain-separated by `person` (<= 16 bytes)
    and keyed by `key` (<= 64 bytes: then a MAC of `data` only the key's holder can make)."""
    if not person and not key:  # the hot path (ids and body hashes): no keyword to pass on
        return blake2b(data, digest_size=DIGEST_SIZE).digest()
    return blake2b(data, digest_size=DIGEST_SIZE, person=person, key=key).digest()
