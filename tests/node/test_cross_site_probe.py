"""Another site's page cannot use its visitor's browser to find the node on the visitor's machine
through the node's pages and static files (a real node served on 127.0.0.1; the requests carry the
Fetch Metadata headers a browser sends for each kind of load).

Until this fix, `<script src="http://127.0.0.1:7700/static/app.js">` on any site loaded solnet's
script (its onload fired: checked with Chromium against a demo node), so the site learned that a
node ran on the visitor's machine. Now such a load is refused before any handler runs, with words
that name nothing, and every answer tells browsers not to hand it to another origin (CORP). Links
followed from another site, and clients that are no browser, are served as before.
"""
from __future__ import annotations

import aiohttp

from node.cross_site import REFUSED_TEXT
from served_nodes import calais, network  # noqa: F401  (the fixtures)

TIMEOUT = aiohttp.ClientTimeout(total=10)


def _browser(site: str, mode: str, dest: str) -> dict[str, str]:
    return {"Sec-Fetch-Site": site, "Sec-Fetch-Mode": mode, "Sec-Fetch-Dest": dest,
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0"}


async def _get(port: int, path: str, headers: dict[str, str]) -> tuple[int, str, aiohttp.typedefs.LooseHeaders]:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        async with session.get(f"http://127.0.0.1:{port}{path}", headers=headers, allow_redirects=False) as resp:
            return resp.status, await resp.text(), resp.headers


async def test_another_sites_page_cannot_load_the_nodes_script_style_or_pages(calais) -> None:  # noqa: F811
    _, served = calais
    probes = [("/static/app.js", "no-cors", "script"), ("/static/style.css", "no-cors", "style"),
              ("/login", "cors", "empty"), ("/healthz", "no-cors", "image"), ("/login", "navigate", "iframe"),
              ("/api/v1/openapi.json", "cors", "empty")]
    for site in ("cross-site", "same-site"):
        for path, mode, dest in probes:
            status, text, _ = await _get(served.port, path, _browser(site, mode, dest))
            assert (status, text) == (403, REFUSED_TEXT), (site, path, mode, dest, status, text[:80])
            assert "solnet" not in text.lower()


async def test_links_followed_from_elsewhere_and_other_clients_are_served_as_before(calais) -> None:  # noqa: F811
    _, served = calais
    # A link to the dashboard followed from a chat or a mail: the login page, as ever
    status, text, headers = await _get(served.port, "/login", _browser("cross-site", "navigate", "document"))
    assert status == 200 and "solnet" in text
    # The node's own page loading its script; a terminal's login link (none); curl, a feed reader, a node
    for headers_sent in (_browser("same-origin", "no-cors", "script"), _browser("none", "navigate", "document"), {}):
        status, text, headers = await _get(served.port, "/static/app.js", headers_sent)
        assert status == 200 and text, headers_sent
        # ... each answer for its own origin only, also in a browser that sends no Fetch Metadata
        assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
