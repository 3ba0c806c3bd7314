"""The node's local channel at the socket level (node/net/admin_socket.py, node/admin_channel.py):
only this user gets an answer, the socket is private and goes with the node, a stale one is
replaced, long home paths work, and a node that stops mid-request is said in words."""
from __future__ import annotations

import asyncio
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from node.admin_channel import SUN_PATH_MAX, ChannelError, ask, ask_once_served, socket_path
from node.net.admin_socket import AdminSocket

NOBODY = 65534
SYSTEM_PYTHON = "/usr/bin/python3"  # readable by every user (the venv may not be)


class Recorder:
    """A serve function that answers what it was asked, and remembers it."""

    def __init__(self, hold: asyncio.Event | None = None) -> None:
        self.requests: list[dict] = []
        self.hold = hold

    async def __call__(self, request: dict, say, closing) -> dict:
        self.requests.append(request)
        if self.hold is not None:
            await self.hold.wait()
        return {"ok": {"id": "ab" * 32, "seq": 1, "echo": request}}


async def test_this_user_gets_an_answer_and_the_socket_is_private(tmp_path: Path):
    serve = Recorder()
    channel = AdminSocket(tmp_path, serve)
    await channel.start()
    try:
        mode = os.stat(socket_path(tmp_path)).st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
        answer = await asyncio.to_thread(ask, tmp_path, {"op": "publish", "kind": "alert"})
        assert answer == {"ok": {"id": "ab" * 32, "seq": 1, "echo": {"op": "publish", "kind": "alert"}}}
    finally:
        await channel.close()
    assert not socket_path(tmp_path).exists()
    assert await asyncio.to_thread(ask, tmp_path, {"op": "publish"}) is None  # no node: the command signs itself


async def test_a_stale_socket_is_replaced_and_a_dead_one_means_no_node(tmp_path: Path):
    dead = socket.socket(socket.AF_UNIX)
    dead.bind(str(socket_path(tmp_path)))  # what a node killed with -9 leaves behind
    dead.close()
    assert await asyncio.to_thread(ask, tmp_path, {"op": "publish"}) is None  # refused: not listening
    channel = AdminSocket(tmp_path, Recorder())
    await channel.start()
    try:
        assert "ok" in await asyncio.to_thread(ask, tmp_path, {"op": "publish"})
    finally:
        await channel.close()


async def test_a_home_with_a_long_path_works(tmp_path: Path):
    home = tmp_path / ("h" * 60) / ("o" * 60)
    home.mkdir(parents=True)
    assert len(str(socket_path(home))) > SUN_PATH_MAX
    channel = AdminSocket(home, Recorder())
    await channel.start()
    try:
        assert socket_path(home).exists()
        assert "ok" in await asyncio.to_thread(ask, home, {"op": "publish"})
    finally:
        await channel.close()
    assert not socket_path(home).exists()


@pytest.mark.skipif(os.getuid() != 0 or not os.path.exists(SYSTEM_PYTHON), reason="needs root to act as another user")
async def test_another_user_is_refused_even_if_the_modes_were_loosened(tmp_path: Path):
    """The kernel's peer credentials decide, not only the file modes: with the home and the socket
    opened to everyone (by mistake), another user's connection is closed unanswered."""
    serve = Recorder()
    channel = AdminSocket(tmp_path, serve)
    await channel.start()
    try:
        os.chmod(tmp_path, 0o755)
        os.chmod(socket_path(tmp_path), 0o666)
        folder = os.open(tmp_path, os.O_PATH | os.O_DIRECTORY)
        try:
            client = ("import socket, sys\n"
                      "s = socket.socket(socket.AF_UNIX)\n"
                      f"s.connect('/proc/self/fd/{folder}/node.sock')\n"
                      "s.settimeout(20)\n"
                      "try:\n"
                      "    s.sendall(b'{\"op\": \"publish\", \"kind\": \"alert\"}\\n')\n"
                      "    print(repr(s.recv(100)))\n"
                      "except (BrokenPipeError, ConnectionResetError):\n"  # closed before or after the request
                      "    print(repr(b''))\n")
            proc = await asyncio.to_thread(subprocess.run, [SYSTEM_PYTHON, "-I", "-c", client], user=NOBODY,
                                           pass_fds=(folder,), capture_output=True, text=True, timeout=30)
        finally:
            os.close(folder)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == "b''"  # closed without a word
        assert serve.requests == []
    finally:
        await channel.close()


async def test_a_node_that_stops_mid_request_is_said_in_words(tmp_path: Path):
    serve = Recorder(hold=asyncio.Event())  # never answers by itself
    channel = AdminSocket(tmp_path, serve, grace_s=0.2)
    await channel.start()
    asking = asyncio.ensure_future(asyncio.to_thread(ask, tmp_path, {"op": "publish"}))
    deadline = asyncio.get_running_loop().time() + 20
    while not serve.requests:
        assert asyncio.get_running_loop().time() < deadline, "the request never arrived"
        await asyncio.sleep(0.01)
    await channel.close()
    with pytest.raises(ChannelError, match="stopped before it answered: the event may or may not have been stored"):
        await asking


