"""A removal by `solnet peers rm` (node/peer_blocks.py) holds against other spellings of the removed
address and against the device that answered there, until `solnet peers add`; on a real SQLite file."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from node import peer_blocks
from node.store import Store

CALAIS = bytes([7]) * 32


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "node.db")


def peer(store: Store, address: str, device: bytes | None = None, source: str = "announce") -> None:
    state = json.dumps({"device": device.hex()}) if device is not None else None
    with store.write():
        store.save_peer(address, source, state)


def rows(store: Store) -> list[str]:
    return sorted(address for address, _, _ in store.peer_rows())


def test_a_removal_holds_against_every_spelling_of_its_place(store: Store) -> None:
    peer(store, "http://127.0.0.1:7701", CALAIS)
    with store.write():
        assert peer_blocks.remove(store, "http://127.0.0.1:7701", 1)
    blocks = peer_blocks.load(store)
    for spelling in ("http://127.0.0.1:7701", "http://localhost:7701", "https://localhost:7701",
                     "http://[::1]:7701", "http://[::ffff:7f00:1]:7701", "http://0.0.0.0:7701"):
        assert blocks.keeps_out(spelling), spelling
    assert not blocks.keeps_out("http://127.0.0.1:7702") and not blocks.keeps_out("http://calais.example:7701")
    # The device that answered there is kept with the removal: its other addresses stay out too.
    assert blocks.devices_kept_out() == {CALAIS}


def test_peers_rm_of_another_spelling_finds_the_peer_kept_in_one(store: Store) -> None:
    """`solnet peers rm localhost:7701` of a peer listed as 127.0.0.1:7701 said it was not a peer."""
    peer(store, "http://127.0.0.1:7701", CALAIS)
    peer(store, "http://127.0.0.1:7702")
    with store.write():
        assert peer_blocks.remove(store, "http://localhost:7701", 1)
        assert not peer_blocks.remove(store, "http://localhost:7703", 1)
    assert rows(store) == ["http://127.0.0.1:7702"]
    blocks = peer_blocks.load(store)
    assert blocks.keeps_out("http://127.0.0.1:7701") and blocks.devices_kept_out() == {CALAIS}


def test_peers_add_of_another_spelling_undoes_the_removal_and_the_device_s(store: Store) -> None:
    peer(store, "http://127.0.0.1:7701", CALAIS)
    with store.write():
        peer_blocks.remove(store, "http://127.0.0.1:7701", 1)
        peer_blocks.keep_out(store, [("http://calais.example:7701", CALAIS)], 2)  # found by the running node
        peer_blocks.add(store, "http://localhost:7701")
    blocks = peer_blocks.load(store)
    assert blocks.addresses == {} and blocks.devices_kept_out() == frozenset()
    assert rows(store) == ["http://localhost:7701"]


def test_the_running_node_keeps_what_it_found_of_a_removal(store: Store) -> None:
    """The device a running node knew at a removed address (not saved yet when `peers rm` ran), and
    another address where that device answered: kept out, their rows gone."""
    peer(store, "http://127.0.0.1:7701")
    peer(store, "http://calais.example:7701", CALAIS)
    with store.write():
        peer_blocks.remove(store, "http://127.0.0.1:7701", 1)
        assert peer_blocks.load(store).devices_kept_out() == frozenset()
        peer_blocks.keep_out(store, [("http://127.0.0.1:7701", CALAIS), ("http://calais.example:7701", CALAIS)], 2)
    blocks = peer_blocks.load(store)
    assert blocks.devices_kept_out() == {CALAIS} and rows(store) == []
    assert {a: e["how"] for a, e in blocks.addresses.items()} == {
        "http://127.0.0.1:7701": "removed", "http://calais.example:7701": "removed"}


def test_a_blocked_place_is_not_added_back_under_another_spelling(store: Store) -> None:
    peer(store, "http://127.0.0.1:7701", CALAIS)
    with store.write():
        peer_blocks.block_address(store, "http://127.0.0.1:7701", 1)
    with pytest.raises(peer_blocks.PeerBlocked, match="unblock http://127.0.0.1:7701"):
        with store.write():
            peer_blocks.add(store, "http://localhost:7701")


def test_a_kept_address_that_no_longer_reads_as_one_counts_as_damaged(store: Store) -> None:
    with store.write():
        store.set_meta(peer_blocks.META_KEY, json.dumps({"addresses": {
            "http://127.0.0.1:77O1": {"how": "removed", "device": None, "at": 1}}, "keys": {}}).encode())
    blocks = peer_blocks.load(store)
    assert blocks.damaged and blocks.addresses == {}
    assert not blocks.keeps_out("http://127.0.0.1:7701")
