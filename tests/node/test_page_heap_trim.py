"""A served node gives back to the system what a page freed (node/heap_trim.py): glibc kept the
freed memory of the first overview page in its heaps, ~11.6 MiB of resident memory a node on a
Pi Zero 2 W kept for good (whole tree budget: < 80 MiB at 100k events). After an answer the app
trims the heaps once, soon after it, however many answers follow meanwhile; /healthz (polled by
monitors) asks for none. A real node on its SQLite home, served on 127.0.0.1, asked over HTTP."""
from __future__ import annotations

import platform

import aiohttp
import pytest

from node import heap_trim
from node.webapp import HEAP_TRIM
from served_nodes import network, served_node, until  # noqa: F401  (fixture)


async def test_answers_are_followed_by_one_trim_of_the_heaps(network, monkeypatch) -> None:  # noqa: F811
    calls: list[int] = []
    monkeypatch.setattr(heap_trim, "_malloc_trim", lambda: calls.append)
    local = network[0]
    async with served_node(local) as (_node, served), aiohttp.ClientSession() as http:
        trim = served.runner.app[HEAP_TRIM]
        base = f"http://127.0.0.1:{served.port}"
        async with http.get(f"{base}/healthz") as reply:
            assert reply.status == 200
        assert trim._pending is None, "a /healthz poll asked for a trim"
        headers = {"Authorization": f"Bearer {local.admin_token()}"}
        for _ in range(3):
            async with http.get(f"{base}/api/v1/status", headers=headers) as reply:
                assert reply.status == 200
                await reply.read()
        await until(lambda: trim.trims >= 1, "the heaps trimmed after the answers")
        assert calls and set(calls) == {0}  # malloc_trim(0): every heap, keeping no extra room at the top


def test_glibc_trim_is_found() -> None:
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("malloc_trim is glibc's")
    assert heap_trim._malloc_trim() is not None
