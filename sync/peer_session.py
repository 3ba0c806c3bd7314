"""The HTTP client session that dials peers: direct, or through the SOCKS5 proxy sync.proxy parsed
(whose connector, sync.socks_connector, is loaded only by a node that has a proxy set: aiohttp-socks
is 35 modules, ~1 MiB of a Pi's resident memory, issue 15). It never follows a redirect."""
from __future__ import annotations

import aiohttp

from sync.proxy import ProxyAddress, ProxyFailure


def client_session(proxy: ProxyAddress | None, connect_timeout_s: float) -> aiohttp.ClientSession:
    """The HTTP client for peer connections: through `proxy` if one is set, else direct. It never
    follows a redirect (`_no_redirects`). ProxyFailure if the proxy's connector does not load."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout_s)
    connector = None  # aiohttp's own, direct
    if proxy is not None:
        try:  # (aiohttp-socks: 35 modules, 1 MiB, for a proxy only)
            from sync.socks_connector import ProxyConnector
        except ImportError as exc:  # an install missing it, or broken: no route through the proxy
            raise ProxyFailure(f"cannot go through the proxy at {proxy.where}: this installation's SOCKS support "
                               f"(aiohttp-socks) does not load ({exc}); reinstall solnet", "proxy_unsupported") from None
        connector = ProxyConnector(proxy)
    session = aiohttp.ClientSession(timeout=timeout, connector=connector, middlewares=(_no_redirects,))
    # One dial, one connection. aiohttp sends a GET (a websocket upgrade is one) again at once on a
    # new connection when the first was closed or reset before an answer: every dial of a service
    # that hangs up on it, of a node turning a flood away, or across a path that cuts it reached
    # the other side twice, and backoff counted one failure. (aiohttp's own test client turns this
    # off the same way; an aiohttp without it never retried.)
    if hasattr(session, "_retry_connection"):
        session._retry_connection = False
    return session


async def _no_redirects(request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType) -> aiohttp.ClientResponse:
    """Refuse a redirect instead of following it. A solnet node never sends one, and the address a
    node dials may come from any member's announcement: followed, a redirect would make every node
    that dials it send a request of that member's choosing to another host (a router's admin page
    on a Pi's home network). The dial fails with the status, as for anything else that is no node."""
    response = await handler(request)
    if 300 <= response.status < 400:
        response.release()
        raise aiohttp.ClientResponseError(response.request_info, response.history, status=response.status,
                                          message="a redirect, which this node does not follow")
    return response
