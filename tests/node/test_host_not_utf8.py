"""A Host header that is not UTF-8 (anyone can send one) is a Host like any other: until this fix
every dashboard page answered it 500 and logged an ERROR line ("requests for / failed
(UnicodeEncodeError at access.py)"), one per page an outsider cared to ask for (a real node served
on 127.0.0.1, the request sent as raw bytes, as no HTTP library would send it)."""
from __future__ import annotations

import asyncio
import logging

import pytest

from served_nodes import calais, network  # noqa: F401  (the fixtures)


async def _status_line(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        async with asyncio.timeout(10):
            return (await reader.readline()).strip()
    finally:
        writer.close()


async def test_a_host_that_is_not_utf8_gets_the_page_not_a_failure(calais, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    caplog.set_level(logging.INFO, "solnet")
    _, served = calais
    for path, status in ((b"/", b"303"), (b"/login", b"200"), (b"/groups", b"303")):
        line = await _status_line(served.port, b"GET " + path + b" HTTP/1.1\r\nHost: \xff\xfe.example\r\n"
                                  b"Connection: close\r\n\r\n")
        assert line.split(b" ")[1] == status, (path, line)
    assert "failed" not in caplog.text and "UnicodeEncodeError" not in caplog.text
