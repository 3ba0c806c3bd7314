"""Only a device's newest announcement says where its node is (node/net/peer_directory.py): the
addresses of those it superseded are not dialled, and are forgotten once a newer one comes (a real
node served in the test's process, on its real home).

Every announcement counted until 2026-12-06: the addresses a node moved away from were dialled by
every node for as long as it ran, and a member signing announcements of 8 addresses each, at the
ports of other services on 127.0.0.1 or the LAN, filled every node's peer book with them (20
announcements: 161 addresses), each dialled with an HTTP request for ever.
"""
from __future__ import annotations

import asyncio

import pytest

from node import publishing
from node.net.credentials import credential_chain
from sync.addresses import normalize_address
from served_nodes import network, served_node  # noqa: F401 (the fixture)
from test_revoked_announcers import calais_holds

WAIT_S = 10.0
# (never dialled through: nothing listens at port 9 of these)
OLD = [normalize_address(f"127.0.0.{host}:9") for host in range(2, 10)]
NEW = [normalize_address("127.0.0.10:9")]


def bristols_announcements(network, *addresses: list[str]) -> list[list[bytes]]:
    """The wires of Bristol's device credentials, then of one announcement of each of `addresses`, in turn."""
    bristol = network[1]
    log = bristol.home.log()
    try:
        announced = [publishing.publish(log, bristol.keys, "node.announce", {"addresses": ",".join(each)},
                                        offline=True).encode() for each in addresses]
        return [list(credential_chain(log, bytes(bristol.keys.device.public))), *([wire] for wire in announced)]
    finally:
        log.store.close()


def stored_announced(network) -> set[str]:
    log = network[0].home.log()
    try:
        return {row[0] for row in log.store.peer_rows() if row[1] == "announce"}
    finally:
        log.store.close()


async def test_a_superseded_announcement_held_at_the_start_is_never_dialled(network):
    credentials, old, new = bristols_announcements(network, OLD, NEW)
    calais_holds(network, credentials + old + new)
    async with served_node(network[0]) as (node, _):
        await node.directory.learn_announced()
        assert {p.address for p in node.directory.book.all() if p.source == "announce"} == set(NEW)
        assert await node.db(stored_announced, network) == set(NEW)


@pytest.mark.parametrize("restart", [False, True])
async def test_addresses_a_node_moved_away_from_are_forgotten(network, restart):
    credentials, old, new = bristols_announcements(network, OLD, NEW)
    calais_holds(network, credentials + old)
    async with served_node(network[0]) as (node, _):
        assert all(node.directory.book.get(address) is not None for address in OLD)  # its newest, then
        await node.db(node.log.ingest, new)
        node.watcher.poke()
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while any(node.directory.book.get(address) is not None for address in OLD):
            assert asyncio.get_running_loop().time() < deadline, "addresses it moved away from are still dialled"
            await asyncio.sleep(0.05)
        assert node.directory.book.get(NEW[0]) is not None
        assert await node.db(stored_announced, network) == set(NEW)  # nor learned again at the next start
    if restart:
        async with served_node(network[0]) as (node, _):
            assert {p.address for p in node.directory.book.all() if p.source == "announce"} == set(NEW)


async def test_superseded_announcements_are_not_read_again_at_each_new_one(network, monkeypatch):
    """Every stored announcement was read whole and checked (two hashes each, on the database
    thread) at every announcement that arrived: a member's thousands of superseded ones cost that
    each time (~28 ms per 1,000 on a laptop). Now only each device's newest is."""
    superseded = 60
    credentials, *announced = bristols_announcements(
        network, *([normalize_address(f"127.0.0.{2 + n % 200}:9")] for n in range(superseded)), NEW)
    calais_holds(network, credentials + [wire for each in announced for wire in each])
    async with served_node(network[0]) as (node, _):
        store = node.log.store
        checked = []

        def counted(event_id, *rest):
            checked.append(event_id)
            return signed(event_id, *rest)
        signed = store._signed
        monkeypatch.setattr(store, "_signed", counted)
        await node.directory.learn_announced()
        assert len(checked) <= 2, f"{len(checked)} stored events read and checked for one announcement"
        assert {p.address for p in node.directory.book.all() if p.source == "announce"} == set(NEW)