async def test_a_stopping_node_takes_nothing_and_the_command_signs_itself(tmp_path: Path):
    serve = Recorder()
    channel = AdminSocket(tmp_path, serve)
    await channel.start()
    try:
        channel.closing = True  # it is stopping: a request that reaches it now is turned back
        assert await asyncio.to_thread(ask, tmp_path, {"op": "publish"}) is None
        assert serve.requests == []
    finally:
        await channel.close()


async def test_nonsense_is_answered_as_such(tmp_path: Path):
    channel = AdminSocket(tmp_path, Recorder())
    await channel.start()
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(20)
            await asyncio.to_thread(s.connect, str(socket_path(tmp_path)))
            await asyncio.to_thread(s.sendall, b"[1, 2]\n")
            reply = await asyncio.to_thread(s.recv, 1000)
        assert b'"type": "usage"' in reply and b"not a JSON object" in reply
    finally:
        await channel.close()


@pytest.mark.skipif(os.getuid() != 0 or not os.path.exists(SYSTEM_PYTHON), reason="needs root to act as another user")
async def test_a_socket_another_user_put_in_a_writable_home_is_sent_nothing(tmp_path: Path):
    """A home others may write to (a shared group's folder, a restored backup): another user can put
    a socket of theirs at node.sock, while no node runs or after one started. A command must not
    hand it what it would publish (private details in plain text) nor believe its answer."""
    os.chmod(tmp_path, 0o777)
    folder = os.open(tmp_path, os.O_PATH | os.O_DIRECTORY)
    try:
        # Another user's listener at node.sock: it tells what it was sent, and answers "published".
        fake = "\n".join([
            "import socket", "s = socket.socket(socket.AF_UNIX)", f"s.bind('/proc/self/fd/{folder}/node.sock')",
            "s.listen(1)", "print('ready', flush=True)", "s.settimeout(20)", "try:",
            "    c, _ = s.accept()", "    c.settimeout(5)", "    got = c.recv(4096)",
            "    c.sendall(b'{\"ok\": {\"id\": \"' + b'00' * 32 + b'\", \"seq\": 1}}\\n')",
            "    print('got', repr(got), flush=True)", "except (TimeoutError, OSError):",
            "    print('got nothing', flush=True)", ""])
        proc = subprocess.Popen([SYSTEM_PYTHON, "-I", "-c", fake], user=NOBODY, pass_fds=(folder,),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert (await asyncio.to_thread(proc.stdout.readline)).strip() == "ready", proc.stderr.read()
            with pytest.raises(ChannelError) as refused:
                await asyncio.to_thread(ask, tmp_path, {"op": "publish", "kind": "support.request",
                                                        "private": "Amira, 14, phone 0612345678"})
            said = str(refused.value)
            assert "another user" in said and f"chmod 700 {tmp_path}" in said, said
            out, _ = await asyncio.to_thread(proc.communicate, timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
    finally:
        os.close(folder)
    assert "Amira" not in out and ("got b''" in out or "got nothing" in out), out


async def test_a_node_that_runs_before_its_channel_is_up_is_asked_again_once_it_is(tmp_path: Path):
    """Between taking the home's lock and serving its channel (opening its database) a node runs
    with no channel: a command asked once, found none, and signed by itself ("No node runs on this
    home"). It asks again until the channel answers; the channel opens here once it says it waits."""
    loop = asyncio.get_running_loop()
    channel = AdminSocket(tmp_path, Recorder())
    opened = []

    def starting(seconds: float) -> None:  # (in the command's thread) the node opens its channel now
        opened.append(asyncio.run_coroutine_threadsafe(channel.start(), loop))

    try:
        answer = await asyncio.to_thread(ask_once_served, tmp_path, {"op": "publish"}, lambda: "running",
                                         on_starting=starting, timeout_s=30)
        assert answer is not None and answer["ok"]["echo"] == {"op": "publish"} and len(opened) == 1
    finally:
        await channel.close()


async def test_a_node_still_starting_at_the_end_of_the_wait_is_said_and_one_without_channel_is_not(tmp_path: Path):
    with pytest.raises(ChannelError, match="did not begin to serve within 0 s .* nothing was signed"):
        await asyncio.to_thread(ask_once_served, tmp_path, {"op": "publish"}, lambda: "starting", timeout_s=0)
    # A node running whose channel is off (it could not make the socket): the command signs by itself
    assert await asyncio.to_thread(ask_once_served, tmp_path, {"op": "publish"}, lambda: "running", timeout_s=0) is None
    assert await asyncio.to_thread(ask_once_served, tmp_path, {"op": "publish"}, lambda: None) is None  # no node
