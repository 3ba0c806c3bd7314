"""A publish form refused by the log (this node's device revoked, say, after a laptop holding a copy
was seized) told the coordinator "Check with `solnet status`": a coordinator who uses only the
browser has no shell on the node's machine. It now says where on the dashboard to look (the warnings
at the top of the Overview, which say what happened and what to do) and whom to ask if there are
none; in each of the dashboard's languages. What was typed is kept."""
from __future__ import annotations

from own_device_revoked import revoked_own_device
from page_text import csrf_of, visible_text

NEED = {"category": "tents", "quantity": "12", "region": "calais"}


async def test_a_publish_refused_by_the_log_points_to_the_overviews_warnings(sample, start_node) -> None:
    node = await revoked_own_device(sample, start_node, "laptop seized")
    for lang, said in (("en", "The warnings at the top of the Overview say what happened and what to do"),
                       ("fr", "Les avertissements en haut de la Vue d’ensemble disent ce qui s’est passé et que faire")):
        async with node.client.get(f"/publish/need?lang={lang}") as r:
            token = csrf_of(await r.text())
        async with node.client.post(f"/publish/need?lang={lang}", data={"csrf": token, **NEED},
                                    allow_redirects=False) as r:
            assert r.status == 400
            html = await r.text()
        text = " ".join(visible_text(html).split()).replace("\u202f", " ")
        assert said in text, text
        assert "Check with `solnet status`" not in text and "Vérifiez avec `solnet status`" not in text, text
        assert 'value="12"' in html
