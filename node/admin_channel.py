"""The local channel to the node running on a home: how `solnet publish` (and `redact`) hand their
event to the node, which holds the unlocked keys, instead of unlocking the keystore again.

The channel is a Unix socket, `node.sock` in the home: the running node creates it mode 0600 (the
home is 0700) and accepts a connection only from a process of its own user (SO_PEERCRED), so only
the home's owner (and root) can use it. It exists while the node runs; a copy of the home holds
at most a dead socket file. The other way round, a command talks only to a socket held by its own
user (or root): in a home others may write to, another user could put a socket of theirs there and
be handed what a command publishes, private details included. See docs/design.md, "The node's local
admin", for why not the HTTP API.

The protocol: one request, a line of JSON ({"op": "publish", ...}); the node answers with lines
of JSON: zero or more {"waiting": "first_sync", "seconds": 30} (for its first sync with a peer; again with
"stored": N while that sync stores events), then one
{"ok": {...}} or {"error": {...}}, and closes. This module is the client half and the protocol's
constants; it uses the standard library only, so a command that uses it starts fast (the server
half is node/net/admin_socket.py).
"""
from __future__ import annotations

import errno
import json
import os
import socket
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from solnet_errors import EXIT_REFUSED, SolnetError

SOCKET_NAME = "node.sock"
MAX_LINE_BYTES = 1024 * 1024  # a request or an answer: an event's fields are at most 64 KiB
ANSWER_TIMEOUT_S = 60.0  # between lines: a node waiting for its first sync says so every 20 s (node/first_sync_wait.py)
SUN_PATH_MAX = 100  # sockaddr_un holds 108 bytes; longer paths are reached through the folder's fd
NOT_LISTENING = (errno.ENOENT, errno.ECONNREFUSED, errno.ENOTSOCK, errno.ENOTDIR)
PEERCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid
# A node just started serves its channel once it has unlocked its keys and opened its database:
# seconds on a Pi. A command waits that long for it rather than sign by itself beside it.
SERVING_WAIT_S = 60.0
SERVING_POLL_S = 0.1


def peer_uid(sock: socket.socket) -> int:
    """The user of the process at the other end of a connected Unix socket (the kernel's word)."""
    _, uid, _ = PEERCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, PEERCRED.size))
    return uid


