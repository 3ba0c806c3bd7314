"""One simulated node: its store and event log, overlay, gossip router and links, driven on the
virtual clock. What node/net/peer_link.py and node/net/links.py do with asyncio and sockets,
done here synchronously: the protocol objects' commands are carried out at once against the real
store (one SQLite file on tmpfs per node), and messages go into the simulated network.

A node's CPU is one queue: storing a batch costs time (INGEST_S per event), and what it sends
meanwhile leaves once that work is done. A crash loses everything in memory (links, views, the
seen set); the store stays, as a disk does. A hostile node (`role`) may fork its chain, flood its
peers with forged events, or withhold what it holds.
"""
from __future__ import annotations

import random
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from events.canonical import pack
from events.format import event_id, sign_event
from node.log import EventLog
from node.net.credentials import credential_chain
from node.net.gossip_router import GossipRouter
from node.outcome import ACCEPTED, REJECTED
from node.store import Store
from sync.antientropy import Head, SendEvidence
from sync.errors import RemoteProtocolError
from sync.gossip import REPAIR_ANNOUNCE_MAX
from sync.link import STREAM_BATCH
from sync.link_commands import (
    Admit, Answer, Command, Cut, KeepAlive, LoadHeads, LookUp, Present, Probe, RoundDone, Send, Store as StoreCmd,
    Stream,
)
from sync.messages import Credentials, Events, IWant, Message, Push
from sync.overlay import Dial, Drop, Overlay
from sync.peers import DevicePenalties, PeerBook

from bench.sim.wire import End, Net

