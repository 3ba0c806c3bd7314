"""The one short printable form of a key or an event id (12 hex characters and an ellipsis), where a
line has no room for all 64. Apart from crypto/keys.py, which loads libsodium, so that text for
people (`solnet status`) prints ids without it."""
from __future__ import annotations

SHORT_ID_HEX = 12
# The fewest leading hex characters that name a key or an event id where all 64 are not given (the
# CLI, the API, the API's document): the short id every view prints (48 bits). Fewer match many ids
# in a large network, and a member can make one that starts as another's: a key by trying keys (24
# bits, 6 characters: ~2 minutes of one core), an event id by signing an event again with another
# time, and while the real one has not arrived here its own is the only match (a pledge to its
# fundraiser, a revocation of its device). Until 2026-12-07 six characters were taken.
MIN_ID_PREFIX_HEX = SHORT_ID_HEX


def short_id(value: bytes | str | object) -> str:
    """The printable short form of a key or an event id: its first 12 hex characters and an
    ellipsis, e.g. '1a2b3c4d5e6f…' (bytes, hex text, or anything with a hex() method)."""
    text = value.hex() if hasattr(value, "hex") and not isinstance(value, str) else str(value)
    return text[:SHORT_ID_HEX] + "…"
