"""The overview says when the node's disk is nearly full, before any write fails (`solnet status`
said it; the dashboard, where a coordinator without a shell looks, said nothing until the disk was
full and raid alerts were no longer stored). "Nearly full" is node/disk.py's LOW_BYTES, raised here
above any disk's free space rather than filling one."""
from __future__ import annotations

import shutil

from page_text import visible_text
from node import disk


async def test_the_overview_says_a_disk_nearly_full(sample, start_node, monkeypatch) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    if shutil.disk_usage(sample.nodes[0].home.path).free > disk.LOW_BYTES:  # (room to spare: no word of it)
        async with node.client.get("/") as r:
            assert 'id="disk-low"' not in await r.text()
    monkeypatch.setattr(disk, "LOW_BYTES", 1 << 62)
    for lang, said in (("en", "This node's disk is nearly full ("), ("fr", "Le disque de ce nœud est presque plein (")):
        async with node.client.get("/", headers={"Accept-Language": lang}) as r:
            page = await r.text()
        assert 'id="disk-low"' in page
        assert said in " ".join(visible_text(page).split())
