"""A device whose group-key chain has grown long still connects, with two real nodes in this
process (node.net.Node, real SQLite homes made by node.demo.localnet, the listener served on
127.0.0.1).

A link opens with the chains of group keys that certify the device (node/net/credentials.py), in
one message of at most 1,000 events. A group key that has signed 1,200 events (a busy group's
profiles, vouches and revocations over the years, or an admitter that bloats its own chain to cut
off the groups it admitted) made that message too long: every peer refused the handshake as a
protocol breach, and the group's devices could reach no node. Now the credentials are cut to fit,
the device's own group's chain first."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from events.canonical import pack
from events.format import sign_event
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.log import now_ms
from node.net import Node
from node.net.credentials import credential_chain
from served_nodes import served_node
from sync.messages import MAX_BATCH_BYTES, MAX_EVENTS_PER_MESSAGE

PASSPHRASE = "credential chain tests only: not a secret"
ROUND_S = 60.0


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


def grow_chain(node: LocalNode, count: int) -> None:
    """`count` more profiles signed by the group key of `node`, stored in its home."""
    log = node.home.log()
    try:
        key = node.keys.group
        seq, prev = log.store.head(bytes(key.public))
        wires = []
        for i in range(count):
            ev = sign_event(key, network=log.network_id, seq=seq + 1, prev=prev, timestamp=now_ms(),
                            kind="group.profile", body=pack({"name": f"Bristol {i}", "region": "bristol"}))
            wires.append(ev.encode())
            seq, prev = seq + 1, ev.id
        assert {o.status for o in log.ingest(wires)} == {"accepted"}
    finally:
        log.store.close()


def chains(node: LocalNode, groups: list[LocalNode]) -> list[list[bytes]]:
    log = node.home.log()
    try:
        return [log.store.chain_wires(bytes(g.keys.group.public)) for g in groups]
    finally:
        log.store.close()


def test_credentials_are_the_whole_chains_when_they_fit_and_cut_to_fit_when_not(network) -> None:
    calais, bristol = network
    log = bristol.home.log()
    device = bytes(bristol.keys.device.public)
    founder, own = chains(bristol, [calais, bristol])
    assert credential_chain(log, device) == tuple(founder + own)  # admitters first
    log.store.close()
    grow_chain(bristol, 1_200)
    log = bristol.home.log()
    chain = credential_chain(log, device)
    own = log.store.chain_wires(bytes(bristol.keys.group.public))
    assert len(chain) <= MAX_EVENTS_PER_MESSAGE and sum(map(len, chain)) <= MAX_BATCH_BYTES
    assert chain == tuple(own[:len(chain)]) and len(chain) == MAX_EVENTS_PER_MESSAGE  # its own first, from seq 1
    log.store.close()


async def test_a_device_of_a_group_with_a_long_chain_still_connects(network) -> None:
    """Calais has not seen the 1,200 profiles: it takes the first 1,000 of them from the
    credentials, and the rest from the round; a second visit finds both in sync."""
    grow_chain(network[1], 1_200)
    group = bytes(network[1].keys.group.public)
    async with served_node(network[0]) as (calais, served):
        bristol = Node(network[1].home, network[1].keys)
        await bristol.start(background=False)
        try:
            first = await asyncio.wait_for(bristol.sync_once(f"127.0.0.1:{served.port}"), ROUND_S)
            assert first.complete and first.sent > 0, first
            # (each running node's store read on its database thread: node/store/owner.py)
            assert await calais.db(calais.log.store.head, group) == await bristol.db(bristol.log.store.head, group)
            again = await asyncio.wait_for(bristol.sync_once(f"127.0.0.1:{served.port}"), ROUND_S)
            assert again.complete and again.in_sync, again  # the handshake passes with the chain known too
        finally:
            await bristol.stop()
