"""What node/openapi.json says of a 422 `not_caught_up` is what a client may do about it. It said
"the node has not yet synced with a peer since it started; send again later": a home restored or
copied that syncs with no peer (sneakernet) answers that code until its operator imports the newest
bundle it made (tests/integration/test_sneakernet_restore_node.py), however long a bot waits, and
one restored with peers waits for several (`restore_wait` in /status says which: the document
never pointed there)."""
from __future__ import annotations

import json
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parents[2] / "node" / "openapi.json"


def test_the_document_says_when_waiting_does_not_help() -> None:
    publish = json.loads(DOCUMENT.read_text(encoding="utf-8"))["paths"]["/api/v1/events"]["post"]
    refused = " ".join(publish["responses"]["422"]["description"].split())
    assert "waiting does not help" in refused and "`solnet import FILE`" in refused, refused
    assert "`restore_wait`" in refused and "`restore_wait.bundle` true" in refused, refused
    assert "`restore_wait`" in publish["description"] and "newest bundle" in publish["description"]
