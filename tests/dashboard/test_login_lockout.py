"""An outsider cannot lock the owner out of the dashboard's passphrase login, and still cannot guess.

Every visitor through an onion service or a relay comes from 127.0.0.1, so failed logins are not
counted per address. They were counted for the whole node: five wrong passphrases a minute from
anyone kept the owner's right one refused ('Too many failed attempts') for as long as the outsider
liked. Now a browser that logged in here before carries a mark only this node can make, and counts
its own failures; browsers this node does not know still share one count. Real node, real port."""
from __future__ import annotations

import base64
import struct
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from page_text import PASSPHRASE, csrf_of


@pytest.fixture
async def browsers() -> AsyncIterator[Callable[[], aiohttp.ClientSession]]:
    """Browsers of their own (cookie jars of their own, keeping 127.0.0.1's cookies as a browser does)."""
    opened: list[aiohttp.ClientSession] = []

    def one() -> aiohttp.ClientSession:
        opened.append(aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                            timeout=aiohttp.ClientTimeout(total=30)))
        return opened[-1]

    yield one
    for session in opened:
        await session.close()


async def log_in(browser: aiohttp.ClientSession, url: str, passphrase: str) -> tuple[int, str]:
    async with browser.get(url + "/login") as page:
        token = csrf_of(await page.text())
    async with browser.post(url + "/login", data={"passphrase": passphrase, "csrf": token},
                            allow_redirects=False) as answer:
        return answer.status, await answer.text()


async def test_an_outsider_guessing_does_not_lock_out_a_browser_that_logged_in_before(sample, serve_node,
                                                                                       browsers) -> None:
    node = await serve_node(sample.nodes[0])
    owner, outsider, newcomer = browsers(), browsers(), browsers()
    assert (await log_in(owner, node.url, PASSPHRASE))[0] == 303  # the owner's laptop, last week ...
    owner.cookie_jar.clear(lambda c: c.key.startswith("solnet_session_"))  # ... its browser closed since
    for _ in range(5):
        assert (await log_in(outsider, node.url, "guess"))[0] == 401
    # The outsider is held back, even with the right passphrase: guessing stays slow ...
    status, html = await log_in(outsider, node.url, PASSPHRASE)
    assert status == 429 and "Too many failed attempts" in html and "solnet dashboard-link" in html
    # ... and so is every browser this node does not know: they share one count.
    assert (await log_in(newcomer, node.url, PASSPHRASE))[0] == 429
    # The owner's browser logged in here before: its own count, the outsider's failures are not its.
    assert (await log_in(owner, node.url, PASSPHRASE))[0] == 303
    async with owner.get(node.url + "/publish", allow_redirects=False) as page:
        assert page.status == 200
    # A marked browser guessing is held back after as many failures as any other.
    for _ in range(5):
        assert (await log_in(owner, node.url, "guess"))[0] == 401
    assert (await log_in(owner, node.url, PASSPHRASE))[0] == 429
    # A mark the outsider makes up (or copies the form of) is no mark: the shared count holds it.
    mark = next(c for c in owner.cookie_jar if c.key.startswith("solnet_browser_"))
    forged = mark.value[:20] + ("A" if mark.value[20] != "A" else "B") + mark.value[21:]
    outsider.cookie_jar.update_cookies({mark.key: forged})
    assert (await log_in(outsider, node.url, PASSPHRASE))[0] == 429


async def test_logging_out_deletes_the_mark_and_the_mark_holds_no_readable_time(sample, serve_node, browsers) -> None:
    """After "Log out" a year-long cookie stayed on the laptop, its first 8 bytes the login time in
    clear: the browser keeps nothing of this node now, and a mark's time is sealed."""
    node = await serve_node(sample.nodes[0])
    owner = browsers()
    before = int(time.time())
    assert (await log_in(owner, node.url, PASSPHRASE))[0] == 303
    [mark] = [c for c in owner.cookie_jar if c.key.startswith("solnet_browser_")]
    raw = base64.urlsafe_b64decode(mark.value + "=" * (-len(mark.value) % 4))
    for t in range(before - 2, int(time.time()) + 2):
        assert struct.pack(">Q", t) not in raw and struct.pack(">I", t) not in raw, t
    # The mark still does its work: a second login from this browser keeps it (the same one)
    owner.cookie_jar.clear(lambda c: c.key.startswith("solnet_session_"))
    assert (await log_in(owner, node.url, PASSPHRASE))[0] == 303
    assert [c.value for c in owner.cookie_jar if c.key == mark.key] == [mark.value]
    async with owner.post(node.url + "/logout", data={"csrf": csrf_of(await (await owner.get(node.url + "/")).text())},
                          allow_redirects=False) as answer:
        assert answer.status == 303
        said = answer.headers.getall("Set-Cookie")
    [gone] = [c for c in said if c.startswith(mark.key + "=")]
    assert "Max-Age=0" in gone, said
    assert not [c for c in owner.cookie_jar if c.key.startswith("solnet_browser_")]
