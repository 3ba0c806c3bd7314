"""`solnet run --announce ADDRESS`: the node publishes the addresses other nodes reach it at (a
node.announce), once they differ from the newest one its device signed.

Why: beyond its configured peers, a node finds others only through node.announce events (the
overlay, sync/overlay.py). A network built by invites alone is the tree of its invites, and when
the node that invited the others goes down (seized, unplugged), the rest no longer reach each
other: a raid alert from Brighton never reached London while Calais was down. Announced, each node
holds links to several others, and the loss of any one leaves paths around it.

Every member can read an announcement (its addresses are not sealed): a node whose place must not
be known to every member announces an onion address (solnet proxy), or nothing.

The event is signed once the node may sign (node/chain_gate.py: a restored copy of a home first
catches up with the network, or it would fork its key), and only when the addresses changed: a
restart with the same ones writes nothing.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from events.canonical import unpack
from events.errors import InvalidEvent
from node import chain_gate
from node.clock import now_ms
from node.kind_input import PublishError
from node.ports import StorageFailed, WebNode
from sync.addresses import AddressError, normalize_address

log = logging.getLogger(f"solnet.{__name__}")
LOOK_S = 1.0  # how often the node looks whether it may sign yet (one small read)
RETRY_S = 60.0  # after a full disk, or a round that did not complete after all


def announced(node: WebNode) -> list[str] | None:
    """On the database thread: the addresses of the newest node.announce this node's device signed,
    in their canonical form (None: it announced nothing)."""
    own = node.log.store.announcements(by=bytes(node.keys.device.public))
    for _, _, body in reversed(own):
        try:
            return [normalize_address(text) for text in unpack(body)["addresses"]]
        except (InvalidEvent, AddressError, KeyError, TypeError):
            continue
    return None


async def announce(node: WebNode, addresses: Sequence[str]) -> bool:
    """Publish `addresses` (canonical: sync.addresses.normalize_address) as this node's node.announce
    unless its newest one says the same; waits until the node may sign. True if it published."""
    while True:
        if node.stopping:
            return False
        if await node.db(chain_gate.state_now, node.log.store, now_ms()) != chain_gate.OPEN:
            await asyncio.sleep(LOOK_S)
            continue
        if await node.db(announced, node) == list(addresses):
            log.info("this node's address is announced already; nothing to publish")
            return False
        try:
            await node.publish("node.announce", {"addresses": ", ".join(addresses)})
        except (StorageFailed, InvalidEvent) as exc:
            if isinstance(exc, InvalidEvent) and exc.reason != chain_gate.NOT_CAUGHT_UP:
                log.warning("could not announce this node's address: %s", exc)  # (a revoked device, say)
                return False
            await asyncio.sleep(RETRY_S)  # (the node says what is wrong with its storage itself)
            continue
        except PublishError as exc:
            log.warning("could not announce this node's address: %s", exc)
            return False
        log.info("announced this node's address%s to the network (node.announce)", "es" if len(addresses) > 1 else "")
        return True
