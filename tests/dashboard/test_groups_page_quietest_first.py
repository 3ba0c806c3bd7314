"""The Groups page listed the groups by name, where the desk lists a region's groups quietest first:
a group gone quiet (raided, its phone seized) was found only by reading every card's "last heard".
It lists them quietest first now, those that left or were revoked last, and says so."""
from __future__ import annotations

from page_text import PASSPHRASE, visible_text
from node.clock import now_ms
from node.dashboard import pages


async def test_the_groups_page_lists_the_quietest_group_first(sample, start_node) -> None:
    calais, bristol = sample.nodes
    bristol_group = bristol.home.config().group_id  # (what Calais knows of Bristol: its membership alone)
    log = calais.home.log()
    try:  # Bristol synced just now; Calais's newest event is older: Calais is the quieter
        found = pages.groups(log, peers=[{"device": bristol_group, "last_sync": now_ms() + 60_000}])
    finally:
        log.store.close()
    order = [g["id"].hex() for g in found]
    assert order == [calais.home.config().group_id, bristol_group], [(g["name"], g["last_heard"]) for g in found]
    node = await start_node(calais)
    await node.log_in()
    for lang, said in (("en", "Quietest first"), ("fr", "Les plus silencieux d’abord")):
        async with node.client.get(f"/groups?lang={lang}") as r:
            assert said in visible_text(await r.text())
