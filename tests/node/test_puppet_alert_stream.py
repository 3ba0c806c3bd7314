"""An infiltrating member's made-up groups (any member admits a group with one vouch) flood alerts
at a raid alert's readers: an alert stream whose reader is slow (a bot behind Tor), and the
`--on-alert` hook and its limits. Both were fair per group only: a hundred made-up groups of one
alert each pushed the real group's waiting raid alert out of a stream's full queue, and the hook,
ordering groups nearer the founders first, let a dozen made-up groups one wave out go first, or
dropped the real alert of a group further out from its full wait. Counted by lineage
(events/trust.py `lineages`) now, whatever order the events came in. A real store, the real feed
and hook, a real command; the node around them is a small stand-in (db calls run at once)."""
from __future__ import annotations

import asyncio
import json
import random
import sys
from pathlib import Path
from typing import Any

from crypto.keys import SigningKey
from node.alert_feed import QUEUE, AlertFeed
from node.alert_hook import AlertHook, TrustRanks
from node.log import EventLog, now_ms
from node_fixtures import Author, Net, wires

HOUR_MS = 3_600_000


class Runtime:
    """What the feed and the hook ask of a running node, over a real log."""

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.stopping = False

    async def db(self, fn: Any, *args: Any) -> Any:
        return fn(*args)

    async def wait_for_change(self, since_n: int, timeout: float) -> int:
        for _ in range(max(1, int(timeout / 0.01))):  # (bounded: the feed looks again after it anyway)
            if (self.log.store.last_n() or 0) > since_n:
                break
            await asyncio.sleep(0.01)
        return self.log.store.last_n() or 0

    def storage_failed(self, exc: Exception) -> None:
        raise exc


def _group(admitter: Author, net: Net, name: str) -> tuple[Author, Author]:
    group = Author(SigningKey.generate(), net.genesis.network_id)
    admitter.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
    group.sign("group.profile", {"name": name, "region": "calais"})
    return group, net.device_of(group)


def _alert(device: Author, text: str) -> Any:
    return device.sign("alert", {"region": "calais", "type": "raid", "text": text}, expires=now_ms() + HOUR_MS)


def _orders(first: list, then: list) -> list[list]:
    """The events in several arrival orders: the real alert first, last, and shuffled in."""
    both = first + then
    return [first + then, then + first, random.Random(3).sample(both, len(both))]


async def _until(check: Any, timeout_s: float = 30.0) -> Any:
    async with asyncio.timeout(timeout_s):
        while not (found := check()):
            await asyncio.sleep(0.02)
    return found


async def test_a_slow_streams_full_queue_keeps_a_real_alert_among_a_hundred_made_up_groups(net: Net,
                                                                                          tmp_path: Path) -> None:
    brighton, brighton_phone = _group(net.group, net, "Brighton")
    real = _alert(brighton_phone, "raid at the bridge")
    mole, mole_phone = _group(net.group, net, "Dunkirk")
    puppets = [_group(mole_phone, net, f"Puppet {i}") for i in range(QUEUE + 20)]
    for _, phone in puppets:
        _alert(phone, "noise")
    base = wires(net.group.made + net.device.made)
    first = wires(brighton.made + brighton_phone.made)
    then = wires(mole.made + mole_phone.made + [e for g, p in puppets for e in g.made + p.made])
    for n, order in enumerate(_orders(first, then)):
        log = net.new_log(tmp_path / f"{n}.db")
        log.ingest(base)
        feed = AlertFeed(Runtime(log))
        await feed.start()
        slow = feed.subscribe()  # a reader that reads nothing while the flood comes
        try:
            for chunk in range(0, len(order), 50):
                log.ingest(order[chunk:chunk + 50])
            await _until(lambda: slow.dropped + slow.queue.qsize() == len(puppets) + 1)
            assert slow.dropped > 0, "the flood overfilled the queue"
            waiting = [a["id"] for a in slow.queue._queue]  # type: ignore[attr-defined]
            assert real.id.hex() in waiting, f"order {n}: the real raid alert was dropped for made-up groups' alerts"
        finally:
            await feed.stop()
            log.store.close()


async def test_the_hook_passes_a_real_alert_on_before_a_made_up_groups_flood_nearer_the_founders(
        net: Net, tmp_path: Path) -> None:
    """Dunkirk, admitted by the founders, admits 12 groups that post 10 alerts each (within each
    group's own burst); Brighton's admitter's admitter was admitted by the founders, so Brighton is
    one wave further out than the made-up groups. Past the node's limit, the made-up groups' alerts
    went first (nearer the founders), and Brighton's was dropped from the full wait."""
    bristol, bristol_phone = _group(net.group, net, "Bristol")
    cardiff, cardiff_phone = _group(bristol_phone, net, "Cardiff")
    brighton, brighton_phone = _group(cardiff_phone, net, "Brighton")
    real = _alert(brighton_phone, "raid at the bridge")
    mole, mole_phone = _group(net.group, net, "Dunkirk")
    puppets = [_group(mole_phone, net, f"Puppet {i}") for i in range(12)]
    for _, phone in puppets:
        for i in range(10):
            _alert(phone, f"noise {i}")
    base = wires(net.group.made + net.device.made + bristol.made + bristol_phone.made + cardiff.made
                 + cardiff_phone.made + mole.made + mole_phone.made + [e for g, p in puppets for e in g.made + p.made
                                                                      if e.kind != "alert"])
    first = wires(brighton.made + brighton_phone.made)
    then = wires([e for _, p in puppets for e in p.made if e.kind == "alert"])
    script = tmp_path / "chat.py"
    for n, order in enumerate(_orders(first, then)):
        out = tmp_path / f"chat{n}.jsonl"
        script.write_text(f"import sys\nopen({str(out)!r}, 'a').write(sys.stdin.read())\n", encoding="utf-8")
        log = net.new_log(tmp_path / f"hook{n}.db")
        log.ingest(base)
        runtime = Runtime(log)
        feed = AlertFeed(runtime)
        await feed.start()
        # a node of a group no one here admitted: every group above is of the same tier
        # the node's 20 runs a minute for such groups go at once, then one each 20 s (none, in this test)
        hook = AlertHook([sys.executable, str(script)], timeout_s=20, window_s=600,
                         ranks=TrustRanks(runtime, bytes(SigningKey.generate().public)))  # type: ignore[arg-type]
        await hook.start(feed)
        try:
            log.ingest(order)

            def settled() -> list[str] | None:  # every alert handed on and taken in (passed on, waiting or
                # dropped: the stand-in's db calls never wait, so the intake takes in all it is handed at once)
                chat = [json.loads(line)["id"] for line in out.read_text().splitlines()] if out.exists() else []
                done = feed.last_n == log.store.last_n() and not hook._sub.queue.qsize()  # type: ignore[union-attr]
                return chat if done and len(chat) >= 20 else None

            chat = await _until(settled)
            waiting = [h.alert["id"] for h in hook.waiting._items]
            # (two lineages wait: Brighton's alert goes first or second, whatever the waves)
            assert real.id.hex() in chat or real.id.hex() in waiting[:2], \
                f"order {n}: Brighton's raid alert waits behind the made-up groups' or was dropped"
        finally:
            await hook.stop()
            await feed.stop()
            log.store.close()
