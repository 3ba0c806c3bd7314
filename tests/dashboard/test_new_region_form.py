"""The publish form refuses a region no group is based in and no event names (a typo: 'calis' for
calais), said at the region field with the close match, and offers a tick box, unticked, to publish
it as a new region on purpose (node/known_regions.py)."""
from __future__ import annotations

import re

from page_text import csrf_of

ALERT = {"type": "raid", "text": "Police at the camp", "expires_in": "6h"}


async def _post(node, fields: dict[str, str], lang: str = "en") -> tuple[int, str]:
    async with node.client.get(f"/publish/alert?lang={lang}") as r:
        token = csrf_of(await r.text())
    async with node.client.post(f"/publish/alert?lang={lang}", data={"csrf": token, **fields},
                                allow_redirects=False) as r:
        return r.status, await r.text()


async def test_a_mistyped_region_is_said_with_its_close_match_and_a_new_one_confirmed(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    status, html = await _post(node, {**ALERT, "region": "calis"})
    assert status == 400, html[:300]
    errors = dict(re.findall(r'<p class="field-error" id="e-([\w.]+)">([^<]*)</p>', html))
    assert "did you mean calais?" in errors.get("region", ""), errors
    tick = re.search(r'<input type="checkbox" id="f-new_region" name="new_region" value="yes"[^>]*>', html)
    assert tick is not None and "checked" not in tick.group(0), html[-2000:]
    status, html = await _post(node, {**ALERT, "region": "calis"}, lang="fr")
    assert "Vouliez-vous dire calais" in html, html[-2000:]

    status, _ = await _post(node, {**ALERT, "region": "dunkerque", "new_region": "yes"})
    assert status == 303, status
