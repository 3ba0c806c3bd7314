"""Group commit of a running node's own publishes (node/net/group_commit.py): publishes that arrive
while one is being written share the next transaction; each is stored once, in the order they
arrived (its author's chain follows it), and each refusal is its own, rolled back alone."""
from __future__ import annotations

import asyncio
import re
import threading
import time

import pytest

from events.canonical import unpack
from events.format import decode_event
from node.net.group_commit import FAIR_GROUP

WAIT_S = 20.0


async def until(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


class HeldDatabase:
    """Hold the node's database thread (a long write, as a big ingest batch would) until released."""

    def __init__(self, node) -> None:
        self.node, self.go = node, threading.Event()
        self.task: asyncio.Task | None = None

    async def __aenter__(self) -> HeldDatabase:
        started = threading.Event()

        def hold() -> None:
            started.set()
            assert self.go.wait(WAIT_S), "the test never released the database thread"

        self.task = asyncio.ensure_future(self.node.db(hold))
        await until(started.is_set, "the database thread to be held")
        return self

    async def __aexit__(self, *exc) -> None:
        self.go.set()
        await self.task


def own_chain(node) -> list:
    """This device's events as stored, by seq."""
    return [decode_event(wire) for _, wire in node.log.store.events_of(bytes(node.keys.device.public))]


async def test_publishes_that_arrive_together_share_one_transaction_in_arrival_order(api):
    node = api.node
    before = node.commits.transactions
    def need(i: int) -> asyncio.Task:
        return asyncio.create_task(node.publish("need", {"category": "water", "region": "calais",
                                                         "quantity": str(i)}))

    async with HeldDatabase(node):
        tasks = [need(1)]  # a group of its own, waiting for the held thread
        await until(lambda: node.commits.writing == 1, "the first publish to be written")
        # they arrive while it is written: the next group (of FAIR_GROUP at most, as the thread was
        # held by other work: tests/api/test_publish_flood_shares_the_database.py)
        tasks += [need(i) for i in range(2, 2 + FAIR_GROUP)]
        await until(lambda: node.commits.waiting == FAIR_GROUP, "publishes waiting for the next group")
    events = await asyncio.gather(*tasks)
    assert node.commits.transactions - before == 2
    chain = await node.db(own_chain, node)
    assert [e.id for e in chain[-len(events):]] == [e.id for e in events]  # stored once each, in arrival order
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + 1 + FAIR_GROUP))
    for earlier, later in zip(chain, chain[1:]):
        assert later.header.prev == earlier.id and later.seq == earlier.seq + 1


async def test_concurrent_api_publishes_keep_their_own_errors(api):
    """16 requests at once through the API: the good ones are stored once each, in one unbroken
    chain; a missing field and a refusal by the log (a device revoking itself from a seq it already
    signed, refused inside its savepoint) each get their own answer, and leave nothing behind."""
    node = api.node
    count_before = await node.db(node.log.store.count)
    before = node.commits.transactions
    good = {"kind": "need", "fields": {"category": "water", "region": "calais", "quantity": "1"}}
    bad_field = {"kind": "need", "fields": {"category": "water", "quantity": "3"}}  # no region: refused by node.publishing
    device = bytes(node.keys.device.public).hex()  # revoking itself from a seq it has already signed: refused
    self_revoke = {"kind": "member.revoke", "fields": {"subject": device, "from_seq": "1"}, "as": "device"}
    bodies = []
    for i in range(16):
        body = [good, bad_field, good, self_revoke][i % 4]
        bodies.append({**body, "fields": {**body["fields"], **({"quantity": str(i + 1)} if body is good else {})}})
    async with HeldDatabase(node):  # they all arrive while a write is under way
        requests = [asyncio.create_task(api.request("POST", "/api/v1/events", json=b)) for b in bodies]
        await until(lambda: node.commits.writing + node.commits.waiting == 16, "every publish to reach the node")
    answers = await asyncio.gather(*requests)
    assert node.commits.transactions - before <= 2  # the first to arrive, then all the others
    for body, (status, answer) in zip(bodies, answers):
        if body["kind"] == "member.revoke":
            assert status == 422 and answer["error"]["code"] == "not_allowed", answer
            assert "a key revoking itself does so from a seq after the revocation" in answer["error"]["message"]
        elif "region" not in body["fields"]:
            assert status == 422 and answer["error"]["field"] == "region", answer
        else:
            assert status == 201, answer
    stored = [a["event"] for s, a in answers if s == 201]
    assert len(stored) == 8 and len({e["id"] for e in stored}) == 8
    for event in stored:  # each answer is its own event as stored, the refused parts' numbers given again or not
        assert await api.get(f"/api/v1/events/{event['id']}") == event
    assert await node.db(node.log.store.count) == count_before + 8
    chain = await node.db(own_chain, node)
    assert {e.id.hex() for e in chain[-8:]} == {e["id"] for e in stored}
    for earlier, later in zip(chain, chain[1:]):
        assert later.header.prev == earlier.id and later.seq == earlier.seq + 1
    # The node goes on publishing normally after the refusals.
    assert (await api.publish("alert", region="calais", type="raid", text="vans at the bridge"))["seq"] == \
        chain[-1].seq + 1


