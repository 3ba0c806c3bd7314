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

from page_text import csrf_of, visible_text


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


async def test_a_form_of_too_many_fields_is_said_as_such(sample, serve_node) -> None:
    """A form of more than 1,000 fields within the size a request may carry was refused with the page
    of a form too large, "give a shorter text": its texts were short; it has too many fields (not
    sent as this dashboard's page sends it). A form too large for its size still says so."""
    node = await serve_node(sample.nodes[0])
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        for lang, fields, shorter in (("en", "more than 1,000 fields", "shorter text"),
                                      ("fr", "plus de 1 000 champs", "texte plus court")):
            async with http.post(f"{node.url}/login?lang={lang}", data=b"a=&" * 1001, headers=form) as r:
                status, page = r.status, " ".join(visible_text(await r.text()).split())
            assert status == 413 and fields in page and shorter not in page, page
            async with http.post(f"{node.url}/login?lang={lang}", data=b"a=" + b"x" * (257 * 1024), headers=form) as r:
                status, page = r.status, " ".join(visible_text(await r.text()).split())
            assert status == 413 and shorter in page and fields not in page, page


async def test_a_chunked_form_of_too_many_fields_is_said_as_such(sample, serve_node) -> None:
    """A form sent in chunks (no Content-Length: a program's, or a proxy's re-encoding) of more than
    1,000 short fields was told apart by its Content-Length alone, so said as too large ("give a
    shorter text"); a chunked form too large for its size still says so. Told apart by aiohttp's own
    refusal, which names the fields."""
    node = await serve_node(sample.nodes[0])
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    async def chunks(body: bytes):
        for at in range(0, len(body), 4096):
            yield body[at:at + 4096]

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        async with http.post(f"{node.url}/login?lang=en", data=chunks(b"a=&" * 1001), headers=form) as r:
            assert r.request_info.headers.get("Transfer-Encoding") == "chunked"
            status, page = r.status, " ".join(visible_text(await r.text()).split())
        assert status == 413 and "more than 1,000 fields" in page and "shorter text" not in page, page
        async with http.post(f"{node.url}/login?lang=fr", data=chunks(b"a=" + b"x" * (257 * 1024)), headers=form) as r:
            status, page = r.status, " ".join(visible_text(await r.text()).split())
        assert status == 413 and "texte plus court" in page and "plus de 1 000 champs" not in page, page
