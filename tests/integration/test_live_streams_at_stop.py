"""A `solnet run` node stops cleanly after dashboard pages with live streams were left: each page
opens a stream, and leaving it leaves the server waiting for the next change. The node once hung at
exit on those waits (Python 3.11's wait_for around a Condition.wait that is cancelled may never
finish): with 20 streams left it did in 5 runs out of 5."""
from __future__ import annotations

import asyncio
import signal

import aiohttp

from link_login import use_link
from local_cluster import STOP_TIMEOUT_S, cli_json

STREAMS = 20


async def leave_streams(base: str, link: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                     timeout=aiohttp.ClientTimeout(total=30)) as http:
        status, headers, _ = await use_link(http, link)
        assert status == 303 and headers["Location"] == "/"  # logged in
        for _ in range(STREAMS):  # a person going from page to page
            async with http.get(f"{base}/live?since=0") as stream:
                assert (await stream.content.readline()).startswith(b"retry:")


def test_a_node_stops_cleanly_after_pages_with_live_streams_were_left(cluster) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    proc = cluster.start(calais, sync_interval=3600)
    base = f"http://127.0.0.1:{calais.port}"
    asyncio.run(leave_streams(base, cli_json(calais, "dashboard-link", "--base-url", base)["url"]))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(STOP_TIMEOUT_S) == 0, "the node did not stop cleanly"
