"""How this node reaches its peers: directly or through a SOCKS5 proxy (Tor), with the client
session and the connect timeout that go with the route.

A proxy set in the home's config (`solnet proxy`, not --proxy or $SOLNET_PROXY) is followed while
the node runs: a change applies to every new connection at once, and the caller closes the links
the old route opened (they are dialled again by the new one), so a node set up for Tor stops
talking directly at once.
"""
from __future__ import annotations

import dataclasses
import logging

import aiohttp

from node.home import Home, HomeError
from node.net.database import DbThread
from sync.peers import PeerLimits
from sync.peer_session import client_session
from sync.proxy import ProxyAddress, ProxyFailure, parse_proxy

log = logging.getLogger(f"solnet.{__name__}")

# Through Tor, reaching an onion service often takes several seconds (circuits are built on
# demand); the direct default would give up before a healthy peer answers.
PROXY_CONNECT_TIMEOUT_S = 30.0


class Route:
    def __init__(self, proxy: ProxyAddress | None, limits: PeerLimits, *, follows_config: bool = False) -> None:
        self.follows_config = follows_config  # the proxy came from the home's config: follow its changes
        self._direct_limits = limits
        self.proxy = proxy  # every outbound connection goes through it; never a direct fallback
        self.limits = self._limits_for(proxy)
        self.http: aiohttp.ClientSession | None = None
        self._config_seen: tuple[int, int] | None = None  # config.json (inode, mtime) when last read

    def _limits_for(self, proxy: ProxyAddress | None) -> PeerLimits:
        slow = proxy is not None and self._direct_limits.connect_timeout_s < PROXY_CONNECT_TIMEOUT_S
        return dataclasses.replace(self._direct_limits, connect_timeout_s=PROXY_CONNECT_TIMEOUT_S) if slow \
            else self._direct_limits

    def open(self) -> None:
        self.http = client_session(self.proxy, self.limits.connect_timeout_s)

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()

    async def follow(self, home: Home, db: DbThread) -> aiohttp.ClientSession | None:
        """Take up a `solnet proxy URL|off` made while this node runs (config.json is read only
        when it changed). When the route changed: the old client session, to close once the
        links it opened are closed (its websockets would go down with it, unsaid); else None."""
        if not self.follows_config or self.http is None:
            return None
        try:
            info = home.config_path.stat()
            changed = (info.st_ino, info.st_mtime_ns)  # written whole and renamed into place: a new inode
        except OSError:  # (out of file descriptors, ...) the next look tries again
            return None
        if changed == self._config_seen:
            return None
        try:
            text = (await db.run(home.config)).proxy
        except HomeError:
            return None
        self._config_seen = changed
        try:
            proxy = parse_proxy(text) if text else None
        except ValueError as exc:
            log.warning("this node's proxy setting is not usable (%s); peer connections keep their route", exc)
            return None
        if proxy == self.proxy:
            return None
        # The new session first: if it cannot be made, the route is left whole (the old session and
        # the proxy it goes through, as `solnet status` says), not a proxy said over a direct session.
        limits = self._limits_for(proxy)
        try:
            http = client_session(proxy, limits.connect_timeout_s)
        except ProxyFailure as exc:
            log.warning("%s; peer connections keep their route", exc)
            return None
        self.proxy, self.limits = proxy, limits
        old, self.http = self.http, http
        if proxy is None:
            log.warning("peer connections are direct from now on (`solnet proxy off`)")
        else:
            log.warning("peer connections go through the proxy at %s from now on; never directly", proxy.where)
        return old
