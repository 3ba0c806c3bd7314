"""What a browser keeps on the laptop's disk holds nothing sealed: browsers keep every page's <title>
in their history (past a logout and a wipe of the node), so the page of an event for chosen groups,
or of one with private details, is titled without its title, region or type; and the publish forms'
fields say autocomplete="off", so no typed place or case detail lands in the browser's form history."""
from __future__ import annotations

import html as html_lib
import re
import time
from datetime import datetime, timezone

from chosen_groups import publish_for_bristol
from events.kinds import KINDS

TOMORROW = datetime.fromtimestamp(time.time() + 86400, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def _title(page: str) -> str:
    return html_lib.unescape(re.search(r"<title>([^<]*)</title>", page)[1])


def _publish_for_bristol(calais, bristol) -> list[bytes]:
    """On Calais's home: an action and a need (its region sealed with it) for Bristol only."""
    return publish_for_bristol(calais, bristol, [
        ("action", {"title": "Blockade 7", "region": "secretvillage", "type": "direct_action", "starts_at": TOMORROW}),
        ("need", {"category": "tents", "quantity": "5", "region": "secretvillage"})])


async def test_sealed_and_private_event_pages_have_titles_holding_nothing_sealed(sample, start_node) -> None:
    ids = _publish_for_bristol(*sample.nodes)
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for event_id in ids:
        for lang, said in (("en", "Event for chosen groups "), ("fr", "Événement pour des groupes choisis ")):
            async with node.client.get(f"/event/{event_id.hex()}?lang={lang}") as r:
                page = await r.text()
            assert "secretvillage" in page  # the page reads it (Calais is a reader)...
            title = _title(page)  # ...its title does not
            assert title.startswith(said + event_id.hex()[:12]), title
            assert not any(w in title for w in ("Blockade", "secretvillage", "tents", "Action", "Need")), title
    async with node.client.get(f"/event/{sample.ids['support']}?lang=en") as r:
        title = _title(await r.text())
    assert title.startswith("Support request with private details " + sample.ids["support"][:12]), title
    assert "calais" not in title and "minor" not in title, title


async def test_publish_forms_fields_are_kept_out_of_form_history(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    seen = set()
    for kind in KINDS:
        async with node.client.get(f"/publish/{kind}") as r:
            if r.status != 200:
                continue  # not a kind people publish from a form
            page = await r.text()
        form = page[page.index('<form method="post" action="/publish'):]
        form = form[:form.index("</form>")]
        assert 'autocomplete="off"' in re.search(r"<form[^>]*>", form)[0], kind
        for tag in re.findall(r"<(?:input|textarea)\b[^>]*>", form):
            if re.search(r'type="(?:hidden|radio|checkbox)"', tag):
                continue
            assert 'autocomplete="off"' in tag, (kind, tag)
            seen.add(re.search(r'name="([^"]*)"', tag)[1])
    assert {"title", "place", "private", "notes", "text", "region", "location"} <= seen, seen
