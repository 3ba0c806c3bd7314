"""A node whose disk is full stores nothing its peers send, raid alerts included; `solnet status`
and the API said so, the dashboard (where coordinators look) did not, until 2026-12-05. Now its
overview says the disk is full, what it costs and how much to free, in English and in French."""
from __future__ import annotations

import re

import pytest

from node.net.storage_health import NEEDED_BYTES
from node.ports import StorageFailed
from page_text import visible_text
from test_http import get


def _fill(store) -> None:
    """The disk is full: SQLite may not grow the file (node/store limit_pages)."""
    store.limit_pages(store.size_pages())


async def test_the_overview_says_the_disk_is_full_and_what_to_free(sample, start_node) -> None:
    calais, _ = sample.nodes
    node = await start_node(calais)
    running = node.node
    await node.log_in()
    _, before, _ = await get(node.client, "/")
    assert "disk is full" not in visible_text(before)
    # The file system's free space as it stands (this file system is shared with other tests, whose
    # files come and go: a MiB freed by one of them would count as the space this node was asked for)
    free = running.health._free(running.home.path)
    running.health._free = lambda home: free
    await running.db(_fill, running.log.store)
    with pytest.raises(StorageFailed, match="the disk is full"):  # a write fails, as a peer's batch would
        for i in range(500):  # (the file's free pages fill first)
            await running.publish("need", {"category": "tents", "quantity": str(i + 1), "region": "calais",
                                           "notes": "winter kit, sizes mixed; " * 20}, offline=True)
    mb = r"\d+"  # 1 MiB and the WAL's size (storage_health.needed): the dashboard's own writes may change it
    await node.log_in()
    _, en, _ = await get(node.client, "/")
    text = " ".join(visible_text(en).split())
    assert "This node's disk is full: it cannot store what its peers send, raid alerts included" in text, text[:600]
    said = re.search(rf"at least ({mb}) MB, and more the longer it was full, since what it missed needs room too", text)
    assert said and int(said[1]) >= NEEDED_BYTES >> 20, text[:600]
    _, fr, _ = await get(node.client, "/?lang=fr")
    text = " ".join(visible_text(fr).split())
    assert "Le disque de ce nœud est plein" in text and re.search(rf"au moins {mb} Mo, et davantage s’il est plein depuis longtemps", text), text[:600]
