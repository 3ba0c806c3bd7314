"""A command handed to a running node that has not finished its first sync with a peer waits while
that sync stores events (node/first_sync_wait.py), not a fast machine's fixed 30 s: on the Pi
stand-in (1/8 of a core) a node restarted 40,000 events behind took 52 s for that round, and a raid
alert typed as it started was refused at 30 s while the round was storing what it waited for. A
sync that stores nothing still ends the wait as before (the refusal says what to do)."""
from __future__ import annotations

import asyncio
import time

import pytest

from node import chain_gate, first_sync_wait
from node.home import Home
from node.net import admin_requests
from peer_down import only_peer_down

FAST_DEADLINE_S = 1.0  # the wait with nothing stored (30 s in a node; short here)
ALERT = {"op": "publish", "kind": "alert", "expires_in": "6h",
         "texts": {"region": "calais", "type": "raid", "location": "Zone 7", "text": "CRS au camp"}}


@pytest.fixture
def homes(homes: dict[str, Home]) -> dict[str, Home]:
    """Calais with one configured peer, down: its node's first round is the test's to end."""
    only_peer_down(homes["calais"])
    return homes


@pytest.fixture(autouse=True)
def short_waits(monkeypatch) -> None:
    monkeypatch.setattr(chain_gate, "WAIT_FOR_NODE_S", FAST_DEADLINE_S)
    monkeypatch.setattr(first_sync_wait, "QUIET_S", FAST_DEADLINE_S)
    monkeypatch.setattr(first_sync_wait, "LOOK_S", 0.0)
    monkeypatch.setattr(first_sync_wait, "SAY_S", 0.0)


def bristol_events(home: Home, unlock, count: int) -> tuple[list[bytes], list[bytes]]:
    """Bristol's events (its device's certificate among them), then `count` needs its device signs
    after them (what Calais's first round brings)."""
    log, keys = home.log(), unlock(home)
    try:
        before = list(log.store.iter_wire())
        return before, [log.append(keys.device, "need", {"category": "tents", "quantity": i + 1, "region": "bristol"},
                                   offline=True).encode() for i in range(count)]
    finally:
        log.store.close()


async def next_word(said: asyncio.Queue, waiting: asyncio.Task) -> dict | None:
    """What the waiting request says next (None: it answered instead), within 10 s."""
    word = asyncio.ensure_future(said.get())
    done, _ = await asyncio.wait({word, waiting}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    assert done, "the waiting request neither said anything nor answered within 10 s"
    if word in done:
        return word.result()
    word.cancel()
    return None


async def test_a_publish_waits_while_the_first_sync_stores_events(api, homes, unlock) -> None:
    known, wires = bristol_events(homes["bristol"], unlock, 60)
    await api.node.db(api.node.log.ingest, known)  # (before the wait: Bristol's device is a member)
    said: asyncio.Queue = asyncio.Queue()
    waiting = asyncio.create_task(admin_requests.serve(api.node, ALERT, said.put, lambda: False))
    assert (await next_word(said, waiting)) == {"waiting": "first_sync", "seconds": FAST_DEADLINE_S}
    started, fed = time.monotonic(), 0
    # The round stores Bristol's events one by one, for twice the wait a sync storing nothing gets
    while time.monotonic() - started < 2 * FAST_DEADLINE_S and fed < len(wires):
        [outcome] = await api.node.db(api.node.log.ingest, [wires[fed]])
        assert outcome.status == "accepted", outcome
        fed += 1
        word = await next_word(said, waiting)
        if word is None:
            break  # it answered while events were still being stored
        assert word == {"waiting": "first_sync", "seconds": FAST_DEADLINE_S, "stored": fed}, word
    assert not waiting.done(), (f"refused after {time.monotonic() - started:.1f} s while the sync stored its "
                                f"{fed}th event: {waiting.result()}")
    assert time.monotonic() - started >= 2 * FAST_DEADLINE_S, "the test fed all its events too fast"
    await api.node._round_completed(True, b"\x01" * 32)  # the round ends
    answer = await asyncio.wait_for(waiting, timeout=10)
    assert "ok" in answer, answer
    stored = await api.node.db(api.node.log.store.event_row, bytes.fromhex(answer["ok"]["id"]))
    assert stored is not None


async def test_a_sync_that_stores_nothing_still_ends_the_wait(api) -> None:
    said: asyncio.Queue = asyncio.Queue()
    started = time.monotonic()
    answer = await asyncio.wait_for(admin_requests.serve(api.node, ALERT, said.put, lambda: False), timeout=10)
    assert answer["error"]["reason"] == chain_gate.NOT_CAUGHT_UP, answer
    assert "has not finished its first sync" in answer["error"]["message"], answer
    assert FAST_DEADLINE_S <= time.monotonic() - started < 5 * FAST_DEADLINE_S
    assert said.qsize() == 1  # only "waiting"
