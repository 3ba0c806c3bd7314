"""On the groups page each group's devices heading names its group for a screen reader (visually
hidden): every group's read "Devices (1)" alike in the list of headings. Both catalogs."""
from __future__ import annotations

import re


async def test_each_devices_heading_names_its_group(sample, start_node) -> None:
    calais, bristol = sample.nodes
    theirs = bristol.home.log()
    wires = list(theirs.store.iter_wire())
    theirs.store.close()
    node = await start_node(calais)
    await node.log_in()
    await node.node.db(node.node.log.ingest, wires)  # Bristol's profile and device: two groups listed
    for lang, said in (("en", "of {}"), ("fr", "du groupe {}")):
        async with node.client.get(f"/groups?lang={lang}") as r:
            html = await r.text()
        headings = [re.sub(r"<[^>]+>", "", h).split() for h in re.findall(r"<h3>(.*?)</h3>", html, re.S)]
        wanted = [said.format(name).split() for name in ("Calais", "Bristol")]
        assert len(headings) == 2 and all(any(h[-len(w):] == w for h in headings) for w in wanted), headings
        assert '<span class="visually-hidden">' in html