async def test_a_disk_that_fills_up_under_a_group_fails_each_publish_in_words_and_stores_nothing(api):
    node, store = api.node, api.node.log.store
    count = await node.db(store.count)
    await node.db(lambda: store.limit_pages(store.size_pages()))  # not one page more: the disk is full
    # Each event larger than a page: none fits in the room left in the pages the file has.
    body = {"title": "Cours", "region": "calais", "type": "class", "starts_at": "2031-03-01 18:00",
            "description": "x" * 4000}
    async with HeldDatabase(node):
        tasks = [asyncio.create_task(api.request("POST", "/api/v1/events", json={"kind": "action", "fields": body}))
                 for _ in range(8)]
        await until(lambda: node.commits.writing + node.commits.waiting == 8, "every publish to reach the node")
    for status, reply in await asyncio.gather(*tasks):
        assert status == 507 and reply["error"]["code"] == "storage_full", reply
        assert "disk is full" in reply["error"]["message"]
    assert await node.db(store.count) == count
    await node.db(store.limit_pages, None)  # space freed: the next group goes in whole
    answers = await asyncio.gather(*(api.request("POST", "/api/v1/events", json={"kind": "action", "fields": body})
                                     for _ in range(4)))
    assert [status for status, _ in answers] == [201] * 4
    assert await node.db(store.count) == count + 4


async def test_a_read_after_the_commit_that_fails_loses_neither_its_event_nor_its_neighbours(api):
    """The API reads its answer right after the group's commit (Node.publish_and_read). A read that
    fails fails its own request only: its event is stored and gossiped, the publishes that shared its
    transaction get their own reads, and the node goes on publishing."""
    node = api.node
    count_before = await node.db(node.log.store.count)
    before = node.commits.transactions

    def read(e):
        if unpack(e.body)["quantity"] == 2:
            raise LookupError("this read fails")
        return node.log.store.event_n(e.id)

    async def need(i: int):
        return await node.publish_and_read(read, "need", {"category": "water", "region": "calais",
                                                          "quantity": str(i)})

    async with HeldDatabase(node):
        tasks = [asyncio.create_task(need(i)) for i in (1, 2, 3)]
        await until(lambda: node.commits.writing + node.commits.waiting == 3, "every publish to reach the node")
    first, failed, third = await asyncio.gather(*tasks, return_exceptions=True)
    assert node.commits.transactions - before == 1  # all three in one transaction
    assert isinstance(failed, LookupError) and str(failed) == "this read fails"
    for event, n in (first, third):
        assert await node.db(node.log.store.event_n, event.id) == n
    assert await node.db(node.log.store.count) == count_before + 3  # the event whose read failed too
    chain = await node.db(own_chain, node)
    assert [unpack(e.body)["quantity"] for e in chain[-3:]] == [1, 2, 3]
    assert all(node.router.seen(e.id) for e in chain[-3:])  # gossiped at once, the second as well
    assert (await api.publish("need", category="water", region="calais", quantity="4"))["seq"] == chain[-1].seq + 1


async def test_live_views_hear_of_a_publish_before_its_answer(api):
    """A group that stored only this node's own events tells the change feed itself (the watcher
    would look only at its next round, a turn of the database thread later)."""
    node = api.node
    for i in range(3):
        status, body = await api.request("POST", "/api/v1/events", json={
            "kind": "need", "fields": {"category": "water", "region": "calais", "quantity": str(i + 1)}})
        assert status == 201, body
        assert node.last_stored_n == body["event"]["n"]


async def test_a_group_that_changes_the_trust_graph_has_the_watcher_look_at_once(api):
    """Only a group of plain own events spares the watcher's look: one that changes membership has
    the watcher refresh trust and credentials before anything more goes out."""
    node = api.node
    groups: list[tuple[int, bool]] = []
    node.commits._committed = lambda last_n, plain: groups.append((last_n, plain))
    await api.publish("need", category="water", region="calais", quantity="1")
    newcomer = bytes(range(32)).hex()
    await node.publish("member.vouch", {"subject": newcomer, "role": "device", "encryption_key": newcomer})
    stored = await node.db(node.log.store.last_n)
    assert [plain for _, plain in groups] == [True, False]
    assert groups[-1][0] == stored


