"""Signed nostr events for the reference in bench/publish_latency.py, one JSON object a line.

Run by the Python of the venv where nostr-relay is installed (`NOSTR_PYTHON bench/nostr_sign.py
COUNT`), never by solnet's: it signs with the library nostr-relay itself verifies with (aionostr's
Event over coincurve, BIP-340 Schnorr over secp256k1), so every event is one the relay accepts.
All events are signed before any is timed. Each carries about what the solnet event it is compared
with carries (a need: category, region, quantity), as JSON in a kind-1 note; no two are alike
(a duplicate would be acknowledged without being stored).
"""
from __future__ import annotations

import json
import sys
import time


def main() -> None:
    from aionostr.event import Event  # only in the nostr-relay venv
    from aionostr.key import PrivateKey

    count = int(sys.argv[1])
    key = PrivateKey()
    now = int(time.time())
    out = sys.stdout
    for i in range(count):
        content = json.dumps({"category": "water", "region": "calais", "quantity": str(i + 1)})  # each unique
        event = Event(pubkey=key.public_key.hex(), created_at=now, kind=1, tags=[["t", "calais"]], content=content)
        key.sign_event(event)
        out.write(json.dumps(event.to_json_object()) + "\n")


if __name__ == "__main__":
    main()
