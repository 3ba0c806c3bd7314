"""Logging in with a one-time login link as a person does: open it (a page, which spends nothing),
then press its button (a POST with the page's CSRF token and the link's token), with aiohttp (the
dashboard's tests) or urllib (the integration tests'). A plain module, not conftest: test files
import it by a unique name."""
from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from multidict import CIMultiDictProxy

LINK_FORM_RE = re.compile(r'<form method="post" action="/login/link">\s*<input type="hidden" name="csrf" value="([0-9a-f]+)">'
                          r'\s*<input type="hidden" name="token" value="([^"]*)">')


def link_form(html: str) -> dict[str, str] | None:
    """The fields the button of a login link's page sends, or None if the page has no such button."""
    match = LINK_FORM_RE.search(html)
    return {"csrf": match.group(1), "token": match.group(2)} if match else None


async def use_link(http: Any, link: str) -> tuple[int, CIMultiDictProxy[str], str]:
    """Open `link` (a full address, or a path for a test client) with `http` (an aiohttp session or
    TestClient, which keeps the cookies) and press its page's button: the answer's status, headers
    and text (the opened page's if it has no button: a link cut short is said at once)."""
    async with http.get(link, allow_redirects=False) as r:
        html = await r.text()
        if r.status != 200 or (fields := link_form(html)) is None:
            return r.status, r.headers, html
    async with http.post(link.split("?")[0], data=fields, allow_redirects=False) as r:
        return r.status, r.headers, await r.text()


def open_link(opener: urllib.request.OpenerDirector, link: str) -> tuple[int, str, str]:
    """`use_link` with urllib (`opener` keeps the cookies), redirects followed: the status, address
    and text of the page it ends on."""
    def answer(request: str | urllib.request.Request) -> tuple[int, str, str]:
        try:
            with opener.open(request, timeout=10) as reply:
                return reply.status, reply.url, reply.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.url, exc.read().decode()
    status, url, html = answer(link)
    if status != 200 or (fields := link_form(html)) is None:
        return status, url, html
    return answer(urllib.request.Request(link.split("?")[0], data=urllib.parse.urlencode(fields).encode()))
