"""The one short printable form of a key or an event id (12 hex characters and an ellipsis), where a
line has no room for all 64. Apart from crypto/keys.py, which loads libsodium, so that text for
people (`solnet status`) prints ids without it."""
from __future__ import annotations

SHORT_ID_HEX = 12
# The fewest leading hex characters that name a key or an event id where all 64 are not given (the
# CLI, the API, the API's document): fewer match many ids in a large network, and a person gets
# another's events or the wrong event (4 characters: one id in 65,536; 6: one in 16 million).
MIN_ID_PREFIX_HEX = 6


def short_id(value: bytes | str | object) -> str:
    """The printable short form of a key or an event id: its first 12 hex characters and an
    ellipsis, e.g. '1a2b3c4d5e6f…' (bytes, hex text, or anything with a hex() method)."""
    text = value.hex() if hasattr(value, "hex") and not isinstance(value, str) else str(value)
    return text[:SHORT_ID_HEX] + "…"
