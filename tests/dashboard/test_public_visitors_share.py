"""Visitors of the public pages (`--public-dashboard`) share one reading of the read models: anyone
may ask for the pages and feeds as often as they like, and each answer was worked out anew on the
database thread that also stores what peers send (an iCalendar of 200 actions took 77 ms here),
so a few visitors asking in a loop held up the node's storing of alerts. What is new still shows
within seconds (node/dashboard/public_cache.py)."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

from node import public_site
from node.dashboard import AccessOptions
from test_public_outputs import publish_public_sample


def calls_of(monkeypatch, name: str) -> list[int]:
    """[1 for each call of node.public_site's function `name` from now on]."""
    calls: list[int] = []
    real = getattr(public_site, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(public_site, name, counted)
    return calls


async def test_many_visitors_cost_one_reading_and_news_still_shows(tmp_path: Path, start_node, monkeypatch) -> None:
    nodes, _ = publish_public_sample(tmp_path)
    readings = calls_of(monkeypatch, "public_data")
    running = await start_node(nodes[0], AccessOptions(public=True))
    paths = ["/public/", "/public/alerts", "/public/?lang=fr", "/public/actions.atom", "/public/alerts.atom",
             "/public/fundraisers.atom", "/public/calendar.ics",
             *(f"/public/?x={os.urandom(4).hex()}" for _ in range(10)),
             *(f"/public/calendar/made-up-{i}.ics" for i in range(20))]

    async def get(path: str) -> str:
        async with running.client.get(path) as reply:
            assert reply.status == 200, (path, reply.status)
            return await reply.text()

    pages = await asyncio.gather(*(get(p) for _ in range(2) for p in paths))
    assert len(readings) == 1, f"{len(pages)} requests read the read models {len(readings)} times"
    assert "Calais: police at the camp" in pages[0] and "members only" not in pages[0]
    assert '<a href="/public/?lang=fr"' in pages[0], pages[0]  # the language links name no made-up parameter

    await running.node.publish("alert", {"region": "calais", "type": "raid", "text": "Vans at the bridge",
                                         "public": "yes"}, expires_in="6h")
    async with asyncio.timeout(15):  # read again once something new is stored (at most every 2 s)
        while "Vans at the bridge" not in await get("/public/"):
            await asyncio.sleep(0.2)
    assert len(readings) >= 2


async def test_visitors_asking_at_once_share_one_making_of_each_feed(tmp_path: Path, start_node, monkeypatch) -> None:
    """Visitors asking for the same feed at once, while it is being made, waited for the same data but
    each made the feed again (an iCalendar of 200 actions: 77 ms here, several times that on a Pi):
    a few dozen visitors looping on it made it a few dozen times each time the data was read again
    (until 2026-12-07). Now the first making is shared by those who ask meanwhile."""
    nodes, _ = publish_public_sample(tmp_path)
    made = calls_of(monkeypatch, "actions_ics")
    running = await start_node(nodes[0], AccessOptions(public=True))

    async def get(path: str) -> bytes:
        async with running.client.get(path) as reply:
            assert reply.status == 200, (path, reply.status)
            return await reply.read()

    feeds = await asyncio.gather(*(get("/public/calendar.ics") for _ in range(24)))
    assert len(set(feeds)) == 1 and b"BEGIN:VCALENDAR" in feeds[0]
    assert len(made) == 1, f"24 visitors asking at once had the calendar made {len(made)} times"
