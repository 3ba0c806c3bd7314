"""A hostile peer (tests/sync/hostile_double.py: a client speaking the real wire protocol) against a
REAL `solnet run` process on 127.0.0.1, started with node.demo.localnet.

For each attack: the bad input is rejected; it is counted (status, the node's log, or a penalty
that ends in a ban or a disconnect); its cost is bounded (the node keeps serving an honest second
connection within a few seconds); and honest data is intact (checked after every test: no honest
event lost, their read-model rows unchanged; at the end a rebuild equals the incremental state).

The attacker is a member group ("Mole") admitted by the target's founder in-process through
node.membership; it certifies a fresh device key per attack, since penalties and bans are per device.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from crypto.keys import SigningKey
from events.format import decode_event
from far_seq import signed_at
from hostile_double import (
    PASSPHRASE,
    Author,
    DbState,
    HostilePeer,
    HostileServer,
    Mole,
    certify_device,
    cli,
    PeerClosed,
    db_state,
    forge,
    honest_round,
    node_db_snapshot,
    proc_memory_mib,
    query,
    rebuild_matches_incremental,
    wait_for,
)
from node.demo import localnet, progress
from node.home import Home
from node.demo.localnet import LocalNode
from node.pending_queue import PENDING_LIMITS
from sync.handshake import Initiator
from sync.messages import (MAX_EVENTS_PER_MESSAGE, MAX_IDS_PER_MESSAGE, Credentials, End, Error, Events, Heads, IHave,
                           IWant, Offer, Push)
from sync.link import STREAM_BATCH
from sync.peers import BAN_THRESHOLD, REASON_POINTS, PeerLimits
from sync.transport import BUSY

pytestmark = pytest.mark.integration  # a real `solnet run` under attack

LIMITS = PeerLimits()  # what `solnet run` uses (it has no flags for them)
RESPONSIVE_CPU_S = 1.0
"""The node's CPU (its process: its event loop, its database thread; its verify workers run beside
it) that an honest round on a second connection may wait through once an attack is over: the round
itself costs it a few hundredths of a second, and work the attack left it with shows here, on the
loop or queued on the database thread ahead of the round's reads (which the loop's CPU does not
show: a round held 1.5 s behind the database thread counted 0.01 s of it). Judged in CPU, not in
seconds, which a loaded machine stretches: at a load of 10 honest rounds took 3-4 s (3 s was the
bound) while the node used under 0.7 s of CPU in them. During a flood the rounds are judged by the
loop's CPU (`Target.cpu`): counting the database thread storing the flood on the other core, they
came within 1.4 x of the bound; the loop alone, within a fifth of it."""
MEMORY_MIB = 200
T = TypeVar("T")
DIAL_BUSY_S = 60.0  # (Target.dial: a mole's link refused over its group's budget of handshakes)


async def when_due(attempt: Callable[[], Awaitable[T]]) -> T:
    """`attempt()` (a link to the node), made again while the node refuses it as busy. The tests of
    this module link one mole group's devices, and Calais's own probe, more often than a group's
    budget of handshakes allows (a burst, then one every 1 / member_handshakes_per_s: sync/peers.py):
    a dialler refused so tries again once the next is due, as a node backs off; at most DIAL_BUSY_S."""
    deadline = time.monotonic() + DIAL_BUSY_S
    while True:
        try:
            return await attempt()
        except PeerClosed as exc:
            if BUSY not in str(exc) or time.monotonic() > deadline:
                raise
        await asyncio.sleep(1 / LIMITS.member_handshakes_per_s)


# --- the target node --------------------------------------------------------------------------

@dataclass
class Target:
    root: Path
    node: LocalNode  # Calais: the running node under attack
    honest: LocalNode  # Bristol: an honest member group, not running, syncs with `solnet sync`
    mole: Mole
    # A second mole group, for a test that needs a group none of whose devices was streamed
    # anything yet: what a node streamed a group's devices is one record, and its budgets one
    # budget, of the whole group (node/net/peer_policy.py `payer`), which the other tests spend.
    fresh: Mole
    probe: SigningKey  # an honest device certified by Calais, for second connections
    network_id: bytes
    elsewhere: Home  # a node of another network
    baseline: DbState | None = None
    attackers: set[bytes] = field(default_factory=set)  # mole group and device keys
    honest_additions: set[bytes] = field(default_factory=set)  # honest events the tests publish

    @property
    def address(self) -> str:
        return self.node.address

    @property
    def db(self) -> Path:
        return self.node.home.db_path

    def device(self) -> tuple[SigningKey, Author]:
        key = self.mole.new_device()
        self.attackers.add(bytes(key.public))
        return key, Author(key, self.network_id)

    async def dial(self, key: SigningKey, mole: Mole | None = None) -> HostilePeer:
        """A link of `key`, a device of `mole` (of the first mole group if None)."""
        return await when_due(lambda: HostilePeer.connect(self.address, self.network_id, key,
                                                          (mole or self.mole).credentials()))

    async def probe_round(self, timeout: float = progress.STALL_S) -> float:
        """An honest round of the probe (a device of Calais's own group) on a second connection: its
        seconds, dial included (`timeout`: a bound on a hang of each step)."""
        return await when_due(lambda: honest_round(self.address, self.network_id, self.probe, timeout=timeout))

    def cpu(self, loop_only: bool = False) -> float:
        """The CPU seconds the node's process (every thread, not its verify workers) has used; or,
        `loop_only`, its event loop's (its main thread): what an honest round waits through when a
        running attack holds the loop, not its database thread's storing what the attack sent on
        another core meanwhile."""
        used = progress.own_cpu_seconds(self.node.proc.pid, thread=self.node.proc.pid if loop_only else None)
        assert used is not None, f"the node died:\n{self.log_tail()}"
        return used

    async def assert_responsive(self) -> float:
        """An honest second connection completes a round, and the node did little else while it
        waited (RESPONSIVE_CPU_S): the node's CPU during the round, returned."""
        assert self.node.proc.poll() is None, f"the node died:\n{self.log_tail()}"
        before = self.cpu()
        await self.probe_round()
        used = self.cpu() - before
        assert used < RESPONSIVE_CPU_S, f"the node used {used:.2f} s of CPU while an honest round waited"
        return used

    def log_text(self) -> str:
        return self.node.log_path.read_text(errors="replace")

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])

    async def wait_for_log(self, needle: str, since: int, timeout: float = 5.0) -> str:
        """The log since `since`, once `needle` is in it (within `timeout` s of the node's time)."""
        if await _wait(lambda: needle in self.log_text()[since:], timeout):
            return self.log_text()[since:]
        raise AssertionError(f"{needle!r} not in the node's log within {timeout} s of its time:\n"
                             f"{self.log_text()[since:]}")

    def log_mark(self) -> int:
        return len(self.log_text())

    def snapshot(self, name: str = "copy.db") -> Path:
        return node_db_snapshot(self.db, self.root / name)

    def state(self) -> DbState:
        return db_state(self.snapshot())

    def count_by(self, author: bytes) -> int:
        return query(self.db, "SELECT count(*) FROM events WHERE a=(SELECT k FROM keys WHERE key=?)", (author,))[0][0]

    def stored(self, event_id: bytes) -> bool:
        return bool(query(self.db, "SELECT 1 FROM events WHERE id=?", (event_id,)))


