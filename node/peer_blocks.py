"""The peers a user took out: removed addresses and blocked addresses or keys, kept in the store.

`solnet peers rm ADDRESS` takes an address out of the peer list, and it stays out: a node.announce
naming it again, or a restart, does not bring it back (only `solnet peers add` does).
`solnet peers block ADDRESS|ID` goes further: the address is never dialled, and the device that
answered there (or the device or group ID given) may not hold a link to this node either way,
until `solnet peers unblock`. A running node takes both up within seconds (node/net/peer_directory.py).

Kept as one JSON value in the store's meta table, so a panic wipe forgets it with the peer list.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from node.saved_json import saved_facts
from solnet_errors import SolnetError

if TYPE_CHECKING:
    from node.store import Store

META_KEY = "peer_blocks"
REMOVED, BLOCKED = "removed", "blocked"


class PeerBlocks:
    """A plain class, not a dataclass: `solnet status` reads it and loads nothing it can do without."""

    __slots__ = ("addresses", "keys")

    def __init__(self, addresses: dict[str, dict[str, Any]] | None = None,
                 keys: dict[str, dict[str, Any]] | None = None) -> None:
        self.addresses = addresses if addresses is not None else {}  # address -> {how, device, at}
        self.keys = keys if keys is not None else {}  # device or group id (hex) -> {at}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PeerBlocks) and (self.addresses, self.keys) == (other.addresses, other.keys)

    def __repr__(self) -> str:
        return f"PeerBlocks(addresses={self.addresses!r}, keys={self.keys!r})"

    def keeps_out(self, address: str) -> bool:
        """Not to be dialled nor learned again from announcements (removed or blocked)."""
        return address in self.addresses

    def blocked_addresses(self) -> list[str]:
        return sorted(a for a, entry in self.addresses.items() if entry["how"] == BLOCKED)

    def blocked_keys(self) -> frozenset[bytes]:
        """Device and group keys refused as peers: those blocked by id, and the devices that
        answered at blocked addresses."""
        keys = {bytes.fromhex(k) for k in self.keys}
        keys |= {bytes.fromhex(e["device"]) for e in self.addresses.values() if e["how"] == BLOCKED and e.get("device")}
        return frozenset(keys)

    def to_json(self) -> dict[str, Any]:
        return {"addresses": self.addresses, "keys": self.keys}


def load(store: Store) -> PeerBlocks:
    raw = store.get_meta(META_KEY)
    if not raw:
        return PeerBlocks()
    try:
        value = json.loads(raw)
        return PeerBlocks(dict(value.get("addresses", {})), dict(value.get("keys", {})))
    except (ValueError, AttributeError, TypeError):  # damaged by hand: start again rather than fail every command
        return PeerBlocks()


def save(store: Store, blocks: PeerBlocks) -> None:
    """Write `blocks` (inside the caller's write transaction)."""
    store.set_meta(META_KEY, json.dumps(blocks.to_json(), sort_keys=True).encode())


# --- the steps behind `solnet peers add/rm/block/unblock` (inside the caller's write transaction) ---
def add(store: Store, address: str) -> None:
    """A configured peer; undoes an earlier removal. PeerBlocked if the address is blocked."""
    blocks = load(store)
    entry = blocks.addresses.get(address)
    if entry is not None and entry["how"] == BLOCKED:
        raise PeerBlocked(f"{address} is blocked; `solnet peers unblock {address}` first")
    if blocks.addresses.pop(address, None) is not None:
        save(store, blocks)
    store.save_peer(address, "config")


def remove(store: Store, address: str, now: int) -> bool:
    """Out of the peer list for good (whatever announced it); False if it was not a peer."""
    if not store.remove_peer(address):
        return False
    blocks = load(store)
    blocks.addresses[address] = {"how": REMOVED, "device": None, "at": now}
    save(store, blocks)
    return True


def block_address(store: Store, address: str, now: int) -> None:
    """Never dialled again, nor the device that answered there accepted (if it ever answered)."""
    device = None
    for row_address, _, state in store.peer_rows():
        if row_address == address and state:
            device = (saved_facts(state) or {}).get("device")  # (damaged: the address alone is blocked)
    store.remove_peer(address)
    blocks = load(store)
    blocks.addresses[address] = {"how": BLOCKED, "device": device, "at": now}
    save(store, blocks)


def block_key(store: Store, key: bytes, now: int) -> None:
    """A device or group may not hold a link to this node, whichever side dials."""
    blocks = load(store)
    blocks.keys[key.hex()] = {"at": now}
    save(store, blocks)


def unblock(store: Store, target: str) -> bool:
    """Lift the block on an address or a key (hex); False if it was not blocked."""
    blocks = load(store)
    entry = blocks.addresses.get(target)
    if entry is not None and entry["how"] == BLOCKED:
        del blocks.addresses[target]
    elif blocks.keys.pop(target, None) is None:
        return False
    save(store, blocks)
    return True


class PeerBlocked(SolnetError):
    """`peers add` of a blocked address."""
