"""A served node gives back to the system what a page freed (node/heap_trim.py): glibc kept the
freed memory of the first overview page in its heaps, ~11.6 MiB of resident memory a node on a
Pi Zero 2 W kept for good (whole tree budget: < 80 MiB at 100k events). After an answer the app
trims the heaps once, soon after it, however many answers follow meanwhile; /healthz (polled by
monitors) asks for none. A real node on its SQLite home, served on 127.0.0.1, asked over HTTP."""
from __future__ import annotations

import platform
import subprocess
import sys

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


_THREADS_ALLOCATE = """
import ctypes, sys, threading
from node.heap_trim import one_heap
if sys.argv[1] == "one":
    assert one_heap()
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
held, together = [], threading.Barrier(3)  # alive at once: a thread's ended heap goes to the next one


def allocate():
    held.append(libc.malloc(1000))
    together.wait(timeout=30)


threads = [threading.Thread(target=allocate) for _ in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
libc.malloc_stats()  # one "Arena N:" paragraph a heap, on stderr
"""


@pytest.mark.parametrize("mode", ["default", "one"])
def test_one_heap_keeps_the_threads_in_one_heap(mode: str) -> None:
    """What `solnet run` calls before its threads start: with it, threads that allocate add no
    heap of their own (glibc's default gave each a heap, whose freed memory the others could not use)."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt(M_ARENA_MAX) is glibc's")
    run = subprocess.run([sys.executable, "-c", _THREADS_ALLOCATE, mode], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    heaps = sum(line.startswith("Arena ") for line in run.stderr.splitlines())
    assert heaps == (1 if mode == "one" else 4), run.stderr
