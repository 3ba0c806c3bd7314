"""The live stream compares what the page was drawn with, not what it finds when it opens
(node/dashboard/quiet_drawn.py, app.py `live`, static/app.js).

The stream took its starting state when it opened: a raid alert that ended after the page was
drawn and before its stream connected (a phone loading the script on a Pi, the reconnect after each
stream's planned end) was already out of what the stream compared, so `recheck` never came and the
page showed the raid as live until the next event, hours on a quiet night. Now the page sends the
state it drew (`quiet`, one token a live part, from the page and from each part's answer) and the
stream says `recheck` at once when it no longer holds. Pages without live parts of their own (a
form) hold no stream: they read /fragment/alerts, which lists only the alerts live then.
"""
from __future__ import annotations

import asyncio
import re
from urllib.parse import quote

from page_text import PASSPHRASE
from test_http import get

from node import publishing
from node.clock import now_ms
from node.dashboard import app as dashboard_app

WAIT_S = 10.0  # bound of each wait
# How long from now an alert posted for a minute still lives, try after try: a loaded machine may draw
# a page after the shortest has ended (a page drawn without it tests nothing), never after the longest
ENDS_IN_MS = (4_000, 15_000, 45_000)


async def drawn_while_live(post, text: str, pages, ends_in_ms: tuple[int, ...] = ENDS_IN_MS) -> tuple[int, list[str]]:
    """An alert `text` posted a minute before it ends, soon (`post(text, posted_ms)` publishes it and
    returns it), and the pages `pages(alert)` names, got while it is live: each holds it. Drawn after
    its end, the pages are got again with a new alert that lives longer. Its end (ms), and the pages."""
    for ends_in in ends_in_ms:
        alert = await post(text, now_ms() + ends_in - 60_000)
        drawn = [await page for page in pages(alert)]
        if now_ms() < alert.header.expires:  # every page drawn while the alert was live
            for page in drawn:
                assert text in page, "a page drawn while the alert was live does not show it"
            return alert.header.expires, drawn
    raise AssertionError(f"the pages were not drawn within {ends_in_ms[-1] / 1000:g} s")


def drawn_with(page: str, name: str = "quiet") -> str:
    """The page's token of what it was drawn with (its body's data-quiet), or its data-since."""
    found = re.search(fr'<body[^>]* data-{name}="([^"]*)"', page)
    assert found, f"the page says data-{name}"
    return found.group(1)


async def first_said(stream) -> str:
    """The stream's first word after its `retry:`: an event's name, or `keepalive`."""
    while True:
        line = await stream.content.readline()
        if not line:
            return "closed"
        if line.startswith(b"event: "):
            return line.decode().removeprefix("event: ").strip()
        if line.startswith(b": keepalive"):
            return "keepalive"


def past(ends: int) -> float:
    """A wait's bound (s): WAIT_S past `ends` (ms), the end of an alert that may live for a while yet."""
    return max(0.0, (ends - now_ms()) / 1000) + WAIT_S


async def gone_from(client, path: str, text: str, ends: int) -> None:
    """Until `path` no longer lists `text` (bounded: WAIT_S past `ends`): the alert has ended on the
    node's own pages."""
    async def poll() -> None:
        while text in (await get(client, path))[1]:
            await asyncio.sleep(0.1)
    await asyncio.wait_for(poll(), past(ends))


async def test_an_alert_that_ends_before_the_stream_opens_is_told_at_once(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node
    keys = sample.nodes[0].home.keys(PASSPHRASE)

    async def post(text: str, posted: int):  # posted for a minute: it ends after both pages are drawn
        alert = await running.db(lambda: publishing.publish(
            running.log, keys, "alert", {"region": "calais", "type": "raid", "text": text},
            expires_in="1m", now=posted))
        stored = await running.db(running.log.store.event_n, alert.id)

        async def told() -> None:  # (the node's count of stored events follows its store)
            while running.last_stored_n < stored:
                await asyncio.sleep(0.05)
        await asyncio.wait_for(told(), WAIT_S)
        return alert

    async def page(path: str) -> str:
        return (await get(node.client, path))[1]

    ends, (overview, event_page) = await drawn_while_live(
        post, "Ends soon 7", lambda alert: (page("/"), page(f"/event/{alert.id.hex()}")))
    assert "/publish/alert.update?alert=" in event_page  # drawn live
    await gone_from(node.client, "/fragment/alerts", "Ends soon 7", ends)  # (what a form page reads: gone)
    for page in (overview, event_page):
        address = f"/live?since={drawn_with(page, 'since')}&quiet={quote(drawn_with(page))}"
        async with node.client.get(address) as stream:
            assert stream.status == 200
            assert await asyncio.wait_for(first_said(stream), WAIT_S) == "recheck"
    # Each part's answer says what it is drawn with now, for the stream its page opens next
    _, fragment, answer = await get(node.client, "/fragment/overview")
    assert "Ends soon 7" not in fragment
    assert answer.headers[dashboard_app.QUIET_HEADER] != drawn_with(overview)


async def test_a_page_whose_drawing_still_holds_is_not_read_again(sample, start_node, monkeypatch) -> None:
    monkeypatch.setattr(dashboard_app, "KEEPALIVE_S", 0.3)
    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node
    _, page, _ = await get(node.client, "/")
    _, _, answer = await get(node.client, "/fragment/overview")
    tokens = (drawn_with(page), answer.headers[dashboard_app.QUIET_HEADER])
    async with node.client.get(f"/live?since={running.last_stored_n}&quiet={quote(tokens[0])}"
                               f"&quiet={quote(tokens[1])}") as stream:
        assert await asyncio.wait_for(first_said(stream), WAIT_S) == "keepalive"
    # A token that cannot be read counts as changed: read again once
    async with node.client.get(f"/live?since={running.last_stored_n}&quiet=9" + "9" * 5000) as stream:
        assert await asyncio.wait_for(first_said(stream), WAIT_S) == "recheck"


async def test_a_form_page_holds_no_drawing_to_compare(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, form, _ = await get(node.client, "/publish/alert")
    assert "data-quiet=" not in form  # its only part is the alert watch, read by polling, never drawn
    _, _, answer = await get(node.client, "/fragment/alerts")
    assert answer.headers[dashboard_app.QUIET_HEADER]  # (an event page's watch, once read, sends it)
