"""The connector that dials peers through a SOCKS5 proxy (Tor), for sync.peer_session.client_session.

aiohttp-socks (on python-socks) makes it: it is maintained alongside aiohttp's connector internals
(which a connector of our own would have to override, and keep up with), and its resolver never
resolves: the host name goes to the proxy as given. Its own module because it is loaded only by a
node that has a proxy set (35 modules, ~1 MiB of a Pi's resident memory otherwise, issue 15).
"""
from __future__ import annotations

import os
from typing import Any

import aiohttp_socks
import python_socks

from sync.proxy import ProxyAddress, ProxyFailure


class ProxyConnector(aiohttp_socks.ProxyConnector):
    """aiohttp-socks' connector with its errors turned into ProxyFailure, in words for people."""

    def __init__(self, proxy: ProxyAddress, **kwargs: Any) -> None:
        super().__init__(host=proxy.host, port=proxy.port, proxy_type=python_socks.ProxyType.SOCKS5,
                         rdns=True, **kwargs)
        self._proxy = proxy

    async def _wrap_create_connection(self, *args: Any, **kwargs: Any) -> Any:
        where = self._proxy.where
        try:
            return await super()._wrap_create_connection(*args, **kwargs)
        except aiohttp_socks.ProxyConnectionError as exc:
            raise ProxyFailure(f"cannot reach the proxy at {where} ({_cause(exc)}): is Tor running? Start it, or "
                               "correct --proxy / $SOLNET_PROXY / `solnet proxy`", "proxy_unreachable") from None
        except aiohttp_socks.ProxyTimeoutError:
            raise ProxyFailure(f"no connection through the proxy at {where} in time: the peer may be offline, "
                               "or Tor is still building circuits", "proxy_timeout") from None
        except aiohttp_socks.ProxyError as exc:
            raise ProxyFailure(f"the proxy at {where} could not reach the peer ({exc})", "proxy_refused") from None


def _cause(exc: BaseException) -> str:
    """The OS error behind a proxy connection failure, in words ("Connection refused")."""
    inner: BaseException | None = exc
    for _ in range(8):  # bounded walk down the cause chain
        if inner is None:
            break
        if isinstance(inner, OSError) and inner.errno:
            return os.strerror(inner.errno)
        inner = inner.__cause__ or inner.__context__
    return "connection failed"
