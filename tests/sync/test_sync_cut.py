"""`solnet sync` reports what it stored, never what merely arrived, and says so when the link is cut.

A real `solnet sync` process dials a peer played by the wire double (hostile_double.HostileServer,
the real handshake and frames): a member that streams valid events and then ends the connection,
before its End or right after it. Regression test for a Pi-sized sync that printed "20000
received" and exited 0 while the sink had stored 18000: the link was closed after the last
batches arrived, and the batches still queued for storing were dropped, yet counted.
"""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path

import pytest

from hostile_double import PASSPHRASE, Author, HostilePeer, HostileServer, Mole, query
from node import localnet
from node.home import PASSPHRASE_ENV
from node.localnet import LocalNode
from sync.messages import End, Events, Heads, Offer

BATCH = 400


@pytest.fixture
def sink(tmp_path: Path) -> tuple[LocalNode, Mole]:
    """A home that only syncs on demand (never runs), and a member group whose device plays the peer."""
    calais, = localnet.create_network(tmp_path, [("Calais", "calais")], PASSPHRASE)
    founder_log = calais.home.log()
    try:
        mole = Mole.admit(tmp_path, founder_log, calais.home.keys(PASSPHRASE))
    finally:
        founder_log.store.close()
    yield calais, mole
    mole.log.store.close()


def solnet_sync(node: LocalNode, port: int, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    env[PASSPHRASE_ENV] = PASSPHRASE
    return subprocess.run([*localnet.solnet_command(), "--home", str(node.home.path), "sync", f"127.0.0.1:{port}",
                           *args], capture_output=True, text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)


async def serve_once(mole: Mole, node: LocalNode, total: int, streamed: int, *, end: bool,
                     args: tuple[str, ...] = ("--json",)) -> tuple[subprocess.CompletedProcess, bytes]:
    """Play a peer holding `total` events of one device: stream the first `streamed` in batches,
    End if `end`, then close the connection. Returns how `solnet sync` ended, and the device key."""
    key = mole.new_device()
    author = Author(key, mole.network_id)
    events = [author.sign().encode() for _ in range(total)]

    async def script(peer: HostilePeer) -> None:
        assert isinstance(await peer.receive(5), Offer)
        # we hold all the sink holds (its chains, as of now), and `total` events it lacks
        await peer.send(Heads((*heads_of(node), (bytes(key.public), total, author.prev[:8]))))
        assert isinstance(await peer.receive(5), Heads)  # the sink's, then its End: it sends nothing
        assert await peer.receive(5) == End(0)
        for i in range(0, streamed, BATCH):
            await peer.send(Events(tuple(events[i:min(i + BATCH, streamed)])))
        if end:
            await peer.send(End(streamed))
        # returning closes the connection at once, whatever the sink still has to store

    server = HostileServer(mole.network_id, key, mole.credentials(), script)
    port = await server.start()
    try:
        done = await asyncio.to_thread(solnet_sync, node, port, *args)
        outcome, value = await asyncio.wait_for(server.results.get(), 10)
        if outcome == "failed":
            raise value
    finally:
        await server.stop()
    return done, bytes(key.public)


def heads_of(node: LocalNode) -> tuple[tuple[bytes, int, bytes], ...]:
    rows = query(node.home.db_path, "SELECT keys.key, heads.seq, heads.id FROM heads JOIN keys USING (k)")
    return tuple((author, seq, event_id[:8]) for author, seq, event_id in rows)


def stored_by(node: LocalNode, author: bytes) -> int:
    return query(node.home.db_path, "SELECT count(*) FROM events WHERE a=(SELECT k FROM keys WHERE key=?)",
                 (author,))[0][0]


async def test_a_link_cut_mid_stream_exits_nonzero_with_an_honest_report(sink):
    node, mole = sink
    done, author = await serve_once(mole, node, total=3000, streamed=1200, end=False)
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert done.stdout.strip(), f"no report of what was stored:\n{done.stderr}"
    report = json.loads(done.stdout)
    stored = stored_by(node, author)
    # what arrived before the cut is stored (not dropped), and the report counts exactly that
    assert stored == 1200, stored
    assert report["complete"] is False, report
    assert report["received"] == stored and report["outcomes"] == {"accepted": stored}, report
    assert report["lag"] == 3000 and "connection" in report["error"], report
    assert "cut off" in done.stderr and "solnet sync` again" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr

    # Said to people too, and the next sync resumes: only the events still missing come.
    done, author = await serve_once(mole, node, total=800, streamed=400, end=False, args=())
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert done.stdout.startswith("Sync with http://127.0.0.1:") and " cut off after " in done.stdout, done.stdout
    assert "received 400 events (400 new, 0 duplicate, 0 pending, 0 rejected), sent 0 events." in done.stdout, done.stdout
    assert stored_by(node, author) == 400


async def test_a_peer_closing_right_after_its_end_loses_nothing(sink):
    """The peer's End arrived, then the connection closed while batches were still queued for
    storing: they are stored all the same (they are here), and the sync is complete."""
    node, mole = sink
    done, author = await serve_once(mole, node, total=4000, streamed=4000, end=True)
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr)
    report = json.loads(done.stdout)
    assert stored_by(node, author) == 4000
    assert report["complete"] is True and report["received"] == 4000, report
    assert report["outcomes"] == {"accepted": 4000}, report
