"""The overview's "All clears (7 days)" and "What happened" read at most 100 rows each (pages.CANDIDATES)
and said nothing when that cut: an all clear behind 100 newer live alerts was dropped and the section
said "No all clear in the last 7 days". It says now that not all are shown, in the reader's language."""
from __future__ import annotations

from page_text import PASSPHRASE, visible_text
from node import publishing
from node.dashboard.pages import CANDIDATES


async def test_an_all_clear_behind_100_newer_alerts_is_said_to_be_cut(sample, start_node) -> None:
    log, keys = sample.nodes[0].home.log(), sample.nodes[0].home.keys(PASSPHRASE)
    try:
        cleared = publishing.publish(log, keys, "alert", {"region": "calais", "type": "raid", "text": "CRS at the bridge"},
                                     expires_in="6h")
        publishing.publish(log, keys, "alert.update", {"alert": cleared.id.hex(), "status": "all_clear",
                                                       "text": "gone"})
        for i in range(CANDIDATES):
            publishing.publish(log, keys, "alert", {"region": "calais", "type": "raid", "text": f"van {i}"},
                               expires_in="6h")
    finally:
        log.store.close()
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for lang, said, none in (("en", "Not all of them are shown here: a region's page", "No all clear"),
                             ("fr", "Elles ne sont pas toutes affichées ici : la page d’une région", "Aucune fin d’alerte")):
        async with node.client.get("/", headers={"Accept-Language": lang}) as r:
            page = " ".join(visible_text(await r.text()).split())
        history = page.split(" ".join(["All clears (7 days)" if lang == "en" else "Fins d’alerte (7 jours)"]))[1]
        assert said in history and none not in history, history[:600]
