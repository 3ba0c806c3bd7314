"""The status and the peers of a running node as this process sees them now, for everyone who asks
the node itself: the HTTP API (/api/v1/status, /api/v1/peers) and the local channel behind
`solnet status` and `solnet peers` (node/net/admin_requests.py).

The facts the node saves in its home (node/net/status_saver.py) are written every few seconds and
serve the commands while no node runs; read from a running node they lagged it by up to 2 s: a
status asked right after a publish said '0 of 1 peer connected' while the link that had just
carried the event was open, and left out the peers that had dialled in meanwhile.
"""
from __future__ import annotations

from typing import Any

from node.log import now_ms
from node.ports import WebNode
from node.status import name_peers, node_status, peer_list


async def live_peers(node: WebNode) -> list[dict[str, Any]]:
    """Every peer as this process sees it now (inbound links too), named by group; then those
    added meanwhile by another process (`solnet peers add`, taken up within seconds) and the blocked ones."""
    live = node.peer_views(now_ms())
    saved = await node.db(peer_list, node.log.store)
    known = {p["address"] for p in live}
    later = [p for p in saved if p["source"] == "blocked" or p["address"] not in known]
    return await node.db(name_peers, node.log, live) + later


async def live_status(node: WebNode) -> dict[str, Any]:
    """node.status.node_status from the node's open log, with this process's live facts and peers
    over the saved ones. Raises what reading the database raises (DatabaseDamaged)."""
    out = await node.db(node_status, node.home, node.log)
    out["node"].update(running=True, **node.live_facts())
    out["peers"] = await live_peers(node)
    return out
