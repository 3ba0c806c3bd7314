"""A group invited that has not joined yet (no device, no profile) was offered as a recipient, under
the same "(group without a profile)" as every other such group, and ticking it gave "These
recipients cannot receive private details". It is left out of the pickers, and a form that names
it all the same (a page open since before) is told which group and why, in the page's language."""
from __future__ import annotations

import html as html_lib
import re

from crypto.keys import SigningKey
from crypto.short_ids import short_id
from node.dashboard.i18n import Translator
from page_text import PASSPHRASE, csrf_of


async def test_a_group_not_joined_yet_is_not_offered_and_naming_it_says_why(sample, start_node) -> None:
    calais = sample.nodes[0]
    node = await start_node(calais)
    await node.log_in()
    running = node.node
    invited = bytes(SigningKey.generate().public)  # vouched for, as `solnet invite` does; never joined
    group_key = calais.home.keys(PASSPHRASE).group
    await running.db(lambda: running.log.append(group_key, "member.vouch", {"subject": invited, "role": "group"}))

    for kind in ("need", "support.request"):  # a picker of chosen groups, and of private recipients
        async with node.client.get(f"/publish/{kind}") as r:
            page = await r.text()
        offered = re.findall(r'name="to" value="([0-9a-f]{64})"', page)
        assert offered and invited.hex() not in offered, offered
        assert "(group without a profile)" not in page

    for lang in ("en", "fr"):
        async with node.client.get(f"/publish/need?lang={lang}") as r:
            token = csrf_of(await r.text())
        form = {"csrf": token, "category": "tents", "quantity": "5", "region": "calais", "audience": "chosen",
                "to": invited.hex()}
        async with node.client.post(f"/publish/need?lang={lang}", data=form, allow_redirects=False) as r:
            html = await r.text()
            assert r.status == 400, html[:300]
        said = dict(re.findall(r'<p class="field-error" id="e-([\w.]+)">([^<]*)</p>', html))
        expected = Translator(lang)("error.recipient_not_joined", group=f"group {short_id(invited)}")
        assert html_lib.unescape(said.get("to", "")) == expected, said
