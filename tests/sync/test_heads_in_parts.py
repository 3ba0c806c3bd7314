"""A peer whose heads do not fit one message: a real `solnet sync` takes them in parts.

One Heads message with every author's head passed the 4 MiB frame at ~84,000 authors, and every
round of such a node failed: a hostile group that certified that many devices (one event each)
would have stopped anti-entropy on every node, the revocation that ends it included. Heads now go
as MoreHeads parts and a last Heads (sync/messages.py). Here the wire double (the real handshake
and frames) plays a peer holding 120,000 authors and sends them in parts as large as a node makes
them; a real `solnet sync` process takes them all, streams nothing it need not, stores what the
peer streams, and reports the whole lag. A peer that names an author twice across parts breaks
the protocol: the sync ends with that said, and nothing is stored.
"""
from __future__ import annotations

import asyncio
import json

import pytest

from hostile_double import Author, HostilePeer, HostileServer, PeerClosed
from test_sync_cut import heads_of, sink, solnet_sync, stored_by  # noqa: F401 (sink: the fixture)
from sync.messages import HEAD_PREFIX, HEADS_PER_MESSAGE, End, Events, Heads, MoreHeads, Offer, heads_messages

pytestmark = pytest.mark.integration  # a real `solnet sync` process

INVENTED = 120_000  # authors the sink never heard of: more than one message could carry (~84,000)


async def serve(mole, node, messages_of, *, closed: bool = False) -> tuple:
    """Serve one sync of `node` by a peer holding 30 events of a new device of `mole`, whose heads
    go as `messages_of(heads)`; returns how `solnet sync` ended, the device key and what came
    (`closed`: the sink is to close the connection before its End)."""
    key = mole.new_device()
    author = Author(key, mole.network_id)
    events = [author.sign().encode() for _ in range(30)]
    came: list = []

    async def script(peer: HostilePeer) -> None:
        assert isinstance(await peer.receive(5), Offer)
        heads = [*heads_of(node), *[(b"\xee" * 16 + i.to_bytes(16, "big"), 1, bytes(HEAD_PREFIX)) for i in range(INVENTED)]]
        heads.append((bytes(key.public), len(events), author.prev[:HEAD_PREFIX]))  # in the last part
        for message in messages_of(heads):
            await peer.send(message)
        while not isinstance(message := await peer.receive(30), End):
            came.append(message)
        await peer.send(Events(tuple(events)))
        await peer.send(End(len(events)))

    server = HostileServer(mole.network_id, key, mole.credentials(), script)
    port = await server.start()
    try:
        done = await asyncio.to_thread(solnet_sync, node, port, "--json")
        outcome, value = await asyncio.wait_for(server.results.get(), 30)
        if outcome == "failed" and not (closed and isinstance(value, PeerClosed)):
            raise value
        assert (outcome == "failed") == closed, (outcome, value)
    finally:
        await server.stop()
    return done, bytes(key.public), came


async def test_a_peer_with_more_authors_than_one_message_holds_is_synced(sink):
    node, mole = sink
    done, device, came = await serve(mole, node, heads_messages)
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr)
    report = json.loads(done.stdout)
    assert report["complete"] is True and report["received"] == 30 == stored_by(node, device), report
    # the last Heads counted; the invented authors are none this node would take events of (a lag
    # counts only members' heads: tests/sync/test_lag_of_unknown_authors.py)
    assert report["lag"] == 30, report
    # the sink answered with its own heads (it holds nothing the peer lacks: it streamed nothing)
    assert [type(m) for m in came] == [Heads], came
    assert {h[0] for h in came[0].heads} == {h[0] for h in heads_of(node)} - {device}


async def test_an_author_named_twice_across_parts_ends_the_sync_and_stores_nothing(sink):
    node, mole = sink

    def twice(heads):
        first, *rest = heads_messages(heads)
        return [first, MoreHeads((first.heads[0],)), *rest]  # one of the sink's own authors, again

    assert INVENTED > HEADS_PER_MESSAGE  # so there are parts to repeat an author across
    done, device, came = await serve(mole, node, twice, closed=True)
    assert done.returncode != 0, (done.returncode, done.stdout, done.stderr)
    assert "an author appears twice in heads" in done.stderr + done.stdout, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert stored_by(node, device) == 0 and came == []
