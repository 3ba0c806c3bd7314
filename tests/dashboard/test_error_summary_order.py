"""A refused form's error summary lists its problems in the form's order: the problem the log met
first was listed at the top wherever its field was (an action's start, below its region, said above
it), and a screen reader user went through the form twice to mend it."""
from __future__ import annotations

import re

from page_text import csrf_of


async def _refused(node, kind: str, fields: dict[str, str]) -> str:
    async with node.client.get(f"/publish/{kind}") as r:
        token = csrf_of(await r.text())
    async with node.client.post(f"/publish/{kind}", data={"csrf": token, **fields}, allow_redirects=False) as r:
        assert r.status == 400, r.status
        return await r.text()


def _summary_and_form_order(html: str) -> tuple[list[str], list[str]]:
    summary, form = html.split('id="error-summary"', 1)[1].split("</div>", 1)
    listed = re.findall(r'<a href="#f-([\w.-]+)">', summary)
    shown = [name for name in dict.fromkeys(re.findall(r' id="f-([\w.]+)"', form)) if name in listed]
    return listed, shown


async def test_the_error_summary_follows_the_form_order(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for kind, fields in (("action", {"title": "March", "type": "protest", "starts_at": "2031-06-0"}),
                         ("support.offer", {"region": "calais", "type": "housing", "capacity": "three",
                                            "starts_at": "2031-06-02T10:00", "until": "2031-06-01T10:00"}),
                         ("need", {"category": "tents", "quantity": "many"})):
        listed, shown = _summary_and_form_order(await _refused(node, kind, fields))
        assert len(listed) >= 2 and listed == shown, (kind, listed, shown)
