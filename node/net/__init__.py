"""A running node: its links to peers and the loops that keep them busy.

`Node` (node/net/node.py) assembles the parts, each with one job: the database thread
(database.py), who may connect and what a peer may cost (peer_policy.py), the peer addresses
(peer_directory.py) and what is shown of the peers (peer_views.py), our credentials (credentials.py),
the open links (links.py) and each link's
driver (peer_link.py, over the pure protocol of sync/link.py, storing through link_ingest.py and
link_storage.py), the gossip router (gossip_router.py), the watcher of what others stored
(watcher.py), storage health (storage_health.py) and the saved status (status_saver.py). The link and
the web see these parts through the narrow interfaces of node/ports.py, never the Node itself.
"""
from node.net.node import Node

__all__ = ["Node"]
