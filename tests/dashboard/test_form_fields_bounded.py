"""A stranger's form of many fields is refused before it is built: the dashboard's login form (and
every other POST) reads its form before anyone is known, and a form within the 256 KiB a request
may carry holds 87,000 empty fields ("a=&" repeated). aiohttp before 3.14.4 built them all: 42
times the body, 11 MB of the node's memory (within about a MiB of its 80 MiB budget), in time
quadratic in the repeated names, on the event loop. pyproject.toml asks for 3.14.4 at least,
whose `client_max_fields` (1,000, past any form of the dashboard) refuses it with 413 (aiohttp's
3.14.4 release notes, aio-libs/aiohttp#13738). Real node, real port on 127.0.0.1; memory by tracemalloc."""
from __future__ import annotations

import tracemalloc

import aiohttp

from page_text import csrf_of


async def test_a_form_of_many_fields_is_refused_before_it_is_built(sample, serve_node) -> None:
    node = await serve_node(sample.nodes[0])
    body = b"a=&" * (256 * 1024 // 3 - 10)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        for _ in range(2):  # (the dashboard and its refusal page loaded first: not what is measured)
            async with http.post(f"{node.url}/login", data=b"a=&" * 1001, allow_redirects=False,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}) as r:
                assert r.status == 413
        tracemalloc.start()
        try:
            async with http.post(f"{node.url}/login", data=body, allow_redirects=False,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}) as r:
                status, page = r.status, await r.text()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert status == 413 and "<html" in page.lower(), (status, page[:200])
        assert peak < 8 * len(body), f"{peak / len(body):.0f} x the form's {len(body)} bytes built"
        async with http.get(f"{node.url}/login") as r:  # (the node answers as before)
            assert r.status == 200 and csrf_of(await r.text())
        async with http.post(f"{node.url}/login", data={"passphrase": "guess", "csrf": "x"}) as r:
            assert r.status == 403  # (a form of a few fields is read: its token is wrong)
