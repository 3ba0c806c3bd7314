"""The listener's guard (node/listener.py) in-process: a real aiohttp app behind a GuardedSite on
127.0.0.1, raw sockets from several loopback addresses, small caps, and a clock the test moves
(the deadlines are checked by calling `sweep()`; the sockets' fate is read from the sockets)."""
from __future__ import annotations

import asyncio
import logging
import resource
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from node.listener import (ACCEPT_FAILED, MAX_PER_SOURCE, MAX_UNAUTHENTICATED, ConnectionGuard, GuardedSite,
                           LogBudget, caps_for, raise_open_files_limit, source_key)

SILENT_S, HEAD_LIMIT_S = 10.0, 30.0
BIG = 16 * 1024 * 1024  # a response that cannot fit in the socket buffers of a client that does not read


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Server:
    guard: ConnectionGuard
    clock: Clock
    port: int
    release: asyncio.Event
    answering: asyncio.Event
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = field(default_factory=list)

    async def connect(self, source: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        pair = await asyncio.open_connection("127.0.0.1", self.port, local_addr=(source, 0))
        self.opened.append(pair)
        await self.until(lambda: self.guard.unauthenticated >= 1)
        return pair

    async def until(self, predicate, timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.01)

    def later(self, seconds: float) -> int:
        self.clock.now += seconds
        return self.guard.sweep()


async def closed_by_server(reader: asyncio.StreamReader, timeout: float = 5.0) -> bool:
    """True once the server has closed or reset the connection (within `timeout`)."""
    try:
        async with asyncio.timeout(timeout):
            while await reader.read(65536):
                pass
        return True
    except TimeoutError:  # first: it is an OSError too
        return False
    except (ConnectionError, OSError):
        return True


async def still_open(reader: asyncio.StreamReader) -> bool:
    return not await closed_by_server(reader, 0.2)


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    release, answering = asyncio.Event(), asyncio.Event()

    async def slow(request: web.Request) -> web.Response:
        answering.set()
        await release.wait()
        return web.Response(text="done")

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello")

    async def form(request: web.Request) -> web.Response:  # a login form: read whole before anything
        return web.Response(text=f"got {len(await request.read())}")

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * BIG)

    clock = Clock()
    guard = ConnectionGuard(max_total=4, max_per_source=2, silent_s=SILENT_S, head_limit_s=HEAD_LIMIT_S, clock=clock)
    app = web.Application(middlewares=[guard.track_requests])
    app.router.add_get("/slow", slow)
    app.router.add_get("/big", big)
    app.router.add_get("/", hello)
    app.router.add_post("/form", form)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = GuardedSite(runner, "127.0.0.1", 0, guard)
    await site.start()
    s = Server(guard, clock, site.port, release, answering)
    try:
        yield s
    finally:
        release.set()
        for _, writer in s.opened:
            writer.close()
        await runner.cleanup()


def test_source_addresses_count_by_address_and_ipv6_by_its_64():
    assert source_key(("192.0.2.7", 4000)) == "192.0.2.7"
    assert source_key(("2001:db8:1:2:aaaa::1", 4000, 0, 0)) == source_key(("2001:db8:1:2:ffff::9", 1, 0, 0))
    assert source_key(("2001:db8:1:2::1", 1, 0, 0)) != source_key(("2001:db8:1:3::1", 1, 0, 0))
    assert source_key(("::ffff:192.0.2.7", 4000, 0, 0)) == "192.0.2.7"
    assert source_key(("fe80::1%eth0", 1, 0, 2)) == source_key(("fe80::2", 1, 0, 2))
    assert source_key(None) == source_key("/run/solnet.sock") == "local"


def test_caps_take_at_most_a_quarter_of_the_open_files():
    assert caps_for(1024) == (256, 32)
    assert caps_for(256) == (64, 16)
    assert caps_for(20) == (8, 4)
    assert caps_for(1 << 20) == (MAX_UNAUTHENTICATED, MAX_PER_SOURCE)
    assert caps_for(resource.RLIM_INFINITY) == (MAX_UNAUTHENTICATED, MAX_PER_SOURCE)


