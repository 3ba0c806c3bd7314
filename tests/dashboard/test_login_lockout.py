"""An outsider cannot lock the owner out of the dashboard's passphrase login, and still cannot guess.

Every visitor through an onion service or a relay comes from 127.0.0.1, so failed logins are not
counted per address. They were counted for the whole node: five wrong passphrases a minute from
anyone kept the owner's right one refused ('Too many failed attempts') for as long as the outsider
liked. Now a browser that logged in here before carries a mark only this node can make, and counts
its own failures; browsers this node does not know still share one count. Real node, real port."""
from __future__ import annotations

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
    assert (await log_in(owner, node.url, PASSPHRASE))[0] == 303  # the owner's laptop, last week
    async with owner.post(node.url + "/logout", data={"csrf": csrf_of(await (await owner.get(node.url + "/")).text())},
                          allow_redirects=False) as answer:
        assert answer.status == 303
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
