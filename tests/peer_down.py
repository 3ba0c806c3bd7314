"""A home whose only configured peer is down: a node started on it completes no sync round, so it
holds its own publishing (node/chain_gate.py), as a Pi back from a power cut whose one peer is off."""
from __future__ import annotations

from node.demo import localnet
from node.home import Home


def only_peer_down(home: Home) -> None:
    """Configure one peer for `home` at a free port of 127.0.0.1 where nothing listens."""
    [down] = localnet.free_ports(1)
    store = home.log().store
    try:
        with store.write():
            store.save_peer(f"http://127.0.0.1:{down}", "config")
    finally:
        store.close()
