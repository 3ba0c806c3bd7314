"""A small SOCKS5 server for tests: CONNECT only, no authentication, on 127.0.0.1.

It stands in for Tor. Host names are never resolved: a name is reached only if the test mapped it
(`names`, e.g. calais.onion -> 127.0.0.1 and the port of a running node, dialled as
calais.onion:THAT_PORT); any other name, or another port, gets "host
unreachable", so a client that sends names (socks5h semantics) reaches exactly the mapped peers.
Every CONNECT request is recorded with its address type, so a test can tell whether the client
sent a name or an address it had resolved itself.

It runs its own event loop in a thread, so synchronous tests that drive `solnet` processes can
use it; `close()` (or leaving the `with` block) stops it and every relay, bounded in time.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
import struct
import threading
from dataclasses import dataclass

_VERSION, _NO_AUTH, _NO_ACCEPTABLE = 5, 0, 0xFF
_CONNECT = 1
_ATYP_IPV4, _ATYP_DOMAIN, _ATYP_IPV6 = 1, 3, 4
_OK, _GENERAL_FAILURE, _HOST_UNREACHABLE, _REFUSED, _COMMAND_NOT_SUPPORTED, _ATYP_NOT_SUPPORTED = 0, 1, 4, 5, 7, 8
_STEP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ConnectRequest:
    kind: str  # "domain", "ipv4" or "ipv6": how the client named the destination
    host: str
    port: int


class SocksServer:
    def __init__(self, names: dict[str, tuple[str, int]] | None = None) -> None:
        self.names = dict(names or {})
        self.requests: list[ConnectRequest] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._relays: set[asyncio.Task] = set()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="socks5-test-server", daemon=True)
        self._thread.start()
        self.port: int = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)

    def __enter__(self) -> SocksServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def address(self) -> str:
        return f"socks5://127.0.0.1:{self.port}"

    def seen(self) -> list[ConnectRequest]:
        with self._lock:
            return list(self.requests)

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            if not self._thread.is_alive():
                self._loop.close()

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._relays):
            task.cancel()
        await asyncio.gather(*self._relays, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._relays.add(task)
        upstream: asyncio.StreamWriter | None = None
        try:
            target = await asyncio.wait_for(self._negotiate(reader, writer), _STEP_TIMEOUT_S)
            if target is None:
                return
            try:
                up_reader, upstream = await asyncio.wait_for(asyncio.open_connection(*target), _STEP_TIMEOUT_S)
            except (OSError, asyncio.TimeoutError):
                await self._reply(writer, _REFUSED)
                return
            await self._reply(writer, _OK)
            await asyncio.gather(_pipe(reader, upstream), _pipe(up_reader, writer))
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            pass
        finally:
            for w in (writer, upstream):
                if w is not None:
                    w.close()
            self._relays.discard(task)

    async def _negotiate(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[str, int] | None:
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        if version != _VERSION or _NO_AUTH not in methods:
            writer.write(bytes([_VERSION, _NO_ACCEPTABLE]))
            await writer.drain()
            return None
        writer.write(bytes([_VERSION, _NO_AUTH]))
        await writer.drain()
        version, command, _, atyp = await reader.readexactly(4)
        if atyp == _ATYP_IPV4:
            kind, host = "ipv4", str(ipaddress.IPv4Address(await reader.readexactly(4)))
        elif atyp == _ATYP_IPV6:
            kind, host = "ipv6", str(ipaddress.IPv6Address(await reader.readexactly(16)))
        elif atyp == _ATYP_DOMAIN:
            length, = await reader.readexactly(1)
            kind, host = "domain", (await reader.readexactly(length)).decode("ascii", "replace")
        else:
            await self._reply(writer, _ATYP_NOT_SUPPORTED)
            return None
        port, = struct.unpack("!H", await reader.readexactly(2))
        with self._lock:
            self.requests.append(ConnectRequest(kind, host, port))
        if version != _VERSION or command != _CONNECT:
            await self._reply(writer, _COMMAND_NOT_SUPPORTED)
            return None
        if kind == "domain":
            target = self.names.get(host.lower())
            if target is None or target[1] != port:
                # Never resolved here: only mapped names exist (like an onion address only Tor knows).
                await self._reply(writer, _HOST_UNREACHABLE)
                return None
            return target
        if not ipaddress.ip_address(host).is_loopback:  # tests talk to 127.0.0.0/8 only
            await self._reply(writer, _GENERAL_FAILURE)
            return None
        return host, port

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, code: int) -> None:
        writer.write(bytes([_VERSION, code, 0, _ATYP_IPV4]) + socket.inet_aton("0.0.0.0") + b"\0\0")
        await writer.drain()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        if writer.can_write_eof():
            try:
                writer.write_eof()
            except OSError:
                pass
