"""What the dashboard's HTTP tests read off a page (its CSRF token, the text a person sees) and the
fixed inputs they share. A plain module, not conftest: test files import it by a unique name."""
from __future__ import annotations

import re
from html.parser import HTMLParser

PASSPHRASE = "dashboard tests only: not a secret"
PRIVATE = "Amira, 15, sleeps at the station; call Jo on 07700 900456"
CSRF_RE = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


class VisibleText(HTMLParser):
    """The text a person sees or hears on a page: text nodes and the attributes shown or read out."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if (name in ("title", "aria-label", "placeholder", "alt") or name.startswith("data-label-")) and value:
                self.parts.append(value)

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


def desk_cell(html: str, region: str, label: str) -> str:
    """The visible text of the overview desk's cell `label` (its data-label) in the row of `region`."""
    row = re.search(rf'<tr data-key="region-{region}".*?</tr>', html, re.S)
    assert row, html
    cell = re.search(rf'<td data-label="{label}">.*?</td>', row.group(0), re.S)
    assert cell, row.group(0)
    return " ".join(visible_text(cell.group(0)).split())


async def refused_form(node, kind: str, fields: dict[str, str], lang: str = "en") -> str:
    """The page of the publish form of `kind` sent with `fields` (and its CSRF token) and refused (400)."""
    async with node.client.get(f"/publish/{kind}?lang={lang}") as r:
        token = csrf_of(await r.text())
    async with node.client.post(f"/publish/{kind}?lang={lang}", data={"csrf": token, **fields},
                                allow_redirects=False) as r:
        html = await r.text()
        assert r.status == 400, (r.status, html[:300])
    return html
