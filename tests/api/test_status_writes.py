"""A running node writes its status (node/net/status_saver.py) when it changes, not every few
seconds: on an SD card an idle node writes little (DESIGN section 1)."""
from __future__ import annotations

import json
import random
import time

from node.log import now_ms
from node.store import StorageFull
from sync.peers import PeerBook


def saved_runtime(store) -> dict:
    return json.loads(store.get_meta("runtime"))


def past(ms: int) -> None:
    """Wait (bounded) until the clock is past `ms`, so that a rewrite would show a later time."""
    deadline = time.monotonic() + 5
    while now_ms() <= ms:
        assert time.monotonic() < deadline
        time.sleep(0.001)


async def test_unchanged_facts_are_not_written_again_and_a_change_is_written_at_once(api):
    node, store = api.node, api.node.log.store
    await node.db(lambda: node.saver.save(always=True))
    first = await node.db(saved_runtime, store)
    past(first["saved"])
    await node.db(node.saver.save)
    assert await node.db(saved_runtime, store) == first  # nothing changed: nothing written

    node.health.failed(StorageFull("the disk is full"))  # a fact changes
    await node.db(node.saver.save)
    changed = await node.db(saved_runtime, store)
    assert changed["storage_problem"] == "the disk is full" and changed["saved"] > first["saved"]

    past(changed["saved"])
    await node.db(lambda: node.saver.save(always=True))  # the node's last breath: when it was last seen
    assert (await node.db(saved_runtime, store))["saved"] > changed["saved"]


async def test_a_peer_that_stays_down_is_not_written_at_each_failed_dial(api):
    """A configured peer that is down is dialled every few seconds: its count of failures and its
    next try change each time, and wait for the minute; a new kind of error is written at once."""
    node, store = api.node, api.node.log.store
    book = PeerBook(random.Random(1))
    address = book.add("127.0.0.1:9").address

    def views_after(error: str) -> list[dict]:
        book.connect_failed(address, now_ms(), error, 5_000)
        return [{**peer.to_json(now_ms()), "label": "peer~test"} for peer in book.all()]

    await node.db(lambda: node.saver.save(views_after("connection refused")))
    first = await node.db(saved_runtime, store)
    for _ in range(3):
        past(now_ms())
        await node.db(node.saver.save, views_after("connection refused"))
    assert await node.db(saved_runtime, store) == first  # failures and next try alone: not written

    past(first["saved"])
    await node.db(node.saver.save, views_after("timed out"))
    assert (await node.db(saved_runtime, store))["saved"] > first["saved"]