class ChannelError(SolnetError):
    """The running node took the request and could not finish it (it stopped, or failed); or it
    refused it with an error of its own (`exit_code` as the node said)."""

    reason = "node_channel"

    def __init__(self, message: str, exit_code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def socket_path(home: Path) -> Path:
    return Path(home) / SOCKET_NAME


@contextmanager
def reachable(path: Path) -> Iterator[str]:
    """An address for the socket at `path` that fits a sockaddr_un: the path itself, or for a long
    one, the same file reached through an open descriptor of its folder (/proc/self/fd/N/...)."""
    text = os.fspath(path)
    if len(os.fsencode(text)) <= SUN_PATH_MAX:
        yield text
        return
    folder = os.open(path.parent, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        yield f"/proc/self/fd/{folder}/{path.name}"
    finally:
        os.close(folder)


def ask(home: Path, request: dict[str, Any], on_wait: Callable[[dict[str, Any]], None] | None = None,
        timeout_s: float = ANSWER_TIMEOUT_S) -> dict[str, Any] | None:
    """Send `request` to the node running on `home`; its answer ({"ok": ...} or {"error": ...}),
    or None when no node listens there (none runs, or one too old to have the channel, or it is
    stopping and took nothing): the caller then does the work itself, as before the channel.
    ChannelError once the node has the request but the answer never comes."""
    path = socket_path(home)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        sock.settimeout(timeout_s)
        try:
            with reachable(path) as address:
                sock.connect(address)
        except OSError as exc:
            if exc.errno in NOT_LISTENING or isinstance(exc, (FileNotFoundError, ConnectionRefusedError)):
                return None
            raise ChannelError(f"cannot reach the node running on {home} through {path}: {exc.strerror}; "
                               "stop it and run the command again") from None
        if (owner := peer_uid(sock)) not in (os.getuid(), 0):
            raise ChannelError(f"{path} is held by a program of another user (uid {owner}), not by a node of yours: "
                               f"nothing was sent to it. Others can write to {home}; make it yours alone (`chmod 700 "
                               f"{home}`), stop your node if it runs, and run the command again.")
        try:
            sock.sendall(json.dumps(request, ensure_ascii=False).encode("utf-8") + b"\n")
            return _answer(sock.makefile("rb"), on_wait)
        except TimeoutError:
            raise ChannelError(f"the node running on {home} did not answer within {timeout_s:.0f} s; its log may say "
                               "why. `solnet ls --limit 5` shows whether the event was stored.") from None
        except (ConnectionError, BrokenPipeError) as exc:
            raise _stopped(home) from exc
    finally:
        sock.close()


def ask_once_served(home: Path, request: dict[str, Any], node_state: Callable[[], str | None], *,
                    on_wait: Callable[[dict[str, Any]], None] | None = None,
                    on_starting: Callable[[float], None] | None = None,
                    timeout_s: float = SERVING_WAIT_S) -> dict[str, Any] | None:
    """As `ask`, for a node that may have just started on `home`: while `node_state()` says
    "starting" (a `solnet run` not serving yet: unlocking its keys, or at its passphrase prompt) or
    "running" (it holds the home's lock, its channel not up yet, or going as it stops), ask again
    until it answers, at most `timeout_s` (`on_starting(timeout_s)` once, when it waits). None when
    no node is there (the caller signs by itself), or when one runs whose channel never opened (its
    log says why); ChannelError when one is still starting at the end, having taken nothing."""
    deadline = time.monotonic() + timeout_s
    waited = False
    while True:
        answer = ask(home, request, on_wait)
        if answer is not None:
            return answer
        state = node_state()
        if state is None:
            return None
        if time.monotonic() >= deadline:
            if state == "running":  # its channel is off: the command signs by itself, as the node's log says
                return None
            raise ChannelError(f"the node starting on {home} did not begin to serve within {timeout_s:.0f} s (is it "
                               "waiting for its passphrase in its terminal?): nothing was signed. Run the command "
                               "again once `solnet status` says the node runs.")
        if not waited and on_starting is not None:
            on_starting(timeout_s)
        waited = True
        time.sleep(SERVING_POLL_S)


def admin_token(home: Path) -> str | None:
    """The HTTP API's admin token as the node running on `home` tells it (it holds the unlocked key
    the token is made from: node/home.py); None when no node listens there. ChannelError for an
    answer that is not a token."""
    answer = ask(home, {"op": "admin_token"})
    if answer is None:
        return None
    token = (answer.get("ok") or {}).get("token")
    if isinstance(token, str):
        return token
    error = answer.get("error")
    raise ChannelError(error["message"] if isinstance(error, dict) and isinstance(error.get("message"), str)
                       else "the node running on this home gave an answer this command does not understand; is it "
                            "of another solnet version? Restart it.")


def end_sessions(home: Path) -> int | None:
    """Have the node running on `home` end every dashboard session and read its API token again (a
    new salt: a new token); how many sessions were open, or None when no node listens there (none
    runs: sessions end with the process). ChannelError for a node that cannot do it (an older one)."""
    answer = ask(home, {"op": "end_sessions"})
    if answer is None:
        return None
    ended = (answer.get("ok") or {}).get("sessions")
    if isinstance(ended, int):
        return ended
    raise ChannelError(f"the node running on {home} could not end its dashboard sessions (a node of an older solnet "
                       "version?): restart it to end them.")


def _answer(stream: Any, on_wait: Callable[[dict[str, Any]], None] | None) -> dict[str, Any] | None:
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line.endswith(b"\n"):  # closed before its answer (or a line too long: not our node)
            raise _stopped(None)
        try:
            message = json.loads(line)
        except ValueError:
            raise ChannelError("the node's channel answered something that is not JSON; is another program "
                               f"listening on {SOCKET_NAME}?") from None
        if not isinstance(message, dict):
            raise ChannelError(f"the node's channel answered {line[:60]!r}, which is not an answer")
        if "waiting" in message:
            if on_wait is not None:
                on_wait(message)
            continue
        error = message.get("error")
        if isinstance(error, dict) and error.get("type") == "stopping":
            return None  # it took nothing: the caller does the work itself
        return message


def _stopped(home: Path | None) -> ChannelError:
    where = f" on {home}" if home is not None else " on this home"
    return ChannelError(f"the node running{where} stopped before it answered: the event may or may not have been "
                        "stored. `solnet ls --limit 5` shows whether it was; publish again if it was not.")
