"""No field of a publish form is handed to a spell checker: a browser's cloud spell checking
(Chrome's "Enhanced spell check", Edge's Microsoft Editor) sends what is typed to its vendor as it
is typed. Only the private details said spellcheck="false": an action for chosen groups had its
title and place sent as they were typed, a need for chosen groups its notes. Every field says it,
whatever the audience, since the audience is chosen below the fields, after they are typed (the
form comes back with "chosen groups" after a refusal, and says it there too)."""
from __future__ import annotations

import re

from node.dashboard import forms, pages
from page_text import csrf_of

TYPED = re.compile(r'<textarea\b[^>]*>|<input\b(?![^>]*type="(?:hidden|checkbox|radio)")[^>]*>')


def _unchecked(html: str) -> list[str]:
    form = html.split('class="publish"', 1)[1].split("</form>", 1)[0]
    fields = TYPED.findall(form)
    assert fields, form[:300]
    return [tag for tag in fields if 'spellcheck="false"' not in tag]


async def test_every_typed_field_of_every_publish_form_says_spellcheck_false(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for kind in sorted(pages.PUBLISHABLE):
        async with node.client.get(f"/publish/{kind}") as r:
            assert r.status == 200, kind
            html = await r.text()
        assert _unchecked(html) == [], kind
        assert 'class="publish" autocomplete="off" spellcheck="false"' in html, kind  # the form too, for what it holds


async def test_a_form_for_chosen_groups_sent_back_says_it_on_every_field(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    kinds = sorted(k for k in pages.PUBLISHABLE if forms.takes_audience(k))
    assert {"action", "need"} <= set(kinds), kinds
    for kind in kinds:
        async with node.client.get(f"/publish/{kind}") as r:
            token = csrf_of(await r.text())
        typed = {i.name: "Rue des Garennes squat" for i in forms.inputs(kind) if i.widget in ("text", "textarea")}
        async with node.client.post(f"/publish/{kind}", data={"csrf": token, "audience": "chosen", **typed},
                                    allow_redirects=False) as r:
            html = await r.text()
            assert r.status == 400, (kind, r.status)  # no group ticked: the form comes back as typed
        assert 'value="chosen" checked' in html and "Rue des Garennes squat" in html, kind
        assert _unchecked(html) == [], kind
