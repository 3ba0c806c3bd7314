"""The live views' change feed (node/net/watcher.py): waiters wake once the log grows past what they
have, at their timeout otherwise, and a waiter that is cancelled (a page closed, a node stopping)
leaves nothing behind that would hold up the others."""
from __future__ import annotations

import asyncio

from node.net.watcher import ChangeFeed


async def test_a_waiter_wakes_when_the_log_grows_past_what_it_has():
    feed = ChangeFeed()
    feed.notify(5)
    assert await asyncio.wait_for(feed.wait(4, 10), 1) == 5  # already past: at once
    waiter = asyncio.ensure_future(feed.wait(5, 10))
    await asyncio.sleep(0)
    feed.notify(5)  # not past: no wake-up
    await asyncio.sleep(0)
    assert not waiter.done()
    feed.notify(7)
    assert await asyncio.wait_for(waiter, 1) == 7


async def test_a_waiter_returns_at_its_timeout_with_what_there_is():
    feed = ChangeFeed()
    feed.notify(3)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await feed.wait(3, 0.05) == 3
    assert loop.time() - started >= 0.05


async def test_cancelled_waiters_leave_nothing_behind():
    feed = ChangeFeed()
    gone = [asyncio.ensure_future(feed.wait(0, 10)) for _ in range(20)]
    kept = asyncio.ensure_future(feed.wait(0, 10))
    await asyncio.sleep(0)
    for waiter in gone:
        waiter.cancel()
    await asyncio.gather(*gone, return_exceptions=True)
    feed.notify(1)
    assert await asyncio.wait_for(kept, 1) == 1