class Statements:
    """The SQL the node's connection runs while inside (SQLite's trace callback, on the database thread)."""

    def __init__(self, node) -> None:
        self.node, self.seen = node, []

    async def __aenter__(self) -> list[str]:
        await self.node.db(self.node.log.store._db.set_trace_callback, self.seen.append)
        return self.seen

    async def __aexit__(self, *exc) -> None:
        await self.node.db(self.node.log.store._db.set_trace_callback, None)


async def test_a_lone_publish_is_its_group_transaction_with_no_savepoint_of_its_own(api):
    """A publish with no company: the group's transaction is its own, so it takes no savepoint, not
    even the one the log's append takes in a group of several (what fails rolls back all of it,
    which is that publish alone)."""
    node = api.node
    before = node.commits.transactions
    async with Statements(node) as seen:
        event = await api.publish("need", category="water", region="calais", quantity="1")
    assert node.commits.transactions - before == 1
    assert [s for s in seen if s.startswith(("BEGIN", "COMMIT", "ROLLBACK"))] == ["BEGIN IMMEDIATE", "COMMIT"]
    assert not [s for s in seen if s.startswith(("SAVEPOINT", "RELEASE"))], seen
    assert (await api.get(f"/api/v1/events/{event['id']}"))["n"] == event["n"]


async def test_a_publish_answer_reads_its_event_by_its_row_number(api):
    """The answer to a publish reads the event back by the `n` its write gave it (the table's own key),
    not through the two id indexes a GET by id walks; the answer is the GET's all the same."""
    node = api.node
    async with Statements(node) as seen:
        event = await api.publish("need", category="water", region="calais", quantity="2")
    by_index = [s for s in seen if "FROM ids WHERE p=" in s]
    assert not by_index, by_index
    assert any(re.fullmatch(r"SELECT .* FROM events WHERE n=\d+", s) for s in seen), seen
    assert await api.get(f"/api/v1/events/{event['id']}") == event


SELF_REVOKE = {"kind": "member.revoke", "fields": {"from_seq": "1"}, "as": "device"}  # its subject: this device


async def lone_refusal(api, body, status: int, code: str, field: str | None) -> None:
    """`body` published alone is refused with its own error; nothing of it stays, and the node's next
    publish follows its chain as if it had never been tried."""
    node = api.node
    await api.publish("need", category="water", region="calais", quantity="1")
    count, head = await node.db(node.log.store.count), (await node.db(own_chain, node))[-1]
    async with Statements(node) as seen:
        got, answer = await api.request("POST", "/api/v1/events", json=body)
    assert (got, answer["error"]["code"], answer["error"].get("field")) == (status, code, field), answer
    assert "ROLLBACK" in seen and "COMMIT" not in seen  # the lone publish's transaction rolled back whole
    assert await node.db(node.log.store.count) == count
    assert (await node.db(own_chain, node))[-1].id == head.id
    after = await api.publish("need", category="water", region="calais", quantity="2")
    assert after["seq"] == head.seq + 1
    assert await node.db(node.log.store.count) == count + 1


async def test_a_lone_publish_with_a_bad_field_is_refused_alone(api):
    await lone_refusal(api, {"kind": "need", "fields": {"category": "water", "quantity": "3"}}, 422, "invalid_field",
                       "region")


async def test_a_lone_publish_the_log_refuses_is_rolled_back_alone(api):
    """Refused inside the log's own write (a device revoking itself from a seq it already signed)."""
    body = {**SELF_REVOKE, "fields": {**SELF_REVOKE["fields"], "subject": bytes(api.node.keys.device.public).hex()}}
    await lone_refusal(api, body, 422, "not_allowed", None)


async def test_a_lone_publish_on_a_full_disk_is_refused_alone(api):
    store = api.node.log.store
    await api.node.db(lambda: store.limit_pages(store.size_pages()))  # not one page more: the disk is full
    body = {"kind": "action", "fields": {"title": "Cours 9", "region": "calais", "type": "class",
                                         "starts_at": "2031-07-01T10:00", "description": "x" * 3900}}  # > one page
    try:
        count = await api.node.db(store.count)
        status, reply = await api.request("POST", "/api/v1/events", json=body)
        assert status == 507 and reply["error"]["code"] == "storage_full", reply
        assert await api.node.db(store.count) == count
    finally:
        await api.node.db(store.limit_pages, None)
    await lone_refusal(api, {"kind": "need", "fields": {"category": "water", "quantity": "3"}}, 422, "invalid_field",
                       "region")


async def test_a_lone_publish_whose_read_fails_keeps_its_event(api):
    """The read after a lone publish's commit fails its request only: the event is stored and gossiped."""
    node = api.node

    def read(e):
        raise LookupError("this read fails")

    with pytest.raises(LookupError, match="this read fails"):
        await node.publish_and_read(read, "need", {"category": "water", "region": "calais", "quantity": "5"})
    [last] = (await node.db(own_chain, node))[-1:]
    assert unpack(last.body)["quantity"] == 5 and node.router.seen(last.id)
