"""Once the dashboard's panic wipe has begun, the node signs nothing more: a publish (the API's, a
dashboard form's, the `solnet` command's through the local channel: each through WebNode.sign) is
refused in words that say why, and the wipe leaves no file naming the home's keys. A publish after
the wipe's database part made the marks of what the home signed anew (node/own_marks.py), with the
keys still in the node's memory."""
from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

import pytest

from node import own_marks
from node.home import LOGIN_LINKS
from node.http_failures import STORAGE_MESSAGES, storage_trouble
from node.ports import StorageFailed, WipeBegun
from page_text import csrf_of
from test_http import get, post

ACTION = {"title": "Cours 8", "region": "calais", "type": "class", "starts_at": "2031-07-01T10:00"}


async def test_a_node_whose_wipe_has_begun_signs_nothing(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node
    marks = own_marks.path_for(running.home.db_path)
    await running.publish("action", dict(ACTION))  # (the home has signed here: its marks file is there)
    assert marks.exists()
    _, form, _ = await get(node.client, "/admin/wipe")
    status, html, _ = await post(node.client, "/admin/wipe", {"confirm": "WIPE", "csrf": csrf_of(form)})
    assert status == 200, html
    assert not marks.exists()
    before = await running.db(running.log.store.count)

    with pytest.raises(StorageFailed) as refused:  # (the node stops in a moment: here, before it does)
        await running.publish("action", dict(ACTION))
    assert isinstance(refused.value.__cause__, WipeBegun)
    assert "panic wipe" in str(refused.value) and "nothing was published" in str(refused.value)
    assert storage_trouble(refused.value) == (503, "wipe_begun")  # as the API and the dashboard's forms answer
    assert "wipe" in STORAGE_MESSAGES["wipe_begun"]
    assert await running.db(running.log.store.count) == before, "nothing was stored"
    assert not marks.exists(), "the marks of what the home signed were made anew after the wipe"


async def test_the_wipe_leaves_the_marks_file_to_the_thread_that_writes_it(sample, start_node) -> None:
    """A publish under way on the database thread as the wipe begins holds the marks file open, its mark
    still to be written (own_marks._Early, on the marks' thread). The wipe's first part, off that thread,
    shredded the file then: the mark went into it after its overwrite, into blocks freed by its unlink.
    It is left to the database's part, which runs on that thread once the publish is done."""
    node = await start_node(sample.nodes[0])
    await node.log_in()
    running = node.node
    home = running.home
    marks = own_marks.path_for(home.db_path)
    await running.publish("action", dict(ACTION))
    _, form, _ = await get(node.client, "/admin/wipe")
    assert (home.path / LOGIN_LINKS).is_dir()
    release = threading.Event()

    class Held:  # a job ahead of the publish's on the marks' thread: its mark waits to be written
        def run(self) -> None:
            release.wait(60)

    own_marks._SYNCER.start(Held())
    try:
        publish = asyncio.ensure_future(running.publish("action", dict(ACTION)))
        await _until(lambda: _open(marks), "the publish opened the marks file")
        wipe = asyncio.ensure_future(post(node.client, "/admin/wipe", {"confirm": "WIPE", "csrf": csrf_of(form)}))
        # (the login links go last of the first part's files: the marks file was dealt with by then)
        await _until(lambda: not (home.path / LOGIN_LINKS).exists(), "the wipe's first part ended")
        assert marks.exists(), "the marks file was shredded while a publish was writing its mark"
    finally:
        release.set()
    await publish  # (under way before the wipe began: it is stored, and its mark written)
    status, html, _ = await wipe
    assert status == 200, html
    assert not marks.exists()


def _open(path: Path) -> bool:
    """Whether this process holds `path` open."""
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                return True
        except OSError:
            continue
    return False


async def _until(condition, what: str) -> None:
    """Wait until `condition()` holds, 30 s at most."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"not in time: {what}"
        await asyncio.sleep(0.01)
