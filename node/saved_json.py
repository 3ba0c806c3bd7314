"""Facts a node keeps as JSON in its database beside the signed events (meta rows: the running
node's facts, a peer's refusal of this device; each peer's last health), read back.

Unlike events, nothing signs or hashes them, so a changed byte (a failing SD card) is found only
by their not parsing: such a fact counts as not kept, as if the node had never written it, and the
node writes it again in its turn; so does one whose values are not of the shape it was written
in (a changed byte inside a key's hex still parses). It stopped `solnet run` at its start, and
`solnet status`, `solnet peers` and publish (after the event was stored) with a traceback.
"""
from __future__ import annotations

import json
import re
from typing import Any

KEY_HEX = re.compile(r"[0-9a-f]{64}")


def saved_facts(raw: bytes | str | None) -> dict[str, Any] | None:
    """The JSON object `raw` holds; None when nothing was kept, or what was kept is damaged."""
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):  # (UnicodeDecodeError is a ValueError)
        return None
    return value if isinstance(value, dict) else None


def saved_key(value: Any) -> bytes | None:
    """A key (device or group id) as a fact keeps it, 64 hex characters; None if it is not one."""
    return bytes.fromhex(value) if isinstance(value, str) and KEY_HEX.fullmatch(value) else None
