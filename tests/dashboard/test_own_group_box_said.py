"""The recipient pickers offered this node's own group as one box among the others, while "(and
yours)" always includes it: a screen reader's user heard a choice that seemed to leave their group
out and did nothing beside other boxes. Its box now says it is their group, which always reads it,
and that ticked alone it keeps the event within the group (which it does: the form is accepted)."""
from __future__ import annotations

import html as html_lib
import re

from node.dashboard.i18n import Translator
from page_text import csrf_of


def boxes(page: str) -> dict[str, str]:
    """The pickers' boxes: the group id each sends, and its label's text."""
    found = re.findall(r'<label class="check"><input type="checkbox" id="f-to-\d+" name="to" value="([0-9a-f]{64})"'
                       r'[^>]*>(.*?)</label>', page, re.S)
    return {value: html_lib.unescape(re.sub(r"<[^>]+>", "", label)).strip() for value, label in found}


async def test_the_own_groups_box_says_it_always_reads_and_ticked_alone_keeps_it_within(sample, start_node) -> None:
    node = await start_node(sample.nodes[1])  # Bristol: it holds Calais's devices from its invite
    await node.log_in()
    running = node.node
    own = await running.db(lambda: running.log.trust.group_of(bytes(running.keys.device.public)))
    for lang in ("en", "fr"):
        words = Translator(lang)("audience.yours")
        for kind in ("need", "support.request"):  # a picker of chosen groups, and of private recipients
            async with node.client.get(f"/publish/{kind}?lang={lang}") as r:
                said = boxes(await r.text())
            assert own.hex() in said and len(said) >= 2, said
            assert said[own.hex()].endswith(f"— {words}"), said[own.hex()]
            assert not [label for group, label in said.items() if group != own.hex() and words in label], said

    async with node.client.get("/publish/need") as r:
        token = csrf_of(await r.text())
    form = {"csrf": token, "category": "tents", "quantity": "5", "region": "bristol", "audience": "chosen",
            "to": own.hex()}
    async with node.client.post("/publish/need", data=form, allow_redirects=False) as r:
        assert r.status == 303, (await r.text())[:500]