MESSAGE_TIMEOUT_S = 15.0
PLAN_S = 0.5  # the connector's period (node/net/links.py)
SHUFFLE_S = 60.0
INGEST_S = 0.0004  # CPU per event stored (verify and write, a Raspberry Pi 4)
MESSAGE_S = 0.0001  # CPU per message handled
CHECKPOINT_S = 30.0  # empty each store's write-ahead log now and then: a thousand of them share tmpfs
HONEST, FORKER, FLOODER, WITHHOLDER = "honest", "forker", "flooder", "withholder"
T = TypeVar("T")


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never waits (the router's `forward` awaits nothing) to its end, here."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("the coroutine waited: the simulator runs only those that never do")


class SimNode:
    def __init__(self, index: int, world: Any, *, address: str, keys: Any, path: Path, configured: list[str],
                 role: str = HONEST, skew_s: float = 0.0) -> None:
        self.index, self.world, self.address, self.keys, self.path = index, world, address, keys, path
        self.device = bytes(keys.device.public)
        self.configured, self.role, self.skew_s = configured, role, skew_s
        self.net: Net = world.net
        self.clock = world.clock
        self.rng = random.Random(world.seed * 100_003 + index)
        self.up = False
        self.generation = 0  # bumped by a crash: timers of the old process do nothing
        self.log: EventLog | None = None
        self.ends: dict[int, End] = {}
        self.dialling: set[str] = set()
        self.busy_until = 0.0
        self.rounds = 0

    # --- life -----------------------------------------------------------------------------------
    def now_ms(self) -> int:
        return int((self.world.epoch_s + self.clock.now + self.skew_s) * 1000)

    def start(self) -> None:
        """Start (or restart after a crash): open the store, rebuild the views from it."""
        self.up = True
        self.generation += 1
        self.log = EventLog(Store(self.path))
        self.credentials = credential_chain(self.log, self.device)
        self._trust = self.log.trust
        self.book = PeerBook(self.rng)
        self.overlay = Overlay(self.book, self.rng, own={self.address})
        for address in self.configured:
            self.overlay.learn(address, "config")
        self.learn_announced(fresh=False)
        self.router = GossipRouter(lambda: [e for e in self.ends.values() if not e.closed], self.is_member, self.rng)
        self.penalties = DevicePenalties()
        self._every(PLAN_S, self._plan, jitter=True)
        self._every(MESSAGE_TIMEOUT_S / 3, self._tick_links, jitter=True)
        self._every(SHUFFLE_S, self.overlay.shuffle, jitter=True)
        self._every(CHECKPOINT_S, self._checkpoint, jitter=True)
        if self.role == FLOODER:
            self._every(2.0, self._flood, jitter=True)

    def crash(self) -> None:
        """The process dies: the peers' connections are reset; memory is lost, the disk kept."""
        if not self.up:
            return
        for end in list(self.ends.values()):
            self.net.close(end, "the peer's process ended")
        self.ends.clear()
        self.dialling.clear()
        self.up = False
        assert self.log is not None
        self.log.store.close()
        self.log = None

    def _checkpoint(self) -> None:
        assert self.log is not None
        self.log.store.checkpoint()

    def _every(self, period: float, action: Any, *, jitter: bool) -> None:
        generation = self.generation

        def again() -> None:
            if self.up and self.generation == generation:
                action()
                self.clock.after(period, again)
        self.clock.after(period * self.rng.random() if jitter else period, again)

    def _alive(self, generation: int) -> bool:
        return self.up and self.generation == generation

    # --- membership -----------------------------------------------------------------------------
    def is_member(self, device: bytes) -> bool:
        assert self.log is not None
        m = self.log.trust.member(device)
        if m is None or m.role != "device" or m.revoked_from is not None:
            return False
        group = self.log.trust.member(m.group)
        return group is not None and group.revoked_from is None and not self.penalties.is_banned(device, self.now_ms())

    def learn_announced(self, *, fresh: bool = True) -> None:
        assert self.log is not None
        for address in self.world.announced_addresses(self.log, self.device):
            if self.book.get(address) is None:
                self.overlay.learn(address, "announce")
            elif fresh:
                self.overlay.announced(address, self.now_ms())

    # --- the overlay ----------------------------------------------------------------------------
    def _plan(self) -> None:
        for command in self.overlay.plan(self.now_ms(), self.dialling):
            if isinstance(command, Dial):
                self.dialling.add(command.address)
                self.world.dial(self, command.address)
            elif isinstance(command, Drop):
                for end in list(self.ends.values()):
                    if end.address == command.address:
                        self.close(end, command.why)

    def dial_failed(self, address: str, why: str) -> None:
        self.dialling.discard(address)
        if self.book.get(address) is not None:
            self.overlay.dial_failed(address, self.now_ms(), why)

    def linked(self, end: End) -> None:
        """A link is up (the handshake done): the dialler presents its credentials."""
        self.ends[end.number] = end
        if end.outbound:
            assert end.address is not None
            self.dialling.discard(end.address)
            if self.book.get(end.address) is not None:
                self.overlay.connected(end.address, self.now_ms(), end.peer_device)
        else:
            address = self.world.address_of_device(end.peer_device)
            self.overlay.heard_from(end.peer_device, address, self.now_ms())
        self.execute(end, end.protocol.open())

    def close(self, end: End, why: str) -> None:
        """This node closes a link."""
        self.net.close(end, why)
        self._forget(end, why)

    def link_lost(self, end: End, why: str) -> None:
        """The link ended under us (the peer closed it, or the connection broke)."""
        end.closed = True
        self.net.links.discard(end.link)
        self._forget(end, why)

    def _forget(self, end: End, why: str) -> None:
        end.protocol.close()
        if self.ends.pop(end.number, None) is None:
            return
        now = self.now_ms()
        if end.outbound and end.address is not None and self.book.get(end.address) is not None:
            self.overlay.disconnected(end.address, now, why)
        elif not end.outbound and not any(e.peer_device == end.peer_device for e in self.ends.values()):
            address = self.world.address_of_device(end.peer_device)
            if address is not None:
                self.overlay.inbound_ended(address)

    # --- frames in and out ----------------------------------------------------------------------
    def send(self, end: End, message: Message | str) -> None:
        depart = self.busy_until
        if depart > self.clock.now:  # the CPU is still at work: frames leave once it is done
            self.clock.at(depart, self.net.transmit, end, message)
        else:
            self.net.transmit(end, message)

    def arrived(self, end: End, message: Message | str) -> None:
        if not self.up or end.closed:
            return
        if message == "ping":
            self.net.transmit(end, "pong")
            return
        if isinstance(message, str):
            return  # a pong or keepalive: `heard` counted it
        self.busy_until = max(self.busy_until, self.clock.now) + MESSAGE_S
        try:
            commands = end.protocol.receive(message)
        except RemoteProtocolError:
            self.penalties.charge(end.peer_device, "protocol", self.now_ms())
            self.close(end, "protocol violation")
            return
        self.execute(end, commands)

    def _tick_links(self) -> None:
        for end in list(self.ends.values()):
            if end.closed:
                continue
            progress = (end.heard, end.storing)
            for command in end.protocol.tick(self.clock.now, progress=progress, busy=False, last_write=end.last_write):
                if isinstance(command, KeepAlive):
                    self.net.transmit(end, "keepalive")
                elif isinstance(command, Probe):
                    self.net.transmit(end, "ping")
                elif isinstance(command, Cut):
                    self.close(end, command.why)

    # --- the protocol's commands ----------------------------------------------------------------
    def execute(self, end: End, commands: list[Command]) -> None:
        assert self.log is not None
        store = self.log.store
        for command in commands:
            if end.closed:
                return
            if isinstance(command, Send):
                self.send(end, command.message)
            elif isinstance(command, Present):
                self.send(end, Credentials(self.credentials))
            elif isinstance(command, Admit):
                self._admit(end, command.events)
            elif isinstance(command, LoadHeads):
                self.execute(end, end.protocol.heads_loaded(self._heads(), self._is_group_key, self.log.trust.forks))
            elif isinstance(command, Stream):
                self._stream(end, command.ranges)
            elif isinstance(command, StoreCmd):
                self._store(end, command)
            elif isinstance(command, LookUp):
                unseen = [i for i in command.ids if not self.router.seen(i)]
                known = store.known(unseen) if unseen else {}
                wanted = tuple(i for i in unseen if i not in known)
                if wanted:
                    self.send(end, IWant(wanted))
            elif isinstance(command, Answer):
                wires = store.wires_by_id(list(command.ids))
                if wires and self.role != WITHHOLDER:
                    self.send(end, Push(tuple(wires)))
            elif isinstance(command, RoundDone):
                self.rounds += 1
                if end.outbound:
                    self._next_round(end)
            else:
                raise TypeError(f"the simulator cannot carry out {command!r}")

    def _heads(self) -> list[Head]:
        assert self.log is not None
        return [Head(a, s, i) for a, s, i in self.log.store.heads()]

    def _is_group_key(self, author: bytes) -> bool:
        assert self.log is not None
        m = self.log.trust.member(author)
        return m is not None and m.role == "group"

    def _admit(self, end: End, events: tuple[bytes, ...]) -> None:
        assert self.log is not None
        if events:
            self.log.ingest_credentials(list(events), now=self.now_ms())
            self._trust_check()
        if end.closed:
            return
        if not self.is_member(end.peer_device):
            self.close(end, "not a member")
            return
        self.execute(end, end.protocol.credentials_accepted())
        if end.outbound and not end.protocol.in_round:
            self.start_round(end)

    def start_round(self, end: End) -> None:
        if end.closed or not self.up or end.protocol.in_round or end.protocol.state.value != "idle":
            return
        assert self.log is not None
        self.execute(end, end.protocol.start_round(self._heads(), self._is_group_key, self.log.trust.forks))

    def _next_round(self, end: End) -> None:
        generation = self.generation
        delay = self.world.sync_interval_s * self.rng.uniform(0.7, 1.3)
        self.clock.after(delay, lambda: self._alive(generation) and self.start_round(end))

    def _stream(self, end: End, ranges: tuple) -> None:
        assert self.log is not None
        store, sent = self.log.store, 0
        if self.role != WITHHOLDER:
            for r in ranges:
                if isinstance(r, SendEvidence):
                    evidence = store.fork_evidence(r.author)
                    if evidence:
                        self.send(end, Events(tuple(evidence)))
                        sent += len(evidence)
                    continue
                first = r.first
                while first <= r.last:
                    rows = store.range_wire(r.author, first, r.last, STREAM_BATCH)
                    if not rows:
                        break
                    self.send(end, Events(tuple(w for _, w in rows)))
                    sent += len(rows)
                    first = rows[-1][0] + 1
        if not end.closed:
            self.execute(end, end.protocol.stream_finished(sent))

    def _store(self, end: End, command: StoreCmd) -> None:
        assert self.log is not None
        wires = command.events
        if command.pushed:
            wires, _ = self.router.take_unseen(wires)
        outcomes = self.log.ingest(list(wires), now=self.now_ms()) if wires else []
        self.busy_until = max(self.busy_until, self.clock.now) + INGEST_S * len(wires)
        end.storing += 1
        self._trust_check()
        now = self.now_ms()
        for o in outcomes:
            if o.status == REJECTED and self.penalties.charge(end.peer_device, o.reason or "malformed", now):
                self.close(end, "banned: too much invalid data")
                return
        accepted = [(o, w) for o, w in zip(outcomes, wires) if o.status == ACCEPTED]
        for o, _ in accepted:
            self.world.stored(self, o.id)
        if self.role != WITHHOLDER and accepted:
            repair = not command.pushed and end.protocol.arrived <= REPAIR_ANNOUNCE_MAX
            run_sync(self.router.forward(accepted, source=end, pushed=command.pushed, repair=repair))
        if not command.pushed and not end.closed and not end.protocol.closed:
            self.execute(end, end.protocol.batch_stored())

    def _trust_check(self) -> None:
        """The trust graph changed: links to peers that are no longer members end at once (as the
        node's watcher does); new announcements are learned."""
        assert self.log is not None
        if self.log.trust is self._trust:
            return
        self._trust = self.log.trust
        self.credentials = credential_chain(self.log, self.device)
        for end in list(self.ends.values()):
            if not self.is_member(end.peer_device):
                self.close(end, "no longer a member")

    # --- publishing -----------------------------------------------------------------------------
    def publish(self, kind: str, fields: dict, *, signer: Any = None) -> bytes | None:
        """Sign and store an event of this node (its device, or `signer`), and gossip it at once."""
        assert self.log is not None
        ev = self.log.append(signer or self.keys.device, kind, fields, now=self.now_ms(), offline=True)
        self._trust_check()
        self.router.own([(ev.id, kind, ev.encode())])
        return ev.id

    def fork(self, kind: str, fields_a: dict, fields_b: dict) -> tuple[bytes, bytes]:
        """Hostile: sign two different events at this device's next seq; half the links get each."""
        assert self.log is not None
        seq, prev = self.log.store.head(self.device)
        now = self.now_ms()
        twins = [sign_event(self.keys.device, network=self.log.network_id, seq=seq + 1, prev=prev, timestamp=now,
                            kind=kind, body=pack(f)) for f in (fields_a, fields_b)]
        for i, end in enumerate(sorted(self.ends.values(), key=lambda e: e.number)):
            self.send(end, Push((twins[i % 2].encode(),)))
        return twins[0].id, twins[1].id

    def _flood(self) -> None:
        """Hostile: push events whose signatures do not verify to every link."""
        assert self.log is not None
        seq, prev = self.log.store.head(self.device)
        forged = []
        for i in range(5):
            ev = sign_event(self.keys.device, network=self.log.network_id, seq=seq + 1 + i, prev=prev,
                            timestamp=self.now_ms(), kind="need", body=pack({"category": "tents", "quantity": i + 1,
                                                                            "region": "calais"}))
            bad = bytes([ev.signature[0] ^ 1]) + ev.signature[1:]
            forged.append(pack([ev.header_bytes, bad, ev.body]))
            self.world.forged.add(event_id(ev.header_bytes, bad))
        for end in list(self.ends.values()):
            self.send(end, Push(tuple(forged)))
