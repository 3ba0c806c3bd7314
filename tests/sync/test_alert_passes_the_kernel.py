"""An alert sent on a link while a round streams to a slow reader arrives after little of the round
(sync/link_socket.py). Two real `Link`s over an aiohttp websocket on 127.0.0.1: one streams round
batches to the other, which reads a batch only when the stream is held back (the source's queue
full), as a Pi taking its first sync does; then an alert is sent. Before the fix the kernel's buffers, grown by
autotuning, held megabytes of the round in front of it (a raid alert reached a Pi stand-in 31 s
late, with the round's last batch)."""
from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from sync.messages import Events, Push
from sync.peers import PeerLimits
from sync.transport import Link
from test_channel import pair

BATCH = tuple(bytes([i % 251]) * 400 for i in range(500))  # a round's batch: 500 events of ~400 B
ALERT = (b"alert" * 80,)
ROUND = 300  # batches (60 MB): the kernel's buffers grow with a long stream


async def test_an_alert_waits_behind_little_of_a_round_the_reader_is_slow_to_take(aiohttp_server) -> None:
    served: asyncio.Future[web.WebSocketResponse] = asyncio.get_running_loop().create_future()
    done = asyncio.Event()

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0, autoping=False)
        await ws.prepare(request)
        served.set_result(ws)
        await done.wait()
        return ws

    app = web.Application()
    app.router.add_get("/ws", handler)
    server = await aiohttp_server(app, host="127.0.0.1")
    dialler, listener = pair()
    limits = PeerLimits()
    async with aiohttp.ClientSession() as session:
        client_ws = await session.ws_connect(f"http://127.0.0.1:{server.port}/ws", max_msg_size=0, autoping=False)
        source = Link(await served, listener, b"p" * 32, outbound=False, address=None, limits=limits)
        pi = Link(client_ws, dialler, b"s" * 32, outbound=True, address="http://127.0.0.1", limits=limits)
        try:
            async with asyncio.timeout(60):
                streamed = 0
                # The round streams to a reader that takes a batch only when the source's queue is
                # full (the kernel takes no more): as slow as it may be without stopping the round.
                while streamed < ROUND:
                    if source.stalled:
                        await pi.receive(10)
                    else:
                        await source.send(Events(BATCH))
                        streamed += 1
                await source.send(Push(ALERT), urgent=True)
                before = 0
                while True:
                    message = await pi.receive(10)
                    if isinstance(message, Push):
                        break
                    before += 1
        finally:
            done.set()
            await pi.close()
            await source.close()
    batch_bytes = sum(map(len, BATCH))
    # What is ahead of the alert: the frame being written, what the kernel holds (a receive buffer,
    # a little unsent) and nothing of the link's own queue (the alert passes it): ~0.8 MB; 4.4 MB
    # (22 batches) before the fix, as the buffers grew with the stream.
    assert before * batch_bytes <= 1536 * 1024, \
        f"the alert came after {before} of {streamed} round batches ({before * batch_bytes / 2**20:.1f} MiB)"
