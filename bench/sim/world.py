"""A whole simulated network: its membership, its nodes, the workload, the faults, the invariants.

Membership is signed once into a template store (a tree of admissions from one founding group:
each group vouches for its device, publishes its profile, and its device announces its address),
then copied as each node's disk. Node i is configured with one peer (an earlier node, as an
invite's peer would be); the overlay finds the rest. Then, on the virtual clock: a warm-up, a
window in which honest nodes publish events (a share of them alerts), a revocation, and with faults
on: loss, a partition that heals, crashes and restarts, a node offline for minutes, clock skew and
hostile members (one forks its chain, one floods forged events and is revoked, one withholds).

Invariants are checked every CHECK_S while it runs (no forged event stored, no event of a forked
or revoked key kept once the node knows, no acknowledged event lost at its author) and at the end
(every honest node holds the same events, trust state and read models, and every acknowledged
event; and, if both twins of the fork reached honest nodes, none holds either). The run ends
when the honest nodes agree after the last fault healed, or at `max_s`.
"""
from __future__ import annotations

import hashlib
import random
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from crypto.keys import EncryptionKey, SigningKey
from crypto.keystore import NodeKeys
from events.canonical import pack, unpack
from events.errors import InvalidEvent
from events.format import sign_event
from events.genesis import make_genesis
from events.projections import TABLES
from events.trust import device_consent
from node.log import EventLog
from node.store import Store
from sync.antientropy import Head, frontier_digest
from sync.link import LinkProtocol, Role
from sync.addresses import AddressError, normalize_address

from bench.sim.clock import Clock
from bench.sim.peer import FLOODER, FORKER, HONEST, MESSAGE_TIMEOUT_S, WITHHOLDER, SimNode
from bench.sim.wire import End, Net

EPOCH_S = 1_796_000_000  # the virtual clock's zero, as Unix time (fixed: the same run every day)
TREE = 8  # groups each group admits
WARMUP_S, PUBLISH_S = 20.0, 60.0  # events are published in [WARMUP_S, WARMUP_S + PUBLISH_S)
ALERT_SHARE = 0.1
CHECK_S = 5.0
CONVERGE_POLL_S = 1.0
FAULTS = ("loss", "partition", "crash", "offline", "skew", "hostile")
REGIONS = ("calais", "dunkirk", "brighton", "bristol", "cardiff", "london", "manchester", "glasgow")


@dataclass
class Result:
    nodes: int
    seed: int
    faults: str
    converged: bool = False
    convergence_s: float | None = None
    alert_latencies: list[float] = field(default_factory=list)
    events: int = 0
    bytes_sent: int = 0
    honest: int = 0
    violations: list[str] = field(default_factory=list)
    sim_s: float = 0.0
    degree: float = 0.0  # links per honest node at the end (the active view, both ways)
    digest: str = ""


def _key(seed: int, *parts: object) -> bytes:
    return hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=32).digest()


