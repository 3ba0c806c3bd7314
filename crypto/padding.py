"""Size buckets: the one rule that rounds what is sealed up to a size, so that a ciphertext's
length says little more than "short" or "long".

Every envelope of version 2 (crypto/envelope.py) pads its plaintext to `padded_size` of its framed
length: powers of two from 512 bytes to 8 KiB, then multiples of 8 KiB. Pure arithmetic; no I/O.
"""
from __future__ import annotations

MIN_BUCKET = 512
_STEP = 8192  # above 8 KiB the buckets grow by 8 KiB: doubling would waste up to half of a large body


def padded_size(length: int) -> int:
    """The size bucket for `length` bytes: powers of two from 512 bytes, then multiples of 8 KiB."""
    size = MIN_BUCKET
    while size < length and size < _STEP:
        size *= 2
    if size < length:
        size = -(-length // _STEP) * _STEP
    return size


def largest_bucket_within(limit: int) -> int:
    """The largest bucket of at most `limit` bytes (0 if even the smallest is larger)."""
    if limit < MIN_BUCKET:
        return 0
    if limit >= _STEP:
        return limit // _STEP * _STEP
    size = MIN_BUCKET
    while size * 2 <= limit:
        size *= 2
    return size
