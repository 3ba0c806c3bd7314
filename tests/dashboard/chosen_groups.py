"""Events for chosen groups, made on the sample's Calais home for Bristol only (Calais first takes in
Bristol's membership, so that it may name Bristol as a reader)."""
from __future__ import annotations

from typing import Any

from page_text import PASSPHRASE
from node import publishing


def publish_for_bristol(calais: Any, bristol: Any, events: list[tuple[str, dict[str, str]]]) -> list[bytes]:
    """Publish each (kind, fields) of `events` on Calais's home for Bristol only; their ids, in order."""
    log, keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    theirs = bristol.home.log()
    try:
        log.ingest(list(theirs.store.iter_wire()))
        return [publishing.publish(log, keys, kind, fields, to=["Bristol"]).id for kind, fields in events]
    finally:
        log.store.close()
        theirs.store.close()
