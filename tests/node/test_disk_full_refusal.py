"""A node whose disk is full cannot store a dialling peer's credentials: the peer was told "its
database cannot be used", which sends its operator looking for a damaged file. It is told the
peer's disk is full, and that the peer's operator is told so (dashboard, `solnet status`).

Two real nodes on 127.0.0.1; Calais's credentials store meets the store's own StorageFull (a
credential it lacks on a full disk, which the sample network cannot bring: both hold each other's)."""
from __future__ import annotations

import pytest

from node.store import StorageFull
from served_nodes import calais, network, served_node  # noqa: F401 (fixtures)
from sync.handshake import DISK_FULL, HandshakeError, told_refusal
from sync.transport import LinkClosed


async def test_a_peer_dialling_a_full_node_is_told_its_disk_is_full(network, calais, monkeypatch) -> None:
    node, _ = calais

    async def full(device: bytes, events: tuple[bytes, ...], cpu_s: float | None = None) -> bool:
        raise StorageFull("the disk is full: nothing was stored")
    monkeypatch.setattr(node.credentials, "admit", full)
    with pytest.raises(HandshakeError) as refused:
        await node._admit_credentials(bytes(32), (b"a credential",))
    assert refused.value.reason == DISK_FULL and node.live_facts()["storage_full"]

    told = told_refusal(refused.value.told(), None)  # what the dialler reads
    assert told is not None and "its disk is full" in str(told) and "database" not in str(told), told
    assert "dashboard" in str(told) and "solnet status" in str(told)

    async with served_node(network[1]) as (bristol, _):  # on the wire, a dial of Bristol's
        with pytest.raises((HandshakeError, LinkClosed)) as dialled:
            await bristol.sync_once(f"http://127.0.0.1:{node.bound_port}")
        assert "its disk is full" in str(dialled.value), dialled.value
