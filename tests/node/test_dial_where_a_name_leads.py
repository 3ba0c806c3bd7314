"""A host name a member announced is checked where it leads, not only how it is spelt: two real nodes
in this process on real SQLite homes, served on 127.0.0.1, Bristol's device announcing names that
a resolver maps to 127.0.0.1 (as a member's DNS record may).

The spelling checks (this node's own address, `solnet peers rm`) compared texts: a name resolving
to this node's own listener made it dial itself at every backoff, and a name resolving to a removed
address reached the removed node again. Now the address the socket connected to is checked, for an
announced address, before the handshake; one the user added by hand, or gave to `solnet sync`, is dialled
as ever.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator

import pytest

from cli_in_process import run as _solnet, sigpipe_kept  # noqa: F401 (the fixture)
from node import peer_blocks
from node.home import PASSPHRASE_ENV
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.log import now_ms
from node.net import Node
from node.net.links import Links
from node.webapp import Served, create_app, serve
from served_nodes import PASSPHRASE, network, until  # noqa: F401 (network: the fixture)
from sync.dialled_place import OWN_LISTENER, REMOVED, skipped

WAIT_S = 15.0
ALIAS = "calais-or-bristol.example"  # resolves to 127.0.0.1


@pytest.fixture(autouse=True)
def alias(monkeypatch) -> None:
    """ALIAS resolves to 127.0.0.1 (asyncio's resolver asks socket.getaddrinfo in a thread)."""
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: real("127.0.0.1" if host == ALIAS else host, *a, **k))


def announce_to_calais(network: list[LocalNode], address: str) -> None:
    """Bristol's device announces `address`; Calais holds the announcement (as a sync brings it)."""
    calais, bristol = network
    log = bristol.home.log()
    try:
        log.append(bristol.keys.device, "node.announce", {"addresses": [address]})
        wires = [log.store.wire(e[7:10]) for e in log.store.all_events()]
    finally:
        log.store.close()
    log = calais.home.log()
    try:
        log.ingest(wires)
    finally:
        log.store.close()


def peers_of_calais(calais: LocalNode, *, added: str | None = None, removed: str | None = None) -> None:
    """`solnet peers add ADDED` and `solnet peers rm REMOVED` on Calais's home."""
    log = calais.home.log()
    try:
        with log.store.write():
            for address in (added, removed):
                if address:
                    log.store.save_peer(address, "config")
        if removed:
            peer_blocks.remove(log.store, removed, now_ms())
    finally:
        log.store.close()


@contextlib.asynccontextmanager
async def serving(local: LocalNode, port: int) -> AsyncIterator[tuple[Node, Served]]:
    node = Node(local.home, local.keys, listen=("127.0.0.1", port), sync_interval_s=3600)
    served = await serve(create_app(node), "127.0.0.1", port)
    try:
        yield node, served
    finally:
        await served.close()


def _said(caplog, words: str) -> bool:
    return any(words in r.getMessage() for r in caplog.records)


async def test_an_announced_name_of_this_nodes_own_listener_is_not_dialled(network, caplog) -> None:
    port, = localnet.free_ports(1)
    announce_to_calais(network, f"http://{ALIAS}:{port}")
    caplog.set_level(logging.INFO, logger="solnet")
    async with serving(network[0], port) as (node, _):
        await until(lambda: _said(caplog, f"not dialled: {OWN_LISTENER}"), "the dial skipped", WAIT_S)
        assert not node.links.open()
    assert "127.0.0.1" not in caplog.text.replace("127.0.0.1:%d" % port, "") and ALIAS not in caplog.text


async def test_an_announced_name_of_a_removed_address_is_not_dialled(network, caplog) -> None:
    calais_port, port = localnet.free_ports(2)
    announce_to_calais(network, f"http://{ALIAS}:{port}")
    peers_of_calais(network[0], removed=f"http://127.0.0.1:{port}")
    caplog.set_level(logging.INFO, logger="solnet")
    async with serving(network[1], port), serving(network[0], calais_port) as (node, _):
        await until(lambda: _said(caplog, f"not dialled: {REMOVED}"), "the dial skipped", WAIT_S)
        assert not any(link.outbound for link in node.links.open())


