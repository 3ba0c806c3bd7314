"""The private details typed into a publish form (who a support request is for, a case note) are
never handed to a spell checker: a browser's cloud spell checking (Chrome's "Enhanced spell check",
Edge's Microsoft Editor) sends what is typed in a field to its vendor's servers as it is typed,
unless the field says spellcheck="false". A name, an age and a place would leave the laptop in the
clear before the form was even sent."""
from __future__ import annotations

import re

from events.kinds import KINDS
from node.dashboard import forms


async def test_the_private_details_field_is_not_spellchecked(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    seen = []
    # (a share's form has none: it seals the request's own details again, nothing is typed)
    for kind in (k.name for k in KINDS.values() if forms.has_private_part(k.name)):
        async with node.client.get(f"/publish/{kind}") as r:
            if r.status != 200:
                continue  # not a kind people publish from a form
            page = await r.text()
        tag = re.search(r'<textarea id="f-private"[^>]*>', page)
        assert tag is not None, kind
        assert 'spellcheck="false"' in tag[0], (kind, tag[0])
        seen.append(kind)
    assert "support.request" in seen and len(seen) >= 2, seen
