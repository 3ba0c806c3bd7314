"""The sample's Calais node served and logged in, then its own device revoked with its group key
(a phone or laptop replaced, or seized): what its overview and forms say then."""
from __future__ import annotations

from typing import Any

from node import membership
from page_text import PASSPHRASE


async def revoked_own_device(sample: Any, start_node: Any, reason: str, from_seq: int | None = None) -> Any:
    """Calais's running node (logged in), its own device revoked from `from_seq` (default: its next event)."""
    calais, _ = sample.nodes
    node = await start_node(calais)
    await node.log_in()
    running = node.node
    device = bytes(running.keys.device.public)
    await running.db(lambda: membership.revoke(running.log, calais.home.keys(PASSPHRASE), device, from_seq=from_seq,
                                               reason=reason, offline=True))
    return node