async def test_a_name_the_user_added_is_dialled_wherever_it_leads(network, caplog) -> None:
    calais_port, port = localnet.free_ports(2)
    peers_of_calais(network[0], added=f"http://{ALIAS}:{port}", removed=f"http://127.0.0.1:{port}")
    caplog.set_level(logging.INFO, logger="solnet")
    async with serving(network[1], port), serving(network[0], calais_port) as (node, _):
        await until(lambda: any(link.outbound for link in node.links.open()), "the link dialled", WAIT_S)
    assert not _said(caplog, "not dialled")


@pytest.mark.parametrize("peer, local, listening, removed, why", [
    (("127.0.0.1", 7700), ("127.0.0.1", 50000), ("127.0.0.1", 7700), [], OWN_LISTENER),
    (("::ffff:127.0.0.1", 7700), ("::ffff:127.0.0.1", 50000), ("localhost", 7700), [], OWN_LISTENER),
    (("192.0.2.5", 7700), ("192.0.2.5", 50000), ("0.0.0.0", 7700), [], OWN_LISTENER),  # this machine's LAN address
    (("192.0.2.6", 7700), ("192.0.2.5", 50000), ("0.0.0.0", 7700), [], None),  # another machine's
    (("127.0.0.2", 7700), ("127.0.0.1", 50000), ("127.0.0.1", 7700), [], None),  # another node on this machine
    (("127.0.0.1", 7701), ("127.0.0.1", 50000), ("127.0.0.1", 7700), [], None),
    (("192.0.2.6", 7700), ("192.0.2.5", 50000), None, ["http://192.0.2.6:7700"], REMOVED),
    (("2001:db8::6", 7700), ("2001:db8::5", 50000), None, ["http://[2001:db8::6]:7700"], REMOVED),
    (("127.0.0.1", 7700), ("127.0.0.1", 50000), None, ["http://localhost:7700"], REMOVED),
    (("192.0.2.6", 7700), ("192.0.2.5", 50000), None, ["http://bristol.example:7700", "http://192.0.2.6:7701"], None),
])
def test_where_a_dial_connected_is_told_apart(peer, local, listening, removed, why) -> None:
    assert skipped(peer, local, listening, removed) == why


async def test_solnet_sync_dials_an_announced_name_the_user_gives_wherever_it_leads(network, caplog) -> None:
    """`solnet sync ADDRESS` is an address the user gives: dialled wherever it leads, even when a
    member announced the same name and it leads to an address removed from this node's peers (it
    was refused as "not dialled", and `solnet sync` called that an unreadable answer)."""
    calais, _ = network
    port, = localnet.free_ports(1)
    announce_to_calais(network, f"http://{ALIAS}:{port}")
    peers_of_calais(calais, removed=f"http://127.0.0.1:{port}")
    caplog.set_level(logging.INFO, logger="solnet")
    async with serving(network[1], port):
        node = Node(calais.home, calais.keys)
        await node.start(background=False)
        try:
            result = await node.sync_once(f"http://{ALIAS}:{port}")
        finally:
            await node.stop()
    assert result.complete  # (Calais holds what Bristol signed already: `announce_to_calais`)
    assert not _said(caplog, "not dialled")


@pytest.mark.parametrize("vetted", [False, True])
async def test_solnet_sync_of_an_announced_name_says_what_it_did(network, monkeypatch, capsys, vetted) -> None:
    """The command itself: it syncs (it said "the peer answered something this node cannot read
    (DialSkipped)" and to report it to solnet's maintainers). Were a dial of it ever checked where it
    leads (`vetted`: as the node's own dials are), the command says why it did not sync, in words."""
    calais, _ = network
    port, = localnet.free_ports(1)
    announce_to_calais(network, f"http://{ALIAS}:{port}")
    peers_of_calais(calais, removed=f"http://127.0.0.1:{port}")
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "0")
    if vetted:
        real = Links.dial_link
        monkeypatch.setattr(Links, "dial_link", lambda self, address, given=False: real(self, address))
    async with serving(network[1], port):
        code = await asyncio.wait_for(asyncio.to_thread(_solnet, "--home", str(calais.home.path), "sync",
                                                        f"http://{ALIAS}:{port}"), WAIT_S)
    out, err = capsys.readouterr()
    assert "maintainers" not in err and "DialSkipped" not in err, err
    if vetted:
        assert code not in (0, None) and f"did not sync with http://{ALIAS}:{port}: {REMOVED}" in err, err
    else:
        assert code == 0 and "in sync with" in out, (out, err)
