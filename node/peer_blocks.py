"""The peers a user took out: removed addresses and blocked addresses or keys, kept in the store.

`solnet peers rm ADDRESS` takes an address out of the peer list, and it stays out: a node.announce
naming it again, or another spelling of its place (localhost for 127.0.0.1: sync/peers.py
`place_of`), or a restart, does not bring it back; nor are the device that answered there (if it
ever did) and its other announced addresses dialled again (only `solnet peers add` does).
`solnet peers block ADDRESS|ID` goes further: the address is never dialled, and the device that
answered there (or the device or group ID given) may not hold a link to this node either way,
until `solnet peers unblock`. A running node takes both up within seconds (node/net/peer_directory.py).

Kept as one JSON value in the store's meta table, so a panic wipe forgets it with the peer list.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from node.saved_json import saved_facts, saved_key
from solnet_errors import SolnetError
from sync.addresses import AddressError, normalize_address, place_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from node.store import Store

META_KEY = "peer_blocks"
REMOVED, BLOCKED = "removed", "blocked"


class PeerBlocks:
    """A plain class, not a dataclass: `solnet status` reads it and loads nothing it can do without."""

    __slots__ = ("addresses", "keys", "damaged")

    def __init__(self, addresses: dict[str, dict[str, Any]] | None = None,
                 keys: dict[str, dict[str, Any]] | None = None, damaged: bool = False) -> None:
        self.addresses = addresses if addresses is not None else {}  # address -> {how, device, at}
        self.keys = keys if keys is not None else {}  # device or group id (hex) -> {at}
        self.damaged = damaged  # some of what was kept could not be read (DAMAGED says what to do)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PeerBlocks) and (self.addresses, self.keys) == (other.addresses, other.keys)

    def __repr__(self) -> str:
        return f"PeerBlocks(addresses={self.addresses!r}, keys={self.keys!r})"

    def keeps_out(self, address: str) -> bool:
        """Not to be dialled nor learned again from announcements (removed or blocked): the address
        or another spelling of its place."""
        return self.kept_at(address) is not None

    def kept_at(self, address: str) -> str | None:
        """The removed or blocked address of `address`'s place (itself or another spelling), if any."""
        if address in self.addresses:
            return address
        place = place_of(address)
        return next((kept for kept in sorted(self.addresses) if place_of(kept) == place), None)

    def devices_kept_out(self) -> frozenset[bytes]:
        """The devices that answered at removed or blocked addresses: none of their announced
        addresses is dialled (the same node reached another way would undo the removal)."""
        return frozenset(bytes.fromhex(e["device"]) for e in self.addresses.values() if e.get("device"))

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


DAMAGED = ("the list of removed and blocked peers in this node's database is damaged (a changed byte): what "
           "could not be read of it counts no more, so a peer blocked there may link again. `solnet peers` lists "
           "what is still blocked; block the others again (`solnet peers block ADDRESS|ID`)")


def load(store: Store) -> PeerBlocks:
    """What was kept; an entry that no longer reads as written (a changed byte: not JSON, or a key
    that is no longer 64 hex characters) is left out and the blocks say they are `damaged`. One
    changed byte inside a blocked key's hex failed every sync handshake, in and out (a 500): the
    node was cut off from the network."""
    raw = store.get_meta(META_KEY)
    if not raw:
        return PeerBlocks()
    value = saved_facts(raw)
    if value is None:
        return PeerBlocks(damaged=True)
    addresses, keys = value.get("addresses", {}), value.get("keys", {})
    good_addresses = {a: e for a, e in (addresses.items() if isinstance(addresses, dict) else ())
                      if _address_ok(a) and _entry_ok(e)}
    good_keys = {k: e for k, e in (keys.items() if isinstance(keys, dict) else ())
                 if saved_key(k) is not None and isinstance(e, dict)}
    damaged = not isinstance(addresses, dict) or not isinstance(keys, dict) \
        or len(good_addresses) != len(addresses) or len(good_keys) != len(keys)
    return PeerBlocks(good_addresses, good_keys, damaged)


def _address_ok(address: Any) -> bool:
    """An address as `solnet peers rm/block` keeps it: normalised (a changed byte may make it none)."""
    try:
        return isinstance(address, str) and normalize_address(address) == address
    except AddressError:
        return False


def _entry_ok(entry: Any) -> bool:
    return isinstance(entry, dict) and entry.get("how") in (REMOVED, BLOCKED) \
        and (entry.get("device") is None or saved_key(entry["device"]) is not None)


def save(store: Store, blocks: PeerBlocks) -> None:
    """Write `blocks` (inside the caller's write transaction)."""
    store.set_meta(META_KEY, json.dumps(blocks.to_json(), sort_keys=True).encode())