def test_the_soft_open_files_limit_is_raised_to_the_hard_one():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        pytest.skip("no finite hard limit to raise to")
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, hard, 256), hard))
        assert raise_open_files_limit() == hard
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
        assert raise_open_files_limit() == hard  # already there: nothing to do
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


async def test_over_the_per_address_cap_the_oldest_idle_connection_of_that_address_makes_room(server):
    first, _ = await server.connect("127.0.0.2")
    second, _ = await server.connect("127.0.0.2")
    other, _ = await server.connect("127.0.0.3")
    third, _ = await server.connect("127.0.0.2")
    assert await closed_by_server(first)
    assert await still_open(second) and await still_open(third) and await still_open(other)
    assert server.guard.unauthenticated == 3


async def test_a_connection_being_answered_is_never_pushed_out_and_over_the_cap_new_ones_are_refused(server):
    reader, writer = await server.connect("127.0.0.2")
    writer.write(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    await asyncio.wait_for(server.answering.wait(), 5)
    for source in ("127.0.0.3", "127.0.0.4", "127.0.0.5"):
        await server.connect(source)
    idle = server.opened[1][0]
    newest, _ = await server.connect("127.0.0.6")  # the total cap (4): the oldest idle one goes, not the answer
    assert await closed_by_server(idle) and await still_open(newest)
    assert server.later(SILENT_S + 1) == 3  # the three idle ones; the one being answered stays
    assert await still_open(reader)
    server.release.set()
    assert b"200 OK" in await asyncio.wait_for(reader.readuntil(b"done"), 5)


async def test_when_every_connection_is_being_answered_a_new_one_is_refused(server, caplog):
    caplog.set_level(logging.WARNING, "solnet")
    for source in ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"):
        _, writer = await server.connect(source)
        writer.write(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    await server.until(lambda: all(c.requests for c in server.guard._open.values())
                       and len(server.guard._open) == 4)
    refused = await asyncio.open_connection("127.0.0.1", server.port, local_addr=("127.0.0.6", 0))
    server.opened.append(refused)
    assert await closed_by_server(refused[0])
    assert "refused incoming connections" in caplog.text and "127.0.0." not in caplog.text


async def test_a_silent_connection_is_closed_after_the_silence_deadline(server):
    reader, _ = await server.connect("127.0.0.2")
    assert server.later(SILENT_S - 1) == 0 and await still_open(reader)
    assert server.later(1) == 1 and await closed_by_server(reader)
    assert server.guard.unauthenticated == 0


async def test_bytes_that_keep_coming_hold_off_the_silence_deadline_but_not_the_head_limit(server):
    reader, writer = await server.connect("127.0.0.2")
    head = b"GET / HTTP/1.1\r\nHost: x\r\n"  # never finished: a slowloris
    for i in range(int(HEAD_LIMIT_S // (SILENT_S - 2))):
        server.clock.now += SILENT_S - 2
        writer.write(head[i:i + 1])
        await server.until(lambda: server.guard._open and next(iter(server.guard._open.values())).bytes_in == i + 1)
        assert server.guard.sweep() == 0 and await still_open(reader)
    assert server.later(HEAD_LIMIT_S) == 1 and await closed_by_server(reader)


SLOW_FORM = b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"  # and then no body


async def test_a_request_whose_body_never_comes_is_timed_like_an_unfinished_head(server):
    """Behind a relay every visitor comes from 127.0.0.1: 32 login forms that never send their body
    held every place of that address for as long as their sender liked."""
    reader, writer = await server.connect("127.0.0.2")
    writer.write(SLOW_FORM)
    await server.until(lambda: any(c.requests for c in server.guard._open.values()))
    assert server.later(SILENT_S - 1) == 0 and await still_open(reader)
    assert server.later(1) == 1 and await closed_by_server(reader)
    trickling, writer = await server.connect("127.0.0.2")  # bytes that keep coming: the head limit still holds
    writer.write(SLOW_FORM)
    await server.until(lambda: any(c.requests for c in server.guard._open.values()))
    for i in range(int(HEAD_LIMIT_S // (SILENT_S - 2))):
        server.clock.now += SILENT_S - 2
        writer.write(b"x")
        await server.until(lambda: next(iter(server.guard._open.values())).bytes_in == len(SLOW_FORM) + i + 1)
        assert server.guard.sweep() == 0
    assert server.later(HEAD_LIMIT_S) == 1 and await closed_by_server(trickling)


async def test_connections_waiting_for_their_body_make_room_for_new_ones(server):
    waiting = []
    for _ in range(2):  # the per-address cap
        reader, writer = await server.connect("127.0.0.2")
        writer.write(SLOW_FORM)
        waiting.append(reader)
    await server.until(lambda: sum(c.requests for c in server.guard._open.values()) == 2)
    newest, writer = await server.connect("127.0.0.2")
    assert await closed_by_server(waiting[0]) and await still_open(newest)
    writer.write(b"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
    assert b"got 3" in await asyncio.wait_for(newest.readuntil(b"got 3"), 5)


async def test_a_keep_alive_connection_is_idle_again_after_each_answer(server):
    """A long answer (the client silent meanwhile) is not cut, and its deadlines start when it ends."""
    reader, writer = await server.connect("127.0.0.2")
    writer.write(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    await asyncio.wait_for(server.answering.wait(), 5)
    assert server.later(HEAD_LIMIT_S + SILENT_S) == 0
    server.release.set()
    assert b"done" in await asyncio.wait_for(reader.readuntil(b"done"), 5)
    assert server.later(SILENT_S - 1) == 0 and await still_open(reader)
    writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b"hello" in await asyncio.wait_for(reader.readuntil(b"hello"), 5)
    assert server.later(SILENT_S - 1) == 0 and await still_open(reader)
    assert server.later(1) == 1 and await closed_by_server(reader)


async def test_an_answer_still_draining_to_a_slow_reader_is_left_until_the_head_limit(server):
    reader, writer = await server.connect("127.0.0.2")
    # Our receive buffer pinned (no kernel tuning: it grows to megabytes while a client reads), so
    # that the answer does not fit in the buffers of a client that reads nothing, on any machine.
    writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    writer.write(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")  # and never read: the answer waits in our buffers
    await server.until(lambda: any(c.transport.get_write_buffer_size() for c in server.guard._open.values()))
    assert server.later(SILENT_S + 1) == 0
    assert server.later(HEAD_LIMIT_S) == 1 and await closed_by_server(reader)


async def test_an_authenticated_connection_is_neither_counted_nor_timed(server):
    reader, _ = await server.connect("127.0.0.2")
    [transport] = list(server.guard._open)
    server.guard.authenticator(transport)()
    assert server.guard.unauthenticated == 0
    assert server.later(HEAD_LIMIT_S * 10) == 0 and await still_open(reader)


async def test_failed_accepts_are_counted_and_told_once_then_with_a_count(server, caplog):
    caplog.set_level(logging.INFO, "solnet")
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()
    for _ in range(500):
        handler(loop, {"message": ACCEPT_FAILED, "exception": OSError(24, "Too many open files")})
    lines = [r.getMessage() for r in caplog.records if "could not accept" in r.getMessage()]
    assert len(lines) == 1 and ": 1 (" in lines[0]
    server.later(61)
    lines = [r.getMessage() for r in caplog.records if "could not accept" in r.getMessage()]
    assert len(lines) == 2 and ": 499 (in the last 61 s)" in lines[1]


def test_a_log_budget_says_the_first_at_once_and_the_rest_as_counts(caplog):
    caplog.set_level(logging.INFO, "solnet")
    budget = LogBudget(logging.INFO, "something happened", interval=60)
    for t in range(100):
        budget.note(float(t))
    budget.flush(100.0, force=True)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["something happened: 1 (more are counted, and told at most once every 60 s)",
                        "something happened: 60 (in the last 60 s)", "something happened: 39 (in the last 40 s)"]
