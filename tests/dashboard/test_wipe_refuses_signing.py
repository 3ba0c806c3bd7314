"""Once the dashboard's panic wipe has begun, the node signs nothing more: a publish (the API's, a
dashboard form's, the `solnet` command's through the local channel: each through WebNode.sign) is
refused in words that say why, and the wipe leaves no file naming the home's keys. A publish after
the wipe's database part made the marks of what the home signed anew (node/own_marks.py), with the
keys still in the node's memory."""
from __future__ import annotations

import pytest

from node import own_marks
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