def honest_sync(target: Target) -> dict:
    """`solnet sync` from the honest Bristol home to the target: it must work and refuse nothing.
    Waited for while it or the node advances (a catch-up of what earlier attacks left the node took
    over 30 s at a load of 15: a CI failure when it had a fixed bound)."""
    proc = cli(target.honest.home.path, "sync", target.address, "--json", serving=target.node.proc.pid)
    assert proc.returncode == 0, f"honest sync failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return json.loads(proc.stdout)


def status(target: Target) -> dict:
    proc = cli(target.node.home.path, "status", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    calais, bristol = localnet.create_network(root, [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
    founder_log, founder_keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:
        mole = Mole.admit(root, founder_log, founder_keys)
        fresh = Mole.admit(root, founder_log, founder_keys, name="Mole Two")
        probe = certify_device(founder_log, founder_keys.group)
        founder_log.append(founder_keys.device, "need", {"category": "blankets", "quantity": 40, "region": "calais"})
        founder_log.append(founder_keys.device, "action", {"title": "Vigil", "region": "calais", "type": "protest",
                                                           "starts_at": int(time.time() * 1000) + 86_400_000})
        network_id = founder_log.network_id
    finally:
        founder_log.store.close()
    [elsewhere] = localnet.create_network(root / "elsewhere", [("Elsewhere", "dover")], PASSPHRASE, "another network")
    t = Target(root, calais, bristol, mole, fresh, probe, network_id, elsewhere.home)
    t.attackers.update({bytes(mole.keys.group.public), bytes(fresh.keys.group.public)})
    # Every refusal said (a node says each reason once a minute): the tests look for their own.
    localnet.start(calais, PASSPHRASE, sync_interval=3600, extra_env={"SOLNET_REFUSAL_LOG_INTERVAL_S": "0"})
    try:
        assert (why := localnet.wait_started(calais)) is None, why
        first = honest_sync(t)  # Bristol and Calais converge before any attack
        assert first["received"] > 0  # (group chains travel as credentials in the handshake)
        t.baseline = t.state()
        yield t
    finally:
        code = localnet.stop(calais)
        mole.log.store.close()
        fresh.log.store.close()
        print(f"\nnode stopped with exit code {code}; log tail:\n{t.log_tail(15)}")


@pytest.fixture(autouse=True)
def honest_data_intact(target):
    """After every attack: the node is alive and responsive, no honest event is lost, the rows
    honest events made are unchanged, and every new event is one the tests meant to add."""
    yield
    asyncio.run(target.assert_responsive())
    now = target.state()
    base = target.baseline
    lost = set(base.authors) - set(now.authors)
    assert not lost, f"{len(lost)} honest events lost"
    new = set(now.authors) - set(base.authors)
    foreign = {i for i in new if now.authors[i] not in target.attackers and i not in target.honest_additions}
    assert not foreign, f"{len(foreign)} unexpected events appeared"
    assert now.rows_of(base.authors) == base.rows, "read-model rows of honest events changed"


# --- forged signatures ------------------------------------------------------------------------

async def test_forged_signatures_are_refused_counted_and_end_in_a_ban(target):
    key, author = target.device()
    peer = await target.dial(key)
    below_ban = (BAN_THRESHOLD - 1) // REASON_POINTS["bad_signature"]  # 3 forgeries: 75 points
    forged = [author.sign(seq=1, prev=None) for _ in range(below_ban + 2)]
    mark = target.log_mark()
    await peer.send(Push(tuple(forge(ev) for ev in forged[:below_ban])))
    await asyncio.sleep(0.5)
    # still connected below the threshold: the node answers us
    known = next(iter(target.baseline.authors))
    await peer.send(IWant((known,)))
    reply = await peer.receive(5)
    assert isinstance(reply, Push) and decode_event(reply.events[0]).id == known
    # two more cross it (penalties decay, so exactly 100 points spread over time stays just below):
    # an Error("banned"), then the close
    await peer.send(Push(tuple(forge(ev) for ev in forged[below_ban:])))
    closed = await peer.wait_closed(5)
    await peer.close()
    assert closed.error is not None and closed.error.code == "banned", closed
    assert "bad_signature" in await target.wait_for_log("banned", mark)
    assert not any(target.stored(ev.id) for ev in forged)
    assert target.count_by(bytes(key.public)) == 0
    # the ban holds: the same device is refused at its next dial, and gets no data
    with pytest.raises(PeerClosed) as refused:
        await target.dial(key)
    assert refused.value.error is not None and refused.value.error.code == "refused"
    await target.assert_responsive()


async def test_a_genuine_event_with_a_forged_twin_is_stored_once(target):
    key, author = target.device()
    ev = author.sign()
    async with await target.dial(key) as peer:
        await peer.send(Push((forge(ev), ev.encode())))
        assert await _wait(lambda: target.stored(ev.id))
    assert target.count_by(bytes(key.public)) == 1


async def test_a_single_forged_event_is_logged(target):
    key, author = target.device()
    ev = author.sign()
    mark = target.log_mark()
    async with await target.dial(key) as peer:
        await peer.send(Push((forge(ev),)))
        await target.wait_for_log("bad_signature", mark, timeout=3)


# --- forks ------------------------------------------------------------------------------------

async def test_a_fork_keeps_both_events_as_proof_and_freezes_the_author(target):
    """A peer forwarding another key's fork is not at fault: no penalty, its link stays up. The
    forked key is cut off from the fork point on: its events there are kept only as proof, and it
    can no longer connect (a forked key is treated as revoked)."""
    peer_key, _ = target.device()
    forked_key, author = target.device()
    first = author.sign()
    twin = author.sign(seq=1, prev=None)  # same author and seq, another event
    async with await target.dial(peer_key) as peer:
        await peer.send(Push((first.encode(),)))
        assert await _wait(lambda: target.stored(first.id))
        await peer.send(Push((twin.encode(),)))
        assert await _wait(lambda: query(target.db, "SELECT 1 FROM forks WHERE id=?", (twin.id,)))
        after = author.sign()  # seq 2 on top of `first`: refused, the author is frozen from seq 1
        await peer.send(Push((after.encode(),)))
        await peer.send(Offer(bytes(32), 0))
        assert isinstance(await _round_reply(peer), Heads)
    assert not target.stored(first.id) and not target.stored(twin.id) and not target.stored(after.id)
    proof = dict(query(target.db, "SELECT id, wire FROM forks WHERE author=?", (bytes(forked_key.public),)))
    assert set(proof) == {first.id, twin.id}  # both signed events kept: the proof
    assert {decode_event(w).id for w in proof.values()} == {first.id, twin.id}
    st = status(target)
    assert bytes(forked_key.public).hex() in st["frozen_authors"]
    assert st["forks"] >= 1
    refused = await HostilePeer.open(target.address)
    await refused.handshake(target.network_id, forked_key)
    await refused.send(Credentials(target.mole.credentials()))
    closed = await refused.wait_closed(5)
    await refused.close()
    assert closed.error is not None and closed.error.code == "refused" and closed.error.text == f"frozen:{first.seq}"  # frozen by its fork, at that seq: not revoked
    assert closed.received == []


# --- events of another network, and its nodes ---------------------------------------------------

async def test_events_of_another_network_are_refused_and_banned(target):
    other_log = target.elsewhere.log()
    try:
        foreign = [other_log.store.wire(e[7:10]) for e in other_log.store.all_events()]
    finally:
        other_log.store.close()
    assert len(foreign) >= 2
    key, author = target.device()
    own_key_foreign = author.sign(network=os.urandom(32))  # a member's key, another network id
    mark = target.log_mark()
    async with await target.dial(key) as peer:
        await peer.send(Push((own_key_foreign.encode(), *foreign)))
        closed = await peer.wait_closed(5)
    assert closed.error is not None and closed.error.code == "banned"
    assert "wrong_network" in await target.wait_for_log("banned", mark)
    assert not any(target.stored(decode_event(w).id) for w in foreign) and not target.stored(own_key_foreign.id)


async def test_a_node_of_another_network_gets_nothing(target):
    elsewhere_keys = target.elsewhere.keys(PASSPHRASE)
    other_log = target.elsewhere.log()
    other_network = other_log.network_id
    other_log.store.close()
    # with its own network id: refused at the hello, before the node says anything
    peer = await HostilePeer.open(target.address)
    with pytest.raises(PeerClosed):
        await peer.handshake(other_network, elsewhere_keys.device)
    await peer.close()
    # claiming our network id: its key is no member here
    peer = await HostilePeer.open(target.address)
    await peer.handshake(target.network_id, elsewhere_keys.device)
    await peer.send(Credentials(()))
    closed = await peer.wait_closed(5)
    await peer.close()
    assert closed.error is not None and closed.error.code == "refused" and closed.received == []


# --- frames anyone on the path can write ------------------------------------------------------------

async def test_frames_that_do_not_authenticate_are_not_held_against_the_peer(target):
    """A frame that fails the channel's authentication is what anyone on the path can write (a relay
    or a proxy flipping one byte): the link ends, and the peer, whose key never sealed it, is charged
    nothing. Charged as a protocol breach (30 points), a relay that flipped one byte of each new link
    had an honest member banned for an hour in 12 s, renewed at will."""
    key, _ = target.device()
    start = target.log_mark()
    for _ in range(BAN_THRESHOLD // REASON_POINTS["protocol"] + 2):
        mark = target.log_mark()
        async with await target.dial(key) as peer:
            assert await peer.try_send_frame(os.urandom(64))
            await peer.wait_closed(10)
        await target.wait_for_log("not held against it", mark)
    async with await target.dial(key) as peer:  # not banned: served as ever
        known = next(iter(target.baseline.authors))
        await peer.send(IWant((known,)))
        assert isinstance(await peer.receive(5), Push)
    assert "sent invalid data" not in target.log_text()[start:]


# --- oversized frames ---------------------------------------------------------------------------

async def test_a_frame_over_the_size_limit_closes_the_connection(target):
    key, _ = target.device()
    limit = LIMITS.max_frame_bytes + 64  # what the node's websocket accepts (transport._FRAME_OVERHEAD)
    mark = target.log_mark()
    peer = await target.dial(key)
    await peer.try_send_frame(os.urandom(limit + 1))  # the node may cut us off while we send
    # Closed before the watchdog's message timeout (the log says why: not a timeout)
    closed = await peer.wait_closed(LIMITS.message_timeout_s)
    await peer.close()
    assert closed.received == [] and closed.error is None, closed  # cut off at the frame header
    await target.wait_for_log("frame over the size limit", mark)


async def test_a_frame_too_big_for_the_channel_but_under_the_websocket_limit_is_a_violation(target):
    """Under the websocket limit but over what one sealed frame can be (MAX_FRAME + tag): refused by
    the channel before any decryption work, as a protocol violation."""
    key, _ = target.device()
    mark = target.log_mark()
    async with await target.dial(key) as peer:
        assert await peer.try_send_frame(os.urandom(LIMITS.max_frame_bytes + 16 + 1))
        await peer.wait_closed(10)
    await target.wait_for_log("bad frame", mark)


# --- msgpack bombs --------------------------------------------------------------------------------

BOMBS = {
    "array claiming 2**32 items": b"\x92\x06\xdd\xff\xff\xff\xff",
    "map claiming 2**32 items": b"\x92\x06\xdf\xff\xff\xff\xff",
    "bin claiming 4 GiB": b"\x92\x06\x91\xc6\xff\xff\xff\xff",
    "2000 nested arrays claiming 200k items each": b"\x92\x03" + (b"\xdd" + struct.pack(">I", 200_000)) * 2000,
    "100k nested arrays": b"\x91" * 100_000,
}


@pytest.mark.parametrize("bomb", BOMBS.values(), ids=BOMBS.keys())
async def test_a_msgpack_bomb_in_a_sealed_frame_is_refused_cheaply(target, bomb):
    key, _ = target.device()
    mark = target.log_mark()
    rss_before, _ = proc_memory_mib(target.node.proc.pid)
    async with await target.dial(key) as peer:
        # Judged by the node's own CPU (its workers' too), not the wall clock a loaded machine stretches
        cpu_before = progress.cpu_seconds(target.node.proc.pid)
        await peer.send_plain(bomb)
        closed = await peer.wait_closed(60)  # (only a bound on a hang)
        used = progress.cpu_seconds(target.node.proc.pid) - cpu_before
    assert used < 1.0, f"refusing the bomb took {used:.2f} s of the node's CPU"
    assert closed.error is None  # a protocol violation: closed without a word
    await target.wait_for_log("unreadable message", mark)
    rss_after, peak = proc_memory_mib(target.node.proc.pid)
    assert rss_after < rss_before + 20 and rss_after < MEMORY_MIB


# --- floods ---------------------------------------------------------------------------------------

async def test_a_flood_is_throttled_while_the_node_stays_responsive_and_small(target):
    """~30k valid events in 1000-event Pushes, then thousands of duplicate Pushes, empty Pushes and
    IHaves of unknown ids, as fast as the socket takes them. The events/s budget holds the flood back
    (burst, then the rate), honest rounds on a second connection stay fast, memory stays bounded."""
    key, author = target.device()
    burst, rate = LIMITS.events_burst, LIMITS.max_events_per_s
    n = int(burst + 2 * rate)  # at least 2 s beyond the burst at the allowed rate
    events = [author.sign().encode() for _ in range(n)]
    waits: list[float] = []  # the node's CPU while each honest round waited
    rss: list[float] = []
    stop = asyncio.Event()

    async def watch() -> None:
        while not stop.is_set():
            # Each round is judged below by the node's CPU while it waited, against the flood's
            # whole: a round starved through the flood waits for all of its work. Seconds would
            # follow the machine's load (a bound of 5 s on each message failed under load 8 on CI).
            # A node that starved the probe through the flood leaves fewer than two rounds done. A
            # message still unanswered after DIAL_BUSY_S ends its round, judged as the others are.
            before = target.cpu(loop_only=True)
            with contextlib.suppress(TimeoutError):
                await target.probe_round(timeout=DIAL_BUSY_S)
            waits.append(target.cpu(loop_only=True) - before)
            rss.append(proc_memory_mib(target.node.proc.pid)[0])
            await asyncio.sleep(0.1)

    watcher = asyncio.create_task(watch())
    peer = await target.dial(key)
    peer.start_draining()  # read what the node answers (IWants), so only the node can push back
    started, cpu_before = time.monotonic(), target.cpu(loop_only=True)
    try:
        for i in range(0, n, 1000):
            await peer.send(Push(tuple(events[i:i + 1000])))
        for _ in range(3000):
            await peer.send(Push((events[0],)))  # duplicates: dropped by id before any signature work
        for _ in range(2000):
            await peer.send(Push(()))
        for _ in range(1000):
            await peer.send(IHave(tuple(os.urandom(32) for _ in range(64))))
        assert await _wait(lambda: target.count_by(bytes(key.public)) == n, timeout=60), \
            f"only {target.count_by(bytes(key.public))} of {n} flood events stored"
        elapsed, flood_cpu = time.monotonic() - started, target.cpu(loop_only=True) - cpu_before
    finally:
        # The probe in flight when the flood is stored is ended, not waited for: past the group's
        # budget of handshakes it may be waiting its turn to dial (when_due), which on a loaded CI
        # machine outlasted a 15 s wait. The rounds that completed during the flood are judged below.
        stop.set()
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await peer.close()
    assert elapsed >= 0.95 * (n - burst) / rate, f"{n} events in {elapsed:.1f} s: the events/s limit did not hold"
    # Starved rounds would wait out the flood: each would wait through about all of its work.
    responsive = max(RESPONSIVE_CPU_S, flood_cpu / 2)
    assert len(waits) >= 2 and max(waits) < responsive, \
        f"honest rounds waited through up to {max(waits):.2f} s of the node's CPU; the flood used {flood_cpu:.2f} s"
    assert max(rss) < MEMORY_MIB, f"node RSS reached {max(rss):.0f} MiB"
    print(f"\nflood: {n} events stored in {elapsed:.1f} s ({flood_cpu:.1f} s of the node's CPU); {len(waits)} "
          f"honest rounds, waiting through up to {max(waits) * 1000:.0f} ms of it; node RSS max {max(rss):.0f} MiB")


async def test_asking_for_the_same_events_again_and_again_draws_back_only_the_budget_of_repeats(target):
    """An IWant costs the asker 33 bytes per id and the node the events' bytes. A member pushed 500
    events of 60 KiB, then asked for them again every 2.5 s: the node sent back 10 MiB/s, ~1,700
    times the asks, for as long as that went on (until 2026-12-04 as fast as it could read: 448
    times). Events it sent the same device within the hour are charged to its budgets of repeats,
    in bytes too, and those past them are not sent. Counted in bytes: the asks are answered in
    order, so a last ask for an event never asked for before marks the end of the answers."""
    key, author = target.device()
    count, big = 120, 60 * 1024
    own = [author.sign("zz.future", {"blob": os.urandom(big)}) for _ in range(count)]
    marker = author.sign()
    asked = tuple(ev.id for ev in own)
    mark = target.log_mark()
    peer = await target.dial(key)
    answered: list[bytes] = []

    async def read() -> None:
        while True:
            message = await peer.receive(30)
            if isinstance(message, Push):
                answered.extend(message.events)

    reader = asyncio.create_task(read())
    try:
        for i in range(0, count, 16):
            await peer.send(Push(tuple(ev.encode() for ev in own[i:i + 16])))
        await peer.send(Push((marker.encode(),)))
        assert await _wait(lambda: target.count_by(bytes(key.public)) == count + 1, timeout=60)
        answered.clear()  # (the node's own gossip, if any)
        await peer.send(IWant(asked))  # the first time: all of it
        assert await _wait(lambda: len(answered) >= count, timeout=30)
        first = sum(map(len, answered))
        started = time.monotonic()
        for _ in range(5):  # 5 x 7 MiB more before the fix
            await peer.send(IWant(asked))
        await peer.send(IWant((marker.id,)))
        assert await _wait(lambda: marker.encode() in answered, timeout=60), "the last ask was not answered"
        elapsed = time.monotonic() - started
    finally:
        reader.cancel()
        await asyncio.wait([reader], timeout=5)
        await peer.close()
    again = sum(map(len, answered)) - first - len(marker.encode())
    assert first >= count * big
    assert again <= LIMITS.repeat_bytes_burst + LIMITS.repeat_bytes_per_s * elapsed, \
        f"{again / 2**20:.1f} MiB sent again in {elapsed:.1f} s: the budget of repeats did not hold"
    log = target.log_text()[mark:]
    assert log.count("past the group's budget of repeats; those past it are not sent") == 1, log


async def test_announcements_of_made_up_ids_are_held_to_the_events_budget(target):
    """An IHave needs no signature and costs the node a database look-up per id (~10 ms for 4,096 on
    this machine, eight times that on a Pi): announcements of made-up ids as fast as the socket
    takes them are held to the events/s budget (burst, then the rate), as pushes are. Until
    2026-12-03 the node looked up all of them as they came (30,000 in a fraction of a second)."""
    key, _ = target.device()
    burst, rate = LIMITS.events_burst, LIMITS.max_events_per_s
    n = int(burst + 2 * rate)  # at least 2 s beyond the burst at the allowed rate
    wanted: list[int] = []
    peer = await target.dial(key)

    async def announce() -> None:
        for _ in range(n // MAX_IDS_PER_MESSAGE + 8):
            await peer.send(IHave(tuple(os.urandom(32) for _ in range(MAX_IDS_PER_MESSAGE))))

    async def read() -> None:
        while True:
            message = await peer.receive(30)
            if isinstance(message, IWant):
                wanted.append(len(message.ids))

    started = time.monotonic()
    tasks = [asyncio.create_task(announce()), asyncio.create_task(read())]
    try:
        assert await _wait(lambda: sum(wanted) >= n, timeout=60), f"only {sum(wanted)} of {n} ids looked up"
        elapsed = time.monotonic() - started
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=5)
        await peer.close()
    assert elapsed >= 0.95 * (sum(wanted) - burst - MAX_IDS_PER_MESSAGE) / rate, \
        f"{sum(wanted)} made-up ids looked up in {elapsed:.1f} s: the events/s budget did not hold"


async def test_heads_claiming_a_huge_chain_buy_no_stream_of_duplicates_past_the_budget(target):
    """A round lets the peer stream as many events as its heads say this node lacks, and heads need
    no signature: a member claiming one made-up author at seq 2^62 could then stream the events
    this node holds, again and again, as fast as it decoded them (the bound of a round that the
    peer's budget stands in for, 2026-12-04). Events of a round that bring nothing (duplicates,
    events not kept) are held to the peer's events/s budget (burst, then the rate), as pushes are."""
    key, author = target.device()
    own = [author.sign().encode() for _ in range(STREAM_BATCH)]
    burst, rate = LIMITS.events_burst, LIMITS.max_events_per_s
    n = int(burst + 10 * rate)  # 10 s beyond the burst at the allowed rate (a third of that without it, here)
    peer = await target.dial(key)
    try:
        await peer.send(Push(tuple(own)))
        assert await _wait(lambda: target.count_by(bytes(key.public)) == len(own), timeout=30)
        await peer.send(Offer(os.urandom(32), 0))
        heads: list = []
        while not isinstance(reply := await _round_reply(peer), Heads):
            heads += reply.heads  # MoreHeads parts
        heads += reply.heads
        made_up = (os.urandom(32), 2**62, bytes(8))
        await peer.send(Heads((*heads, made_up)))  # "you lack 2^62 events": nothing to send us
        assert isinstance(await _round_reply(peer), End)
        started = time.monotonic()
        for _ in range(n // len(own)):
            await peer.send(Events(tuple(own)))  # what the node holds already
        await peer.send(End(n // len(own) * len(own)))
        await peer.send(Offer(os.urandom(32), 0))  # answered once the node has stored the round
        while not isinstance(await peer.receive(120), Heads):
            pass
        elapsed = time.monotonic() - started
    finally:
        await peer.close()
    assert elapsed >= 0.95 * (n - burst) / rate, f"{n} duplicates taken in {elapsed:.1f} s: the budget did not hold"
    await target.assert_responsive()


# --- replayed handshakes -------------------------------------------------------------------------

class _RecordingWebSocket:
    def __init__(self, ws, sent: list[bytes]) -> None:
        self._ws, self._sent = ws, sent

    async def send_bytes(self, data, *args, **kwargs):
        self._sent.append(bytes(data))
        return await self._ws.send_bytes(data, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._ws, name)


class _RecordingSession:
    """Wraps an aiohttp session for sync.transport.dial, recording every frame the dialler sends."""

    def __init__(self, session, sent: list[bytes]) -> None:
        self._session, self._sent = session, sent

    async def ws_connect(self, *args, **kwargs):
        return _RecordingWebSocket(await self._session.ws_connect(*args, **kwargs), self._sent)


async def test_a_replayed_handshake_is_refused(target):
    import aiohttp

    from sync.transport import Identity, dial

    async def admit(device, events, cpu_s) -> None:
        return None

    sent: list[bytes] = []
    identity = Identity(target.network_id, target.probe, lambda device: None, lambda: (), admit)
    async with aiohttp.ClientSession() as session:
        link = await dial(_RecordingSession(session, sent), f"http://{target.address}", identity, LIMITS)
        await link.close()
    hello, finish, sealed_credentials = sent[:3]
    mark = target.log_mark()
    # msg1 and msg3 of the honest dial, replayed on a new connection: the node answers msg1 with a
    # fresh msg2 (new ephemeral key and nonce), so the old msg3 does not authenticate
    peer = await HostilePeer.open(target.address)
    await peer.send_frame(hello)
    await peer.receive_frame()
    await peer.send_frame(finish)
    closed = await peer.wait_closed(5)
    await peer.close()
    assert closed.received == [] and closed.error is None
    await target.wait_for_log("refused an incoming sync connection: bad_signature", mark)
    # the whole recorded conversation, sent blindly at once: refused the same way
    peer = await HostilePeer.open(target.address)
    for data in (hello, finish, sealed_credentials):
        await peer.try_send_frame(data)
    closed = await peer.wait_closed(5)
    await peer.close()
    assert len(closed.received) <= 1  # at most the node's fresh msg2, never a sealed frame
    # a recorded sealed frame inside a fresh, genuine session does not open either
    peer = await HostilePeer.open(target.address)
    await peer.handshake(target.network_id, target.probe)
    await peer.send_frame(sealed_credentials)
    closed = await peer.wait_closed(5)
    await peer.close()
    assert closed.received == []  # not the node's credentials, nothing
    assert closed.error is None  # its channel died on our frame: it cannot even seal a reason


# --- non-members ------------------------------------------------------------------------------

async def test_a_non_member_key_is_refused_and_gets_no_data(target):
    outsider = SigningKey.generate()
    peer = await HostilePeer.open(target.address)
    await peer.handshake(target.network_id, outsider)
    await peer.send(Credentials(()))
    await peer.send(Offer(bytes(32), 0))  # asks for data at once, whatever the answer
    await peer.send(IWant(tuple(target.baseline.authors)[:10]))
    closed = await peer.wait_closed(5)
    await peer.close()
    assert closed.error is not None and closed.error.code == "refused" and closed.error.text == "not_a_member"
    assert closed.received == []  # not the node's credentials, not a head, not an event


async def test_a_non_member_presenting_a_members_credentials_is_refused(target):
    outsider = SigningKey.generate()
    peer = await HostilePeer.open(target.address)
    await peer.handshake(target.network_id, outsider)
    await peer.send(Credentials(target.mole.credentials()))
    closed = await peer.wait_closed(5)
    await peer.close()
    assert closed.error is not None and closed.error.code == "refused" and closed.received == []


async def test_a_refused_non_member_leaves_nothing_on_the_node(target):
    outsider = SigningKey.generate()
    author = Author(outsider, target.network_id)
    junk = tuple(author.sign(fields={"category": "tents", "quantity": i + 1, "region": "calais",
                                     "notes": "x" * 400}).encode() for i in range(200))
    pending_before = query(target.db, "SELECT count(*) FROM pending")[0][0]
    peer = await HostilePeer.open(target.address)
    await peer.handshake(target.network_id, outsider)
    await peer.send(Credentials(junk))
    closed = await peer.wait_closed(5)
    await peer.close()
    assert closed.error is not None and closed.error.code == "refused"
    pending_after = query(target.db, "SELECT count(*) FROM pending")[0][0]
    assert pending_after == pending_before, f"a refused outsider left {pending_after - pending_before} pending events"


# --- silence ------------------------------------------------------------------------------------

async def test_a_peer_silent_mid_round_is_closed_by_the_message_timeout(target):
    """A member opens a round (its Offer makes the node send its heads) and then says nothing. The
    node's watchdog closes the link after one to two message timeouts without progress; meanwhile
    it keeps serving: an honest second connection, an honest `solnet sync`, and a peer silent in
    the handshake is dropped after the connect timeout."""
    # Bristol catches up first: earlier attacks left the node tens of thousands of events, whose
    # verification alone can take 15 s on a busy machine. The sync below then shows only whether
    # the silent peer holds the node up (for a message timeout, if it did).
    await asyncio.to_thread(honest_sync, target)
    key, _ = target.device()
    mark = target.log_mark()
    silent = await target.dial(key)
    await silent.send(Offer(os.urandom(32), 0))  # a digest that differs: the node sends its heads...
    assert isinstance(await _round_reply(silent), Heads)
    # ...and waits for ours, which never come. Its close is judged in the node's time (the time a
    # loaded machine kept the node from running does not count; a bound of 2 timeouts + 3 s in
    # seconds failed under load)
    started, clock = time.monotonic(), progress.RunClock(progress.ours)
    closing = asyncio.create_task(silent.wait_closed(progress.LAST_RESORT_S))
    await target.assert_responsive()
    await asyncio.to_thread(honest_sync, target)
    # Served while the silent peer is still held: the sync did not wait for its message timeout
    assert not closing.done(), "the honest sync ended after the node dropped the silent peer"
    # A peer silent in the handshake is dropped at the connect timeout, long before a message timeout
    mute = await HostilePeer.open(target.address)
    await wait_for(mute.wait_closed(progress.LAST_RESORT_S), 2 * LIMITS.connect_timeout_s)
    await mute.close()
    await target.wait_for_log("refused an incoming sync connection", mark)
    # the watchdog samples progress every message_timeout_s, so the close comes after 1-2 timeouts
    closed = await wait_for(closing, 2 * LIMITS.message_timeout_s + 3, clock)
    waited = time.monotonic() - started
    await silent.close()
    assert waited >= LIMITS.message_timeout_s - 1, waited  # (not before its message timeout)
    assert "no progress" in await target.wait_for_log("in an anti-entropy round", mark)
    assert closed.error is None or closed.error.code == "timeout"
    print(f"\nsilent peer closed {waited:.1f} s after it went silent")


async def test_a_slow_handshake_that_keeps_sending_is_waited_for(target):
    """A slow link (a Pi on a bad line): the hello trickles in over twice the connect timeout, a
    byte at a time. The node waits while bytes arrive, and answers; only silence is cut."""
    key, _ = target.device()
    hs = Initiator(target.network_id, key, lambda device: None)
    payload = hs.hello()
    assert len(payload) < 126  # one short websocket frame
    mask = os.urandom(4)
    frame = bytes([0x82, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    reader, writer = await asyncio.open_connection("127.0.0.1", target.node.port)
    try:
        writer.write(f"GET /sync/v1 HTTP/1.1\r\nHost: {target.address}\r\nUpgrade: websocket\r\n"
                     f"Connection: Upgrade\r\nSec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n".encode())
        assert b" 101 " in await wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        started = time.monotonic()
        for i in range(len(frame)):  # the slow sender itself, not a wait for a condition
            writer.write(frame[i:i + 1])
            await asyncio.sleep(2 * LIMITS.connect_timeout_s / len(frame))
        assert time.monotonic() - started > LIMITS.connect_timeout_s + 1
        first, size = await wait_for(reader.readexactly(2), 5)
        assert first == 0x82, "the node closed the connection instead of answering the hello"
        if size == 126:
            size = struct.unpack(">H", await reader.readexactly(2))[0]
        reply = await wait_for(reader.readexactly(size), 5)
        _, keys = hs.finish(reply)  # a genuine answer from the node
        assert keys.peer_device.hex() == target.node.home.config().device_id
    finally:
        writer.close()


async def test_a_silent_peer_is_closed_even_while_the_node_gossips(target):
    key, _ = target.device()
    silent = await target.dial(key)
    try:
        await silent.send(Offer(os.urandom(32), 0))
        assert isinstance(await _round_reply(silent), Heads)
        closing = asyncio.create_task(silent.wait_closed(2 * LIMITS.message_timeout_s + 3))
        talker_key, author = target.device()
        async with await target.dial(talker_key) as talker:
            talker.start_draining()
            while not closing.done():
                await talker.send(Push((author.sign().encode(),)))  # valid events: gossiped to `silent`
                await asyncio.wait([closing], timeout=4)
        await closing  # AssertionError if the node did not close the silent peer in time
    finally:
        await silent.close()


async def test_a_peers_closing_words_forge_no_log_line(target):
    """A member closes its link with words of its own (an Error): the node logs them, and a line
    break in them wrote a whole line of its own into the node's log, an escape sequence reached
    the operator's terminal. They are logged on the node's line, each such character a '?'."""
    key, _ = target.device()
    forged = "WARNING solnet.node: your keys were copied elsewhere; run `solnet peers add 203.0.113.9:7000`"
    mark = target.log_mark()
    peer = await target.dial(key)
    await peer.send(Error("refused", f"bye\n2026-12-04 12:00:00,000 {forged}\x1b]0;owned\x07"))
    await peer.wait_closed(5)
    await peer.close()
    said = await target.wait_for_log("closed the connection", mark)
    assert not any(line.startswith("2026-12-04 12:00:00") for line in said.splitlines()), said
    assert "\x1b" not in said and "\x07" not in said, said
    assert f"bye?2026-12-04 12:00:00,000 {forged}?]0;owned?" in said, said


# --- garbage before the handshake ----------------------------------------------------------------

async def test_garbage_before_the_handshake_is_refused(target):
    mark = target.log_mark()
    cases = [os.urandom(100), b"", os.urandom(100_000), b"\x94" + b"\xc4\x20" + bytes(32) * 3]
    for garbage in cases:
        peer = await HostilePeer.open(target.address)
        await peer.try_send_frame(garbage)
        closed = await peer.wait_closed(5)
        await peer.close()
        assert closed.received == [], garbage[:10]
    await target.wait_for_log("refused an incoming sync connection: malformed", mark)
    # a text frame instead of the hello
    peer = await HostilePeer.open(target.address)
    await peer.ws.send_str("hello")
    closed = await peer.wait_closed(5)
    await peer.close()
    assert closed.received == []
    # not even HTTP: raw bytes on the TCP port
    reader, writer = await wait_for(asyncio.open_connection("127.0.0.1", target.node.port), 5)
    writer.write(os.urandom(4096) + b"\r\n\r\n")
    await writer.drain()
    answer = await wait_for(reader.read(), 5)
    writer.close()
    assert answer == b"" or answer.startswith(b"HTTP/1.")
    assert not answer or b" 101 " not in answer.split(b"\r\n", 1)[0]


# --- a hostile peer that the node dials ------------------------------------------------------------

async def test_forged_events_streamed_to_a_dialling_node_are_counted_in_status(target):
    """The node dials us (a peer added with `solnet peers add`); we answer its anti-entropy round
    with forged events. Penalties of a dialled peer are kept by address: `status` shows them."""
    key, author = target.device()
    forged = [author.sign(seq=1, prev=None) for _ in range(BAN_THRESHOLD // REASON_POINTS["bad_signature"])]

    async def script(peer: HostilePeer):
        offer = await _round_reply(peer)
        assert isinstance(offer, Offer), offer
        await peer.send(Heads(((bytes(key.public), 1, forged[0].id[:8]),)))
        await peer.send(Events(tuple(forge(ev) for ev in forged)))
        await peer.send(End(len(forged)))
        return await peer.wait_closed(15)

    server = HostileServer(target.network_id, key, target.mole.credentials(), script)
    port = await server.start()
    address = f"127.0.0.1:{port}"
    mark = target.log_mark()
    try:
        assert cli(target.node.home.path, "peers", "add", address).returncode == 0
        outcome, closed = await wait_for(server.results.get(), 20)
        if outcome == "failed":
            raise closed
        assert isinstance(closed, PeerClosed)
        # closed: with Error("banned"), or with a garbled last frame (the Link.close race, see
        # test_hostile_frames.py); either way the node logged and applied the ban
        assert "bad_signature" in await target.wait_for_log("banned", mark)

        def peer_state() -> dict:
            return next((p for p in status(target)["peers"] if p["address"] == f"http://{address}"), {})

        assert await _wait(lambda: peer_state().get("banned"), timeout=10, interval=0.5), peer_state()
        state = peer_state()
        assert state["rejected_events"] >= len(forged) and state["penalty"] >= 0.9 * BAN_THRESHOLD  # decays
        assert not any(target.stored(ev.id) for ev in forged)
    finally:
        cli(target.node.home.path, "peers", "rm", address)
        await server.stop()


# --- redaction-stripped copies --------------------------------------------------------------------

async def test_a_stub_pushed_first_does_not_censor_the_full_event(target):
    honest_author = Author(target.probe, target.network_id, *_head_of(target, target.probe))
    ev = honest_author.sign()
    target.honest_additions.add(ev.id)
    key, _ = target.device()
    async with await target.dial(key) as peer:
        await peer.send(Push((ev.encode(with_body=False),)))  # the stub: a valid header, no body
        assert await _wait(lambda: target.stored(ev.id))
    async with await HostilePeer.connect(target.address, target.network_id, target.probe) as honest:
        await honest.send(Push((ev.encode(),)))  # the full event from its honest author
        # (stored by a real node process: a condition, not the second that a loaded machine outlasts)
        assert await _wait(lambda: query(target.db, "SELECT body_state FROM events WHERE id=?", (ev.id,)) == [(0,)],
                           timeout=30), "the event's body was never stored (body_state stays 'missing')"



# --- seqs past any chain ---------------------------------------------------------------------

async def test_an_event_past_any_chain_is_refused_and_the_event_beside_it_stored(target):
    """A seq of 2^63 or more (msgpack carries up to 2^64 - 1; SQLite's INTEGER does not): the store
    raised OverflowError, the link's storing ended as this node's failure (a traceback, the peer not
    charged) and the member's genuine event pushed beside it was not stored."""
    key, author = target.device()
    far = signed_at(key, target.network_id, 2**63, "need", {"category": "tents", "quantity": 1, "region": "calais"})
    ev = author.sign()
    mark = target.log_mark()
    async with await target.dial(key) as peer:
        await peer.send(Push((far, ev.encode())))
        assert await _wait(lambda: target.stored(ev.id), timeout=10), target.log_text()[mark:]
        known = next(iter(target.baseline.authors))
        await peer.send(IWant((known,)))  # the link still serves it
        assert isinstance(await peer.receive(5), Push)
    said = target.log_text()[mark:]
    assert "Traceback" not in said and "failed" not in said, said
    assert target.count_by(bytes(key.public)) == 1


async def test_heads_of_this_nodes_device_past_any_chain_are_the_peers_breach(target):
    """A head of the node's own device at seq 2^64 - 1 was looked up in the store (is the peer's head
    this device's event?), which raised OverflowError: the link failed as this node's bug, logged
    with a traceback at each round, the peer never charged. It is a malformed message now."""
    key, _ = target.device()
    own = bytes.fromhex(target.node.home.config().device_id)
    mark = target.log_mark()
    peer = await target.dial(key)
    try:
        await peer.send(Offer(os.urandom(32), 0))
        heads: list = []
        while not isinstance(reply := await _round_reply(peer), Heads):
            heads += reply.heads
        heads += reply.heads
        await peer.send(Heads((*[h for h in heads if h[0] != own], (own, 2**64 - 1, bytes(8)))))
        await peer.send(End(0))  # (the round over on our side: its heads' own-device check is due)
        await peer.wait_closed(5)
    finally:
        await peer.close()
    said = await target.wait_for_log("malformed head", mark)
    assert "x protocol" in said and "Traceback" not in said and "this node failed" not in said, said


# --- the bomb that is not refused cheaply ------------------------------------------------------

async def test_a_frame_sized_bomb_of_empty_arrays_is_refused_cheaply(target):
    key, _ = target.device()
    bomb = b"\x92\x03\xdc\x00\x14" + (b"\xdd" + struct.pack(">I", 200_000) + b"\x90" * 200_000) * 20
    assert len(bomb) + 16 < LIMITS.max_frame_bytes
    async with await target.dial(key) as peer:
        probe = asyncio.create_task(_delayed_round(target, 0.2))
        await peer.send_plain(bomb)
        await peer.wait_closed(10)
        latency = await probe
    _, peak = proc_memory_mib(target.node.proc.pid)
    # the honest round finished (its time is for the message only: speed belongs to bench/)
    assert peak < MEMORY_MIB, f"peak RSS {peak:.0f} MiB, honest round {latency:.2f} s"


# --- last: the whole log still rebuilds to the same read models, and honest sync works -----------------

# --- the queue of events kept aside ------------------------------------------------------------

def _pending(target: Target) -> int:
    return query(target.db, "SELECT count(*) FROM pending")[0][0]


async def test_events_of_throwaway_keys_fill_only_their_share_and_a_relayed_chain_still_waits(target):
    """A member device pushes valid events signed by fresh, never-vouched keys: a body over its
    kind's limits is refused, the rest fill the share of uncertified authors and what does not fit
    is not kept, without a penalty. Another device then relays its chain without its first event
    (normal in gossip): it waits, its link is not charged, and its first event lets all of it in."""
    share = PENDING_LIMITS.uncertified_events
    key, _ = target.device()
    throwaway = [Author(SigningKey.generate(), target.network_id) for _ in range(share + 200)]
    junk = [a.sign().encode() for a in throwaway]
    huge = Author(SigningKey.generate(), target.network_id).sign(
        "need", {"category": "tents", "quantity": 1, "region": "calais", "notes": "x" * 60_000})
    before, mark = _pending(target), target.log_mark()
    peer = await target.dial(key)
    peer.start_draining()
    try:
        await peer.send(Push((huge.encode(),)))
        for i in range(0, len(junk), 1000):
            await peer.send(Push(tuple(junk[i:i + 1000])))
        await target.wait_for_log("not kept aside", mark, timeout=30)
        assert await _wait(lambda: _pending(target) == before + share, timeout=10), _pending(target)
        assert not peer.ws.closed
    finally:
        await peer.close()
    relay_key, relay = target.device()
    chain = [relay.sign() for _ in range(26)]
    peer = await target.dial(relay_key)
    peer.start_draining()
    try:
        await peer.send(Push(tuple(ev.encode() for ev in chain[1:])))
        assert await _wait(lambda: _pending(target) == before + share + 25, timeout=10), _pending(target)
        await peer.send(Push((chain[0].encode(),)))
        assert await _wait(lambda: target.count_by(bytes(relay_key.public)) == 26, timeout=10)
        assert not peer.ws.closed
    finally:
        await peer.close()
    log = target.log_text()[mark:]
    assert "sent invalid data: 1 x bad_field" in log  # the oversized notes: refused, as from a member
    assert "not_kept" not in log and "banned" not in log
    assert not query(target.db, "SELECT 1 FROM pending WHERE id=?", (huge.id,))
    assert status(target)["pending"] == before + share


async def test_an_event_not_kept_for_lack_of_room_is_taken_when_pushed_again(target):
    """An event refused for now (its author's share of the queue was used up) is taken when a
    neighbour pushes it again once it fits: it was left marked seen, and every later push of it was
    dropped unread until an anti-entropy round, so a member filling the queue held honest events back.
    (After the test above: the node says "not kept aside" once a minute, and that test looks for it.)"""
    key, author = target.device()
    share = PENDING_LIMITS.per_author_events
    chain = [author.sign() for _ in range(share + 2)]
    raw = bytes(key.public)

    def kept_aside() -> int:
        return query(target.db, "SELECT count(*) FROM pending WHERE author=?", (raw,))[0][0]

    async with await target.dial(key) as peer:
        peer.start_draining()
        for at in range(1, share + 2, 100):  # seq 2 .. share + 2, before seq 1
            await peer.send(Push(tuple(ev.encode() for ev in chain[at:min(at + 100, share + 2)])))
        assert await _wait(lambda: kept_aside() == share, timeout=30), kept_aside()
        last = chain[-1]  # past its author's share: not kept
        await peer.send(Push((chain[0].encode(),)))  # seq 1: the chain goes in
        assert await _wait(lambda: target.stored(chain[-2].id), timeout=30)
        assert not target.stored(last.id)
    async with await target.dial(key) as again:  # another link pushes it again: it fits now
        again.start_draining()
        await again.send(Push((last.encode(),)))
        assert await _wait(lambda: target.stored(last.id), timeout=10), "a push of it was dropped unread"


async def test_after_all_attacks_rebuild_equals_incremental_and_honest_sync_works(target):
    assert rebuild_matches_incremental(target.snapshot("final.db"))
    summary = await asyncio.to_thread(honest_sync, target)  # (all the attacks past the first catch-up)
    assert summary["outcomes"].get("rejected", 0) == 0
    assert target.node.proc.poll() is None, f"the node died (exit code {target.node.proc.returncode})"
    integrity = query(target.db, "PRAGMA integrity_check")
    assert integrity == [("ok",)]


# --- helpers --------------------------------------------------------------------------------------

async def _wait(predicate, timeout: float = 5.0, interval: float = 0.05):
    """`predicate()` once true, else its value once `timeout` seconds of the node's time have passed
    (progress.RunClock: the time the machine kept it from running does not count)."""
    clock, started = progress.RunClock(progress.ours), time.monotonic()
    while clock.now() < timeout and time.monotonic() - started < progress.LAST_RESORT_S:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(interval)
    return predicate()


async def _round_reply(peer: HostilePeer):
    """The next anti-entropy message, skipping gossip the node pushes meanwhile."""
    while True:
        message = await peer.receive(5)
        if not isinstance(message, (Push, IHave, IWant)):
            return message


async def _delayed_round(target: Target, delay: float) -> float:
    await asyncio.sleep(delay)
    return await target.probe_round(timeout=10)


def _head_of(target: Target, key: SigningKey) -> tuple[int, bytes | None]:
    rows = query(target.db, "SELECT seq, id FROM heads WHERE k=(SELECT k FROM keys WHERE key=?)", (bytes(key.public),))
    return rows[0] if rows else (0, None)



# --- clocks -----------------------------------------------------------------------------------

async def test_events_of_two_groups_stamped_later_make_the_running_node_say_its_clock_looks_behind(target):
    """Pushed events of two groups stamped two hours after the node's clock (its clock fell behind):
    refused (nobody charged: tests/sync/test_wrong_clocks.py), and the node's status and a publish through it
    say that this machine's clock looks behind and by how much."""
    key, author = target.device()
    own = Author(target.node.home.keys(PASSPHRASE).device, target.network_id, seq=900, prev=bytes(32))
    later = int(time.time() * 1000) + 2 * 3_600_000 - 30_000  # said as 1 h 59 min, whatever the pace
    ahead = (author.sign(ts=later), own.sign(ts=later))
    peer = await target.dial(key)
    try:
        await peer.send(Push(tuple(ev.encode() for ev in ahead)))
        deadline = time.monotonic() + 10
        while not (facts := status(target)["node"]).get("clock_behind_ms"):
            assert time.monotonic() < deadline, facts
            await asyncio.sleep(0.1)
        assert 2 * 3_600_000 - 90_000 < facts["clock_behind_ms"] <= 2 * 3_600_000 - 30_000, facts
        assert not any(target.stored(ev.id) for ev in ahead)
        said = cli(target.node.home.path, "status").stdout
        assert "WARNING: this machine's clock looks 1 h 5" in said and "`timedatectl`" in said, said
        published = cli(target.node.home.path, "publish", "need", "--category", "tents", "--quantity", "2",
                        "--region", "calais", "--json")
        assert published.returncode == 0, published.stderr
        target.honest_additions.add(bytes.fromhex(json.loads(published.stdout)["id"]))
        assert "warning: this machine's clock looks 1 h 5" in published.stderr, published.stderr
        assert "stamped too early" in published.stderr, published.stderr
    finally:
        await peer.close()


# --- a member claiming to hold nothing, round after round ---------------------------------------------

async def _stream_of_a_round(peer: HostilePeer, stop_after_s: float) -> tuple[list[tuple[float, int]], bool]:
    """Open a round claiming to hold nothing and read what the node streams: (seconds since the
    Offer, events so far) after each Events message, and whether its End came within
    `stop_after_s` (else the round is left where it is)."""
    started = time.monotonic()
    await peer.send(Offer(os.urandom(32), 0))
    async with asyncio.timeout(60):  # (the node loads its heads, behind whatever it is storing)
        while not isinstance(await _round_reply(peer), Heads):
            pass
    await peer.send(Heads(()))  # "I hold nothing": a lie heads may tell (they are not signed)
    await peer.send(End(0))
    got, seen = [], 0
    while time.monotonic() - started < stop_after_s:
        message = await _round_reply(peer)
        if isinstance(message, End):
            return got, True
        if isinstance(message, Events):
            seen += len(message.events)
            got.append((time.monotonic() - started, seen))
    return got, False


async def test_a_member_claiming_to_hold_nothing_again_is_streamed_again_at_a_slower_pace(target):
    """Heads need no signature: a member (a thief's copied device key, until it is revoked) that
    claims to hold nothing was streamed the whole log at every round, as fast as it read. Events
    this node streamed the same device within the hour go at its budget of repeats (after a burst
    an honest peer that lost a round in flight never exceeds); its first stream at full pace."""
    key, author = target.device()
    count = int(LIMITS.repeat_burst) + 10 * STREAM_BATCH  # past the burst of repeats by ten batches
    wires = [author.sign("need", {"category": "water", "quantity": i % 90 + 1, "region": "calais"}).encode()
             for i in range(count)]
    loader = await target.dial(key)
    loader.start_draining()
    for i in range(0, count, STREAM_BATCH):
        await loader.send(Push(tuple(wires[i:i + STREAM_BATCH])))
    assert await _wait(lambda: target.count_by(bytes(key.public)) == count, timeout=120)
    await loader.close()
    # The liar is of a group none of whose devices was streamed anything (the other tests'
    # devices, of the first mole group, were: its first stream would be repeats too)
    liar_key = target.fresh.new_device()
    target.attackers.add(bytes(liar_key.public))
    mark = target.log_mark()
    liar = await target.dial(liar_key, target.fresh)
    try:
        first, ended = await _stream_of_a_round(liar, stop_after_s=120)
        assert ended and first[-1][1] >= count, "the first time, all of it"
        again, _ = await _stream_of_a_round(liar, stop_after_s=first[-1][0] + 3)
    finally:
        await liar.close()
    # The second stream, from its Offer on, never ahead of the burst and the budget since (a node
    # that streams it all as fast as the first time is, within seconds: 5,000 past the burst).
    assert again, "the burst goes at once"
    for seconds, seen in again:
        assert seen <= LIMITS.repeat_burst + STREAM_BATCH + LIMITS.repeat_events_per_s * seconds, (seconds, seen)
    assert "asks for events this node sent its group's devices (it or another of them) within the hour" in target.log_text()[mark:]


# --- a peer that takes nothing (last: it leaves the node megabytes of events) --------------------------

async def test_a_peer_that_reads_nothing_but_pongs_is_cut_and_its_stream_let_go(target):
    """A member opens a round claiming to hold nothing, so the node streams its whole log, then
    reads nothing and sends a pong every few seconds. The pongs kept the link alive for ever, each
    such link holding its stream's frames and read buffers (29 MiB with 60 KiB events). While our
    stream waits for the peer, only what it takes counts as progress: the link is cut."""
    key, author = target.device()
    # More than the socket buffers and our send queue hold (~4 + 4 MiB here; the peer's receive buffer
    # does not grow while it reads nothing), so our stream has to wait for it.
    big = [author.sign("support.request", {"region": "calais", "type": "housing", "people": "2", "urgency": "high",
                                           "sealed": os.urandom(60 * 1024)}).encode() for _ in range(400)]
    loader = await target.dial(key)
    loader.start_draining()
    for i in range(0, len(big), 15):
        await loader.send(Push(tuple(big[i:i + 15])))
    assert await _wait(lambda: target.count_by(bytes(key.public)) == len(big), timeout=120)
    await loader.close()
    reader_key, _ = target.device()
    mark = target.log_mark()
    stalled = await target.dial(reader_key)
    # Its receive buffer pinned (the kernel then tunes it no more): left to the kernel, it grew while
    # the client still read (to 2.4 MiB in a run here; net.ipv4.tcp_rmem allows 32 MiB), and a CI
    # run's node, its stream taken in that far, was never held by the peer within the test's wait.
    stalled.ws.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    try:
        await stalled.send(Offer(os.urandom(32), 0))
        async with asyncio.timeout(60):  # (the node loads its heads, behind whatever it is storing)
            while not isinstance(await stalled.receive(60), Heads):
                pass
        await stalled.send(Heads(()))  # holds nothing: the node streams everything, and we read no more
        deadline = time.monotonic() + 2 * LIMITS.message_timeout_s + 60
        while "no progress" not in target.log_text()[mark:]:
            assert time.monotonic() < deadline, f"the node kept a peer that reads nothing:\n{target.log_tail()}"
            try:
                await stalled.ws.pong(b"")
            except (ConnectionError, RuntimeError):
                pass  # closed on our side already
            await asyncio.sleep(3)
    finally:
        await stalled.close()
    await target.assert_responsive()
