"""The server half of the node's local channel (node/admin_channel.py): a Unix socket in the home,
for this user's own commands only, open while the node runs.

Who may connect: the socket file is made 0600 before it listens (no one connects before listen),
in a home that is 0700; and each connection's peer credentials (SO_PEERCRED, filled in by the
kernel) must name this process's user, else it is closed unanswered. A stale socket file (a node
killed with -9) is replaced: the node holds the home's lock, so no other node serves it.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from node.admin_channel import MAX_LINE_BYTES, peer_uid, reachable, socket_path

log = logging.getLogger(f"solnet.{__name__}")

Say = Callable[[dict[str, Any]], Awaitable[None]]
Serve = Callable[[dict[str, Any], Say, Callable[[], bool]], Awaitable[dict[str, Any]]]
CLOSE_GRACE_S = 10.0  # a request being answered when the node stops gets this long to finish


class AdminSocket:
    def __init__(self, home: Path, serve: Serve, *, grace_s: float = CLOSE_GRACE_S) -> None:
        self.path = socket_path(home)
        self.grace_s = grace_s
        self._serve = serve
        self._server: asyncio.AbstractServer | None = None
        self._answering: set[asyncio.Task] = set()
        self.closing = False

    async def start(self) -> None:
        """Listen on the home's socket. An OSError (a read-only home, a full disk) is the caller's
        to judge: commands then unlock the keystore themselves, as without a running node."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
        try:
            with reachable(self.path) as address:
                try:
                    os.unlink(address)  # stale, from a node that was killed; the home's lock is ours
                except FileNotFoundError:
                    pass
                sock.bind(address)
                os.chmod(address, 0o600)  # before listen(): until then nobody can connect
            sock.listen(16)
            sock.setblocking(False)
            self._server = await asyncio.start_unix_server(self._connected, sock=sock, limit=MAX_LINE_BYTES + 1)
        except BaseException:
            sock.close()
            self._unlink()
            raise

    async def close(self) -> None:
        """Stop taking requests, let those being answered finish (bounded), remove the socket."""
        self.closing = True
        if self._server is not None:
            self._server.close()
            self._unlink()  # at once: a command starting now does the work itself
            if self._answering:
                await asyncio.wait(self._answering, timeout=self.grace_s)
            for task in self._answering:
                task.cancel()
            self._server = None

    def _unlink(self) -> None:
        try:
            with reachable(self.path) as address:
                os.unlink(address)
        except OSError:
            pass

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._answering.add(task)
        try:
            sock = writer.get_extra_info("socket")
            if sock is None or peer_uid(sock) != os.getuid():
                log.warning("refused a connection to the local channel from another user")
                return
            await self._answer(reader, writer)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass  # the command went away (Ctrl-C) or sent nonsense: nothing to answer
        finally:
            self._answering.discard(task)
            writer.close()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def say(message: dict[str, Any]) -> None:
            writer.write(json.dumps(message, ensure_ascii=False).encode("utf-8") + b"\n")
            await writer.drain()

        async with asyncio.timeout(10.0):  # (not asyncio.wait_for: on 3.11 it may drop the stop's cancellation)
            line = await reader.readline()
        if not line.endswith(b"\n"):
            return
        if self.closing:
            await say({"error": {"type": "stopping", "message": "the node is stopping"}})
            return
        try:
            request = json.loads(line)
        except ValueError:
            await say({"error": {"type": "usage", "message": "the request is not JSON", "exit_code": 2}})
            return
        if not isinstance(request, dict):
            await say({"error": {"type": "usage", "message": "the request is not a JSON object", "exit_code": 2}})
            return
        # A command that went away (Ctrl-C while it waited) has its request dropped: its user was told
        # it was interrupted, and would type it again.
        answer = await self._serve(request, say, lambda: self.closing or reader.at_eof())
        if reader.at_eof() and not self.closing and answer.get("error", {}).get("type") == "stopping":
            log.info("a command went away (interrupted) before the node did what it asked: nothing was done")
            return
        await say(answer)
