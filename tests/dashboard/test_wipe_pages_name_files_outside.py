"""The dashboard's wipe pages, before and after, name what the node's commands wrote outside its
folder (invite tokens, bundles, sites), in the reader's language: out of the wipe's reach."""
from __future__ import annotations

from html import unescape

from page_text import csrf_of
from test_http import get, post

SAID = {"en": "The files it wrote outside its folder", "fr": "Les fichiers qu’il a écrits hors de son dossier"}


async def test_both_wipe_pages_name_the_files_written_outside_the_folder(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for lang, said in SAID.items():
        _, form, _ = await get(node.client, f"/admin/wipe?lang={lang}")
        assert said in unescape(form) and "invite --out" in unescape(form), lang
    status, wiped, _ = await post(node.client, "/admin/wipe?lang=fr", {"confirm": "EFFACER", "csrf": csrf_of(form)})
    assert status == 200, wiped[:300]
    report = unescape(wiped).split('<ul class="report">', 1)[1].split("</ul>", 1)[0]
    assert SAID["fr"] in report and "export-site" in report, report
