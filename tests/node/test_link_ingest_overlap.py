"""The same events coming on more than one link, or again on a link after a reconnect, while a
group of batches commits (node/net/link_ingest.py prepares the next batches meanwhile): each event
is stored once, the others told duplicates, and storing never fails (a bare-clone CI run saw
'UNIQUE constraint failed: events.a, events.seq' once with the batches prepared ahead; these are
the interleavings it was suspected of, forced with the database thread held, not with sleeps)."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from events.format import decode_event
from node.log import EventLog
from node.net.database import DbThread
from node.net.link_ingest import Batch, LinkIngest
from node.net.link_storage import LogAccess
from node.net.storage_health import StorageHealth
from node.outcome import Outcome
from node.verify_pool import MIN_PARALLEL
from node_fixtures import Net, action, wires

EVENTS = MIN_PARALLEL + 40  # (one batch big enough to go to the ingest workers)


async def unlimited(n: int) -> None:
    return None


class Held:
    """The database thread held busy (as by a long commit) until `release`."""

    def __init__(self, db: DbThread) -> None:
        self._entered, self._go = threading.Event(), threading.Event()
        self.task = asyncio.ensure_future(db.run(self._hold))

    def _hold(self) -> None:
        self._entered.set()
        self._go.wait(30)

    async def held(self) -> None:
        while not self._entered.is_set():
            await asyncio.sleep(0.01)

    def release(self) -> None:
        self._go.set()


def link(storage: LogAccess, name: str, told: dict[bytes, list[str]], failures: list[str]) -> LinkIngest:
    async def on_stored(batch: Batch, outcomes: list[Outcome]) -> bool:
        for wire, outcome in zip(batch.wires, outcomes):
            told.setdefault(decode_event(wire).id, []).append(outcome.status)
        return True

    async def on_failed(problem: str) -> None:
        failures.append(problem)

    return LinkIngest(name, storage, limit_events=unlimited, on_stored=on_stored, on_failed=on_failed,
                      release=lambda ids: None)


async def store_on_links(log: EventLog, tmp_path: Path, per_link: list[list[tuple[bytes, ...]]],
                         ) -> tuple[dict[bytes, list[str]], list[str]]:
    """Each link's batches put while the database thread is held (the first of each taken into a
    group, the next prepared ahead, the rest queued), then all stored; what each event was told,
    and the storage failures."""
    db = DbThread()
    storage = LogAccess(db, lambda: log, StorageHealth(tmp_path), lambda: False)
    told: dict[bytes, list[str]] = {}
    failures: list[str] = []
    try:
        async with asyncio.timeout(60):
            held = Held(db)
            await held.held()
            links = [link(storage, f"peer~{i}", told, failures) for i in range(len(per_link))]
            putting = [asyncio.ensure_future(_put_all(ingest, batches)) for ingest, batches in zip(links, per_link)]
            for _ in range(50):  # (the links' turns to take their first batches and prepare the next)
                await asyncio.sleep(0)
            held.release()
            await asyncio.gather(*putting)
            for ingest in links:
                await ingest.finish(stopping=False)
            await held.task
    finally:
        db.shutdown()
    return told, failures


async def _put_all(ingest: LinkIngest, batches: list[tuple[bytes, ...]]) -> None:
    for batch in batches:
        await ingest.put(Batch(batch, False))


def chain(net: Net, count: int) -> list[bytes]:
    return wires([net.device.sign("action", action(i)) for i in range(count)])


def assert_stored_once(log: EventLog, sent: list[bytes], told: dict[bytes, list[str]], failures: list[str]) -> None:
    assert failures == []
    stored = {bytes(ev_id) for ev_id, *_ in log.store.event_states()}
    for wire in sent:
        event_id = decode_event(wire).id
        assert event_id in stored
        # (one kept aside past a gap is told pending, and goes in with the batch that fills it)
        assert told[event_id].count("accepted") <= 1, told[event_id]
        assert set(told[event_id]) <= {"accepted", "duplicate", "pending"}, told[event_id]


async def test_the_same_batches_on_two_links_of_one_peer_are_stored_once(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    sent = chain(net, EVENTS)
    batches = [tuple(sent[i:i + 10]) for i in range(0, EVENTS, 10)]
    told, failures = await store_on_links(log, tmp_path, [batches, batches])
    assert_stored_once(log, sent, told, failures)


async def test_overlapping_batches_after_a_reconnect_are_stored_once(net: Net, tmp_path: Path) -> None:
    """A link cut mid-stream leaves batches to store (`finish`) while the next link streams from the
    heads read before they were stored: its batches overlap theirs, shifted, one big enough for the
    workers, and some events twice in one group."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    sent = chain(net, EVENTS)
    first = [tuple(sent[i:i + 7]) for i in range(0, 35, 7)]
    again = [tuple(sent[3:3 + MIN_PARALLEL])] + [tuple(sent[i:i + 9]) for i in range(20, EVENTS, 9)]
    told, failures = await store_on_links(log, tmp_path, [first, again, list(reversed(again))])
    assert_stored_once(log, sent, told, failures)


async def test_a_batch_with_a_gap_then_its_fill_on_another_link_are_stored_once(net: Net, tmp_path: Path) -> None:
    """Events past a gap wait aside (`pending`) and go in when the gap is filled, in the same group
    as the same events coming again on the other link."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    sent = chain(net, 60)
    told, failures = await store_on_links(log, tmp_path, [
        [tuple(sent[20:40]), tuple(sent[40:60]), tuple(sent[0:20])],
        [tuple(sent[10:30]), tuple(sent[30:60]), tuple(sent[0:60])],
    ])
    assert_stored_once(log, sent, told, failures)
