"""A refused publish form marks every field that is wrong at once: a raid alert sent with neither
region nor text said only 'Region: Fill in this field.', and once the region was filled in, sent
back again for the text; an action with a date typed in part and its region left empty, the same
in two rounds. Each field's own words, in the page's language, and the summary links to each."""
from __future__ import annotations

import re

from page_text import csrf_of


async def _errors(node, kind: str, fields: dict[str, str], lang: str = "en") -> dict[str, str]:
    async with node.client.get(f"/publish/{kind}?lang={lang}") as r:
        token = csrf_of(await r.text())
    async with node.client.post(f"/publish/{kind}?lang={lang}", data={"csrf": token, **fields},
                                allow_redirects=False) as r:
        html = await r.text()
        assert r.status == 400, (r.status, html[:300])
    return dict(re.findall(r'<p class="field-error" id="e-([\w.]+)">([^<]*)</p>', html))


async def test_every_wrong_field_of_a_refused_form_is_marked_at_once(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    errors = await _errors(node, "alert", {"type": "raid", "expires_in": "6h"})
    assert set(errors) == {"region", "text"}, errors
    assert all(e.startswith("Fill in this field") for e in errors.values()), errors

    errors = await _errors(node, "action", {"title": "Rassemblement", "type": "protest", "starts_at": "2031-06-0"},
                           lang="fr")
    assert set(errors) == {"starts_at", "region"}, errors
    assert errors["starts_at"].startswith("Donnez une date et une heure"), errors
    assert errors["region"].startswith("Remplissez ce champ"), errors
