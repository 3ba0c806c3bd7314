"""A publish form opened on an event ("All clear", "Cover this need") names that event beside its id
field, in the words its page is titled with, and the field is described by it (a screen reader says
it with the field): the form showed only the 64 hex characters of the id, so nobody, a screen
reader's user least, could tell which raid alert they were about to clear. A refused form names the
event its id field holds as typed (a short id too), and names nothing for an id of no event here."""
from __future__ import annotations

import html as html_lib
import re

from page_text import refused_form


def _input(page: str, name: str) -> str:
    found = re.search(rf'<input id="f-{name}"[^>]*>', page)
    assert found, page
    return found.group(0)


def _named(page: str, name: str) -> str | None:
    found = re.search(rf'<p class="hint named-ref" id="n-{name}">([^<]*)</p>', page)
    return html_lib.unescape(found.group(1)) if found else None


async def test_a_form_opened_on_an_event_names_it_beside_its_id(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    alert, need = sample.ids["alert"], sample.ids["need"]
    for lang, said in (("en", "That is: Alert: raid, calais, Zone 7, "),
                       ("fr", "C’est\u202f: Alerte\u202f: descente de police, calais, Zone 7, ")):
        async with node.client.get(f"/publish/alert.update?alert={alert}&status=all_clear&lang={lang}") as r:
            page = await r.text()
        assert (_named(page, "alert") or "").startswith(said), (lang, _named(page, "alert"))
        assert 'aria-describedby="h-alert n-alert"' in _input(page, "alert"), _input(page, "alert")

    async with node.client.get(f"/publish/need.fulfil?need={need}&lang=en") as r:
        page = await r.text()
    assert (_named(page, "need") or "").startswith("That is: Need: tents, calais, "), _named(page, "need")

    # refused (no quantity): the need typed as a short id is named, and the field's problem is said too
    page = await refused_form(node, "need.fulfil", {"need": need[:12] + "…", "quantity": ""})
    assert (_named(page, "need") or "").startswith("That is: Need: tents, calais"), _named(page, "need")
    assert 'aria-describedby="e-quantity"' in _input(page, "quantity"), _input(page, "quantity")
    # an id of no event on this node: nothing named, the refusal says why
    page = await refused_form(node, "need.fulfil", {"need": "ab" * 32, "quantity": "2"})
    assert _named(page, "need") is None and 'aria-describedby="h-need e-need"' in _input(page, "need"), \
        _input(page, "need")
