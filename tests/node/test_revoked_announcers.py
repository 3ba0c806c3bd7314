"""An address a device announced is not dialled once that device is no member (a real node served in
the test's process, on its real home).

Every node, the revoker's included, kept dialling the address a revoked device had announced (22
dials in 40 s by 3 nodes): the announcements were read with no look at their author. Now a revoked,
frozen or gone device's announcements are not learned, and an address already learned from one is
forgotten when the revocation comes: whichever of the two arrived first.
"""
from __future__ import annotations

import asyncio

import pytest

from node import membership, publishing
from node.net.credentials import credential_chain
from sync.addresses import normalize_address
from served_nodes import network, served_node  # noqa: F401 (the fixture)

WAIT_S = 10.0
ANNOUNCED = normalize_address("127.0.0.1:9")  # (never dialled through: nothing listens there)


def bristols_announce_and_revocation(network) -> tuple[list[bytes], list[bytes]]:
    """Bristol's device announces ANNOUNCED, then Bristol's group revokes that device: the wires
    of Bristol's device credentials and announcement, and of the revocation."""
    bristol = network[1]
    device = bytes(bristol.keys.device.public)
    log = bristol.home.log()
    try:
        announce = publishing.publish(log, bristol.keys, "node.announce", {"addresses": ANNOUNCED}, offline=True)
        credentials = list(credential_chain(log, device))
        revoked = membership.revoke(log, bristol.keys, device, reason="lost", offline=True)
    finally:
        log.store.close()
    return [*credentials, announce.encode()], [revoked.event.encode()]


def calais_holds(network, wires: list[bytes]) -> None:
    log = network[0].home.log()
    try:
        log.ingest(wires)
    finally:
        log.store.close()


def announced_in_store(network) -> bool:
    log = network[0].home.log()
    try:
        return any(row[0] == ANNOUNCED for row in log.store.peer_rows())
    finally:
        log.store.close()


async def test_an_announcement_of_a_device_revoked_before_it_arrived_is_never_dialled(network):
    announce, revocation = bristols_announce_and_revocation(network)
    calais_holds(network, announce + revocation)  # both held at the start
    async with served_node(network[0]) as (node, _):
        await node.directory.learn_announced()
        assert node.directory.book.get(ANNOUNCED) is None
        assert not await node.db(announced_in_store, network)


@pytest.mark.parametrize("restart", [False, True])
async def test_an_address_learned_from_a_device_is_forgotten_when_it_is_revoked(network, restart):
    announce, revocation = bristols_announce_and_revocation(network)
    calais_holds(network, announce)
    async with served_node(network[0]) as (node, _):
        assert node.directory.book.get(ANNOUNCED) is not None  # learned: the device is a member
        await node.db(node.log.ingest, revocation)
        node.watcher.poke()
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while node.directory.book.get(ANNOUNCED) is not None:
            assert asyncio.get_running_loop().time() < deadline, "the revoked device's address is still dialled"
            await asyncio.sleep(0.05)
        assert not await node.db(announced_in_store, network)  # nor learned again at the next start
    if restart:
        async with served_node(network[0]) as (node, _):
            assert node.directory.book.get(ANNOUNCED) is None
