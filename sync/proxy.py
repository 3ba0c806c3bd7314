"""Outbound peer connections through a SOCKS5 proxy (Tor), and the one place that decides the route.

With a proxy set, every peer connection goes through it and the PROXY resolves peer host names
(socks5h semantics): a `.onion` address works, and no peer host name is ever looked up in local
DNS, where the lookup itself would tell the local network whom this node talks to. There is no
fallback: if the proxy cannot be reached the dial fails with a message that says so.

Without a proxy, `.onion` addresses are refused before any lookup (RFC 7686: they must never go
to DNS), with a message naming the setting to use.

The connector through the proxy is sync.socks_connector's, loaded only by a node that has one set.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import aiohttp

from solnet_errors import SolnetError

PROXY_FORM = "expected socks5://HOST:PORT, such as socks5://127.0.0.1:9050 for a local Tor"
_URL_RE = re.compile(r"(?i)(socks5h?)://(\[[0-9a-f:.]+\]|[^:/@\[\]]+):([0-9]{1,5})/?")


class ProxyFailure(SolnetError):
    """A peer could not be reached because of the route: the proxy is down or refused, or a Tor
    address was given with no proxy. The message says what to do; `reason` is a short code.
    (Not an OSError on purpose: aiohttp would rewrap it as ClientOSError and lose the message.)"""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ProxyAddress:
    host: str
    port: int

    def __str__(self) -> str:
        return f"socks5://{self.where}"

    @property
    def where(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_proxy(text: str) -> ProxyAddress:
    """`socks5://HOST:PORT` (or socks5h://, the same here: names are always resolved by the proxy)."""
    match = _URL_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        if isinstance(text, str) and "@" in text:
            raise ValueError(f"bad proxy: user names and passwords are not supported; {PROXY_FORM}")  # not echoed
        raise ValueError(f"bad proxy {text!r}: {PROXY_FORM}")
    port = int(match.group(3))
    if not 1 <= port <= 65535:
        raise ValueError(f"bad proxy {text!r}: port {port} is out of range 1..65535")
    return ProxyAddress(match.group(2).strip("[]"), port)


def is_onion(address: str) -> bool:
    """True for a Tor onion-service address (normalised `http://host:port`)."""
    host = address.split("://", 1)[-1].rsplit(":", 1)[0]
    return host.endswith(".onion")


def check_route(address: str, proxy: ProxyAddress | None) -> None:
    """Refuse, before any lookup, to dial a Tor address directly."""
    if proxy is None and is_onion(address):
        raise ProxyFailure("this is a Tor (.onion) address and no proxy is set: run Tor and give "
                           "--proxy socks5://127.0.0.1:9050 (or set it with `solnet proxy`)", "onion_needs_proxy")


def onions_unreachable(addresses: list[str]) -> str | None:
    """For peers kept to be dialled later (`solnet peers add`, an invite's peers) while no proxy is
    set: which of them are Tor addresses, and how to set the proxy a node needs to reach them;
    None if none is. Said when the address is given, not at the first failed dial of `solnet run`."""
    onions = [a for a in addresses if is_onion(a)]
    if not onions:
        return None
    which = (f"{onions[0]} is a Tor (.onion) address" if len(onions) == 1
             else f"{', '.join(onions)} are Tor (.onion) addresses")
    return (f"{which}: a node reaches it only through a Tor proxy, and none is set. Run Tor, then "
            "`solnet proxy socks5://127.0.0.1:9050` (or start the node with `solnet run --proxy "
            "socks5://127.0.0.1:9050`)")


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
