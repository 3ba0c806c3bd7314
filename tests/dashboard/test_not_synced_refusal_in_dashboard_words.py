"""The dashboard's refusal to publish before the node's first sync (node/chain_gate.py) told the
coordinator "`solnet status` shows its peers": a coordinator who uses only the browser has no shell on
the node's machine. It now says where on the dashboard to look (the overview's network health, which
shows whether a peer is connected), what to do (send again once one is) and who can do more (whoever
runs the node's machine); in each of the dashboard's languages."""
from __future__ import annotations

from page_text import csrf_of, visible_text
from test_offline_override_form import ALERT, held_node, send


async def test_the_not_synced_refusal_points_to_the_overview_not_to_a_shell_command(sample, start_node) -> None:
    node = await held_node(sample, start_node)
    for lang, health, send_again in (
            ("en", "“Network health” on the Overview shows whether a peer is connected: send again once one is",
             "whoever runs the node's machine"),
            ("fr", "« État du réseau », sur la Vue d’ensemble, montre si un pair est connecté : envoyez de nouveau "
                   "dès qu’il l’est", "la personne qui s’occupe de la machine du nœud")):
        async with node.client.get(f"/publish/alert?lang={lang}") as r:
            token = csrf_of(await r.text())
        status, html = await send(node, f"/publish/alert?lang={lang}", {"csrf": token, **ALERT})
        assert status == 400
        text = " ".join(visible_text(html).split())
        assert "solnet status" not in text, text
        assert health.replace("\u202f", " ") in text.replace("\u202f", " "), text
        assert send_again in text, text
