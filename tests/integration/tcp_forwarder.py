"""A plain TCP forwarder for tests: every connection to 127.0.0.1:`port` is relayed to one local
port, as a second route to the same node would be (a host name beside its IP, a NAT's public
address, an onion service). The SOCKS test server's thread and relays, without the SOCKS talk."""
from __future__ import annotations

import asyncio

from socks_server import SocksServer


class TcpForwarder(SocksServer):
    def __init__(self, target_port: int) -> None:
        self._target = ("127.0.0.1", target_port)
        super().__init__()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def _negotiate(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[str, int]:
        return self._target

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, code: int) -> None:
        """(nothing to answer: the bytes go straight through)"""
