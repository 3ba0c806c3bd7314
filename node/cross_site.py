"""Requests another site's page makes the visitor's browser send to this node: refused before any work.

A web page may make its visitor's browser load a script, a style sheet or an image from any address,
127.0.0.1 and the LAN included, and tell from the element's onload whether it loaded: a page with
`<script src="http://127.0.0.1:7700/static/app.js">` learned that a solnet node ran on the visitor's
machine (7700 is the README's port; a script solnet's own app.js defines, or a style sheet's rules,
tell it from any other server), the visitor's IP address with it. A police-run site, or an ad on any
site, found who runs a node from a link in a chat, whatever route the node's own links take (the
browser goes direct). The sync port's websocket was closed to pages on 2026-12-06
(node/listener.py `from_browser`); its pages, feeds and static files answered any page until now.

Two guards, as the Fetch Metadata and CORP specifications intend:

- `refuse_cross_site` (middleware): a request whose browser says another site's page made it
  (`Sec-Fetch-Site: cross-site` or `same-site`: another port of this host is another origin, and
  a site there is no page of this node's) is answered 403, with nothing naming solnet, unless it
  is a top-level navigation (a link followed from a chat or a mail, `Sec-Fetch-Mode: navigate`
  with `Sec-Fetch-Dest: document`; a form sent from another site is still refused by the
  dashboard's own check). A request without these headers (a node's dial, curl, a feed reader, a
  calendar, a browser too old to send them) is served as before. The sync path keeps its own,
  stricter rule (any Origin: `from_browser`);
- `same_origin_only` (response hook): every answer says `Cross-Origin-Resource-Policy: same-origin`,
  so that a browser that sends no Fetch Metadata (Safari before 16.4) still refuses to hand it to
  another site's page, and a copy in a browser's cache is never handed to one either.

The refusal's onerror looks like a port with nothing behind it; a page can still tell that some HTTP
server answers at an address (an opaque fetch), which any server tells, and not that it is solnet.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

FROM_ANOTHER_SITE = frozenset({"cross-site", "same-site"})  # Sec-Fetch-Site values naming another origin's page
REFUSED_TEXT = "Forbidden\n"  # nothing that names the software: the page cannot read it, but a proxy log might

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def from_another_site(request: web.BaseRequest) -> bool:
    """Whether the browser says another site's page made this request, other than by a link the
    visitor followed to a page of this node (a top-level navigation, which the other page cannot read)."""
    if request.headers.get("Sec-Fetch-Site", "").strip().lower() not in FROM_ANOTHER_SITE:
        return False
    mode = request.headers.get("Sec-Fetch-Mode", "").strip().lower()
    dest = request.headers.get("Sec-Fetch-Dest", "").strip().lower()
    # An iframe is a navigation too, but never a legitimate one here (every page says frame-ancestors
    # 'none'), and its load event is what a probing page would watch. (Every browser that sends
    # Sec-Fetch-Site sends the mode and dest with it: one without them is no browser's load.)
    return not (mode in ("navigate", "") and dest in ("document", ""))


def refusing_cross_site(exempt: Callable[[str], bool]) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """The middleware (see the module docstring); `exempt(path)`: paths that keep a rule of their own."""

    @web.middleware
    async def refuse_cross_site(request: web.Request, handler: Handler) -> web.StreamResponse:
        if from_another_site(request) and not exempt(request.path):
            return web.Response(status=403, text=REFUSED_TEXT,
                                headers={"Cache-Control": "no-store", "Connection": "close"})
        return await handler(request)

    return refuse_cross_site


async def same_origin_only(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare hook: no other origin's page is handed this answer (see the module docstring)."""
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