# --- the steps behind `solnet peers add/rm/block/unblock` (inside the caller's write transaction) ---
def add(store: Store, address: str) -> None:
    """A configured peer; undoes an earlier removal of its place (any spelling) and of the device
    that answered there (its other addresses may be learned again). PeerBlocked if it is blocked."""
    blocks = load(store)
    place = place_of(address)
    same = [a for a in sorted(blocks.addresses) if place_of(a) == place]
    if blocked := [a for a in same if blocks.addresses[a]["how"] == BLOCKED]:
        raise PeerBlocked(f"{address} is blocked; `solnet peers unblock {blocked[0]}` first")
    devices = {blocks.addresses[a].get("device") for a in same} - {None}
    undone = same + [a for a, e in blocks.addresses.items() if e["how"] == REMOVED and e.get("device") in devices]
    if undone:
        for gone in undone:
            blocks.addresses.pop(gone, None)
        save(store, blocks)
    store.save_peer(address, "config")


def remove(store: Store, address: str, now: int, live: Mapping[str, bytes] | None = None) -> bool:
    """Out of the peer list for good (whatever announced it, in whatever spelling, and the device
    that answered there at whatever address it announces); False if it was not a peer. Given in
    another spelling of the place it is kept at (localhost:7700 for 127.0.0.1:7700), it is found
    all the same: "not among this node's peers" while `solnet peers` listed it was false. `live`:
    the devices the running node knows at its addresses now (`_device_at`)."""
    place = place_of(address)
    kept = [row_address for row_address, _, _ in store.peer_rows() if place_of(row_address) == place]
    if not kept:
        return False
    keep_out(store, [(spelling, _device_at(store, spelling, live)) for spelling in kept], now)
    return True


def keep_out(store: Store, removed: list[tuple[str, bytes | None]], now: int) -> PeerBlocks:
    """The running node found more of a removal: the device that answered at a removed address, or
    another address where that device answered. Each address leaves the peer list and is kept out
    as removed, with its device (an entry already kept gains the device it lacked)."""
    blocks = load(store)
    for address, device in removed:
        store.remove_peer(address)
        entry = blocks.addresses.setdefault(address, {"how": REMOVED, "device": None, "at": now})
        if entry.get("device") is None and device is not None:
            entry["device"] = device.hex()
    save(store, blocks)
    return blocks


def removal_reach(store: Store, address: str) -> tuple[bytes | None, list[str], list[str]]:
    """What a removal of `address` holds against, once kept: (the device that answered there, or
    None if this home never saw one; its other addresses this home knows, where it answered or that
    it announced, now kept out with it; those of them configured with `solnet peers add`, which
    stay dialled: the user's to remove too)."""
    from events.canonical import unpack  # (here: `solnet status` reads this module and loads no event layer)
    from events.errors import InvalidEvent

    blocks = load(store)
    place = place_of(address)
    devices = {e["device"] for a, e in blocks.addresses.items() if place_of(a) == place and e.get("device")}
    if len(devices) != 1:  # none seen there (or, rarely, two over time: named by their addresses alone)
        return None, [], []
    device = bytes.fromhex(devices.pop())
    rows = store.peer_rows()
    configured = {a for a, source, _ in rows if source == "config"}
    found = {a for a, _, state in rows if _device_of(state) == device}
    for _, _, body in store.announcements(by=device):
        try:
            found.update(normalize_address(text) for text in unpack(body)["addresses"])
        except (InvalidEvent, AddressError, KeyError, TypeError):
            continue
    others = sorted(a for a in found if place_of(a) != place)
    return device, [a for a in others if a not in configured], [a for a in others if a in configured]


def block_address(store: Store, address: str, now: int, live: Mapping[str, bytes] | None = None) -> None:
    """Never dialled again, nor the device that answered there accepted (if it ever answered)."""
    device = _device_at(store, address, live)
    store.remove_peer(address)
    blocks = load(store)
    blocks.addresses[address] = {"how": BLOCKED, "device": device.hex() if device is not None else None, "at": now}
    save(store, blocks)


def _device_at(store: Store, address: str, live: Mapping[str, bytes] | None = None) -> bytes | None:
    """The device that answered at `address`: as the running node knows it now (`live`, asked by
    the command), else as a node last saved it (None if none did, or the saved facts are damaged:
    the address alone is kept out then). The node saves its peers' facts only every few seconds:
    `peers rm` right after a first link said it knew no device there while `solnet peers` named it."""
    if live and (device := live.get(address)) is not None:
        return device
    return next((_device_of(state) for row_address, _, state in store.peer_rows() if row_address == address), None)


def _device_of(state: str | None) -> bytes | None:
    """The device a peer row's saved facts name (None: none answered, or damaged)."""
    return saved_key((saved_facts(state) or {}).get("device")) if state else None


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