class World:
    def __init__(self, n: int, seed: int, faults: set[str], root: Path, *, events: int = 100,
                 sync_interval_s: float = 30.0, max_s: float = 900.0) -> None:
        if n < 2:
            raise ValueError("a network needs at least 2 nodes")
        unknown = faults - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown fault {sorted(unknown)[0]!r}; known: {', '.join(FAULTS)}")
        self.n, self.seed, self.faults, self.root = n, seed, faults, root
        self.events_wanted, self.sync_interval_s, self.max_s = events, sync_interval_s, max_s
        self.epoch_s = EPOCH_S
        self.rng = random.Random(seed)
        self.clock = Clock()
        self.net = Net(self.clock, random.Random(seed + 1), lossy="loss" in faults)
        self.forged: set[bytes] = set()
        self.acked: dict[bytes, tuple[int, float]] = {}  # event id -> (author node, published at)
        self.alerts: dict[bytes, tuple[float, set[int]]] = {}  # alert id -> (published at, nodes reachable then)
        self.arrivals: dict[bytes, dict[int, float]] = defaultdict(dict)
        self.fork_ids: tuple[bytes, ...] = ()
        self.twins_stored: set[bytes] = set()  # twins of the fork some honest node stored at some time
        self.victim: int | None = None
        self.quiet_at = WARMUP_S + PUBLISH_S  # the last fault heals / the last event is published
        self.result = Result(n, seed, ",".join(sorted(faults)) or "none")
        self._numbers = 0
        self.keys = [NodeKeys(SigningKey(_key(seed, "device", i)), EncryptionKey(_key(seed, "enc", i)),
                              SigningKey(_key(seed, "group", i))) for i in range(n)]
        self.addresses = [f"http://n{i}.sim:7000" for i in range(n)]
        self.by_address = {a: i for i, a in enumerate(self.addresses)}
        self.by_device = {bytes(k.device.public): i for i, k in enumerate(self.keys)}
        self.roles = self._roles()
        self._build_disks()
        skew = "skew" in faults
        self.nodes = [SimNode(i, self, address=self.addresses[i], keys=self.keys[i], path=self._disk(i),
                              configured=[self.addresses[self.rng.randrange(i)]] if i else [],
                              role=self.roles[i], skew_s=self.rng.uniform(-120, 120) if skew else 0.0)
                      for i in range(n)]

    # --- set-up ---------------------------------------------------------------------------------
    def _roles(self) -> list[str]:
        roles = [HONEST] * self.n
        leaves = [i for i in range(1, self.n) if TREE * i + 1 >= self.n]
        if "hostile" in self.faults and self.n >= 10:
            picks = self.rng.sample(leaves, 3)
            for i, role in zip(picks, (FLOODER, FORKER, WITHHOLDER)):
                roles[i] = role
            self.victim = picks[0]
        else:
            self.victim = self.rng.choice(leaves)
        return roles

    def _disk(self, i: int) -> Path:
        return self.root / f"node{i}.db"

    def _build_disks(self) -> None:
        """Sign the membership once into a template store and copy it as every node's disk."""
        founder = bytes(self.keys[0].group.public)
        genesis = make_genesis("simulated network", [founder], (EPOCH_S - 86_400) * 1000)
        seqs: dict[bytes, tuple[int, bytes | None]] = {}
        wires: list[bytes] = []
        t = (EPOCH_S - 3600) * 1000

        def sign(key: SigningKey, kind: str, fields: dict) -> None:
            author = bytes(key.public)
            seq, prev = seqs.get(author, (0, None))
            ev = sign_event(key, network=genesis.network_id, seq=seq + 1, prev=prev, timestamp=t + len(wires),
                            kind=kind, body=pack(fields))
            seqs[author] = (seq + 1, ev.id)
            wires.append(ev.encode())

        for i, k in enumerate(self.keys):
            group, device, enc = bytes(k.group.public), bytes(k.device.public), bytes(k.device_encryption.public)
            if i:
                sign(self.keys[(i - 1) // TREE].group, "member.vouch", {"subject": group, "role": "group"})
            sign(k.group, "member.vouch", {"subject": device, "role": "device", "encryption_key": enc,
                                           "consent": device_consent(k.device, group, enc)})
            sign(k.group, "group.profile", {"name": f"Group {i}", "region": REGIONS[i % len(REGIONS)]})
            sign(k.device, "node.announce", {"addresses": [self.addresses[i]]})
        template = self.root / "template.db"
        log = EventLog.create(Store(template), genesis)
        bad = [o for o in log.ingest(wires, now=EPOCH_S * 1000) if o.status != "accepted"]
        log.store.close()
        if bad:
            raise RuntimeError(f"the simulated membership did not verify: {bad[0]}")
        for i in range(self.n):
            shutil.copyfile(template, self._disk(i))

    # --- what nodes ask of the world -------------------------------------------------------------
    def announced_addresses(self, log: EventLog, own_device: bytes) -> list[str]:
        out = []
        for _, _, body in log.store.announcements(not_by=own_device):
            try:
                out += [normalize_address(a) for a in unpack(body)["addresses"]]
            except (InvalidEvent, AddressError, KeyError, TypeError):
                continue
        return out

    def address_of_device(self, device: bytes) -> str | None:
        i = self.by_device.get(device)
        return self.addresses[i] if i is not None else None

    def dial(self, node: SimNode, address: str) -> None:
        """`node` dials `address`: the link is up after the handshake's round trips, or the dial
        fails (refused at once by a host whose node is down, timed out across a cut)."""
        target = self.nodes[self.by_address[address]]
        generation = node.generation
        rtt = 2 * self.net.latency(node.index, target.index)

        def fail(why: str) -> None:
            if node._alive(generation):
                node.dial_failed(address, why)

        def establish() -> None:
            if not node._alive(generation):
                return
            if not target.up or not self.net.reachable(node.index, target.index):
                fail("connection refused")
            elif not target.is_member(node.device) or not node.is_member(target.device):
                fail("not a member")
            else:
                self._link(node, target, address)

        if not self.net.reachable(node.index, target.index):
            self.clock.after(6.0, fail, "timed out")
        elif not target.up:
            self.clock.after(rtt, fail, "connection refused")
        else:
            self.clock.after(1.5 * rtt, establish)

    def _link(self, a: SimNode, b: SimNode, address: str) -> None:
        self._numbers += 2
        ea = End(self._numbers - 1, a, b.index, b.device, LinkProtocol(Role.DIALLER, message_timeout_s=MESSAGE_TIMEOUT_S),
                 True, address, last_write=self.clock.now)
        eb = End(self._numbers, b, a.index, a.device, LinkProtocol(Role.LISTENER, message_timeout_s=MESSAGE_TIMEOUT_S),
                 False, None, last_write=self.clock.now)
        self.net.connect(ea, eb)
        b.linked(eb)
        a.linked(ea)

    def stored(self, node: SimNode, event_id: bytes) -> None:
        if event_id in self.alerts and node.index not in self.arrivals[event_id]:
            self.arrivals[event_id][node.index] = self.clock.now
        if event_id in self.fork_ids and node.role == HONEST:
            self.twins_stored.add(event_id)

    # --- the schedule ---------------------------------------------------------------------------
    def honest(self) -> list[SimNode]:
        return [node for node in self.nodes if node.role == HONEST and node.index != self.victim]

    def schedule(self) -> None:
        for node in self.nodes:
            self.clock.at(self.rng.uniform(0, 5), node.start)
        rng = self.rng
        publishers = [node for node in self.honest()]
        for k in range(self.events_wanted):
            self.clock.at(WARMUP_S + rng.uniform(0, PUBLISH_S), self._publish, rng.choice(publishers),
                          rng.random() < ALERT_SHARE, k)
        self.clock.at(WARMUP_S + PUBLISH_S / 2, self._revoke)
        if "partition" in self.faults:
            sides = {i: rng.randrange(2) for i in range(self.n)}
            self.clock.at(40.0, self._partition, sides)
            self.clock.at(100.0, self._heal)
            self.quiet_at = max(self.quiet_at, 100.0)
        if "crash" in self.faults:
            for node in rng.sample(self.nodes[1:], max(1, self.n // 20)):
                down = rng.uniform(30, 110)
                back = down + rng.uniform(5, 60)
                self.clock.at(down, node.crash)
                self.clock.at(back, node.start)
                self.quiet_at = max(self.quiet_at, back)
        if "offline" in self.faults:
            node = rng.choice(self.honest())
            self.clock.at(25.0, self._cut_off, node.index)
            self.clock.at(25.0 + 300.0, self._reconnect, node.index)
            self.quiet_at = max(self.quiet_at, 325.0)
        if self.roles.count(FORKER):
            self.clock.at(WARMUP_S + 25.0, self._fork, self.roles.index(FORKER))
        self.clock.at(CHECK_S, self._check_loop)

    def _publish(self, node: SimNode, alert: bool, k: int) -> None:
        if not node.up:
            return
        region = REGIONS[k % len(REGIONS)]
        if alert:
            fields = {"region": region, "type": "raid", "text": f"Police at the camp ({k})"}
        else:
            fields = {"category": "tents", "quantity": k + 1, "region": region}
        event_id = node.publish("alert" if alert else "need", fields)
        self.acked[event_id] = (node.index, self.clock.now)
        self.result.events += 1
        if alert:
            reachable = {o.index for o in self.honest() if o.up and o is not node and self.net.reachable(node.index, o.index)}
            self.alerts[event_id] = (self.clock.now, reachable)
            self.arrivals[event_id][node.index] = self.clock.now

    def _revoke(self) -> None:
        """The victim's admitter revokes its group from seq 1 (all its events leave the network)."""
        assert self.victim is not None
        admitter = self.nodes[(self.victim - 1) // TREE]
        if not admitter.up:
            self.clock.after(5.0, self._revoke)
            return
        admitter.publish("member.revoke", {"subject": bytes(self.keys[self.victim].group.public), "from_seq": 1},
                         signer=self.keys[admitter.index].group)

    def _partition(self, sides: dict[int, int]) -> None:
        self.net.side = dict(sides)

    def _heal(self) -> None:
        self.net.side = {}
        self.net.heal_paths()

    def _cut_off(self, i: int) -> None:
        self.net.cut_off.add(i)

    def _reconnect(self, i: int) -> None:
        self.net.cut_off.discard(i)
        self.net.heal_paths()

    def _fork(self, i: int) -> None:
        node = self.nodes[i]
        if node.up:
            self.fork_ids = node.fork("need", {"category": "water", "quantity": 1, "region": "calais"},
                                      {"category": "water", "quantity": 2, "region": "calais"})

    # --- invariants -----------------------------------------------------------------------------
    def _violation(self, text: str) -> None:
        if len(self.result.violations) < 1000:
            self.result.violations.append(f"t={self.clock.now:.1f}: {text}")

    def _check_loop(self) -> None:
        self.check_safety()
        self.clock.after(CHECK_S, self._check_loop)

    def check_safety(self) -> None:
        """What must hold at every moment, at every honest node that is up."""
        forged = list(self.forged)
        victim_keys = self._victim_keys()
        forker = self._forker_device()
        for node in self.honest():
            if not node.up or node.log is None:
                continue
            store, trust = node.log.store, node.log.trust
            if forged and store.known(forged):
                self._violation(f"node {node.index} stored a forged event")
            if forker is not None:
                at = trust.fork_point(forker)
                if at is not None and store.head(forker)[0] >= at:
                    self._violation(f"node {node.index} keeps events of a forked key past its fork point")
            group = trust.member(victim_keys[0])
            if group is not None and group.revoked_from is not None:
                if any(store.head(k)[0] for k in victim_keys):
                    self._violation(f"node {node.index} keeps events of a revoked group")
                if any(e.peer_device == victim_keys[1] and not e.closed for e in node.ends.values()):
                    self._violation(f"node {node.index} keeps a link to a revoked device")
        for event_id, (author, _) in self.acked.items():
            node = self.nodes[author]
            if node.up and node.log is not None and node.index != self.victim and not node.log.store.known([event_id]):
                self._violation(f"node {author} lost its own acknowledged event")

    def _victim_keys(self) -> tuple[bytes, bytes]:
        assert self.victim is not None
        k = self.keys[self.victim]
        return bytes(k.group.public), bytes(k.device.public)

    def _forker_device(self) -> bytes | None:
        return bytes(self.keys[self.roles.index(FORKER)].device.public) if self.fork_ids else None

    def state_of(self, node: SimNode) -> tuple[bytes, bytes, bytes]:
        """(events, trust, read models) digests of a node's state."""
        assert node.log is not None
        log = node.log
        heads = frontier_digest(Head(a, s, i) for a, s, i in log.store.heads())
        # A fork is learned only by the nodes that held a branch past it (the evidence goes to them,
        # sync/antientropy.py): elsewhere the key is not marked, and nothing of the fork is held.
        # So the trust state compared is membership and revocation, not that mark.
        trust = hashlib.blake2b(digest_size=16)
        for k in self.keys:
            for key in (bytes(k.group.public), bytes(k.device.public)):
                m = log.trust.member(key)
                revoked = m and m.revoked_from if m and m.revoked_from != log.trust.fork_point(key) else None
                trust.update(repr((key, m and (m.role, m.group), revoked)).encode())
        models = hashlib.blake2b(digest_size=16)
        for table in TABLES:
            for row in sorted(repr(r) for r in log.store.rows(table)):
                models.update(row.encode())
        return heads, trust.digest(), models.digest()

    def agreed(self) -> bool:
        """Whether every honest node is up and holds the same events, trust state, read models and
        every acknowledged event (the final invariants; a disagreement is no violation yet)."""
        nodes = self.honest()
        if not all(node.up for node in nodes):
            return False
        first = nodes[0].log
        assert first is not None
        if len({frontier_digest(Head(a, s, i) for a, s, i in node.log.store.heads()) for node in nodes}) != 1:
            return False
        if len({self.state_of(node) for node in nodes}) != 1:
            return False
        wanted = [i for i, (author, _) in self.acked.items() if author != self.victim and i not in self.fork_ids]
        return all(len(node.log.store.known(wanted)) == len(wanted) for node in nodes)

    def finish_checks(self) -> None:
        """At the end: the safety invariants once more, and agreement (its absence is a violation)."""
        self.check_safety()
        if not self.result.converged:
            self._violation("the honest nodes did not converge")
            return
        victim_group = self._victim_keys()[0]
        for node in self.honest():
            assert node.log is not None
            m = node.log.trust.member(victim_group)
            if m is None or m.revoked_from is None:
                self._violation(f"node {node.index} does not know of the revocation")
            # Both twins reached honest nodes: the fork is exposed, and no one may keep either.
            # (A twin that never got through, e.g. sent into a partition, leaves nothing to expose.)
            if len(self.twins_stored) == 2 and node.log.store.known(list(self.fork_ids)):
                self._violation(f"node {node.index} holds an event of an exposed fork")

    # --- the run --------------------------------------------------------------------------------
    def run(self) -> Result:
        self.schedule()
        self.clock.run_until(self.quiet_at)
        t = self.quiet_at
        while t < self.max_s:
            t += CONVERGE_POLL_S
            self.clock.run_until(t)
            if self.agreed():
                self.result.converged = True
                self.result.convergence_s = t - self.quiet_at
                break
        self.finish_checks()
        r = self.result
        r.sim_s = self.clock.now
        honest = self.honest()
        r.honest = len(honest)
        r.bytes_sent = sum(self.net.sent.values())
        r.degree = sum(len(node.ends) for node in honest) / max(1, len(honest))
        for event_id, (t0, reachable) in self.alerts.items():
            got = self.arrivals[event_id]
            r.alert_latencies += [got.get(i, self.clock.now) - t0 for i in sorted(reachable)]
        states = sorted(self.state_of(node) for node in honest if node.up)
        r.digest = hashlib.blake2b(repr((states, r.bytes_sent)).encode(), digest_size=8).hexdigest()
        for node in self.nodes:
            if node.up:
                node.crash()
        return r
