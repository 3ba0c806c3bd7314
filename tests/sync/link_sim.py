"""Two link protocol objects (sync/link.py) talking to each other in memory, for the pure tests:
simulated stores (dicts of chains), every message through the real wire encoding (and, when asked,
a real SecureChannel), commands carried out at once. No sockets, no sleeps, no clock."""
from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field

import msgpack

from sync.antientropy import Head, SendEvidence
from sync.channel import SecureChannel
from sync.handshake import Initiator, Responder
from sync.link import LinkProtocol, Role
from sync.link_commands import Admit, Answer, LoadHeads, LookUp, RoundDone, Send, Store, Stream
from sync.messages import Credentials, Events, decode, encode

TIMEOUT_S = 15.0


def author(n: int) -> bytes:
    return hashlib.blake2b(b"author%d" % n, digest_size=32).digest()


def event_id(a: bytes, seq: int, variant: int = 0) -> bytes:
    return hashlib.blake2b(a + seq.to_bytes(8, "big") + bytes([variant]), digest_size=32).digest()


def authenticated(role: Role, timeout: float = TIMEOUT_S) -> LinkProtocol:
    """A protocol object past its credentials exchange (state IDLE)."""
    p = LinkProtocol(role, message_timeout_s=timeout)
    p.open()
    p.receive(Credentials(()))
    p.credentials_accepted()
    return p


# --- a simulated store: author -> chain of event ids (index seq-1) ------------------------------

@dataclass
class SimStore:
    chains: dict[bytes, list[bytes]] = field(default_factory=dict)
    forks: list[tuple[bytes, int, bytes]] = field(default_factory=list)

    @classmethod
    def of(cls, spec: dict[int, int | tuple[int, int]]) -> SimStore:
        """{author number: length} or {author number: (length, variant from which seq)}."""
        store = cls()
        for n, value in spec.items():
            length, diverge_at = (value, None) if isinstance(value, int) else value
            a = author(n)
            store.chains[a] = [event_id(a, s, 1 if diverge_at and s >= diverge_at else 0) for s in range(1, length + 1)]
        return store

    def heads(self) -> list[Head]:
        return [Head(a, len(c), c[-1]) for a, c in self.chains.items() if c]

    def wire(self, a: bytes, seq: int) -> bytes:
        return msgpack.packb([a, seq, self.chains[a][seq - 1]])

    def ingest(self, wire: bytes) -> None:
        """Append in order; an event at a seq we hold with another id is kept as fork evidence."""
        a, seq, eid = msgpack.unpackb(wire)
        chain = self.chains.setdefault(a, [])
        if seq == len(chain) + 1:
            chain.append(eid)
        elif seq <= len(chain) and chain[seq - 1] != eid:
            self.forks.append((a, seq, eid))
        elif seq > len(chain) + 1:
            raise AssertionError(f"gap: got seq {seq} with {len(chain)} held (not sent in order)")


@dataclass
class Wire:
    """Counts what crosses the wire in each direction, through the real encoding and a real channel."""
    messages: list[tuple[str, object]] = field(default_factory=list)
    bytes_sent: dict[str, int] = field(default_factory=lambda: {"a->b": 0, "b->a": 0})


def _channels() -> tuple[SecureChannel, SecureChannel]:
    from crypto.keys import SigningKey

    def noop(device: bytes) -> None:
        return None

    i = Initiator(b"\x01" * 32, SigningKey.generate(), noop)
    r = Responder(b"\x01" * 32, SigningKey.generate(), noop)
    m3, ik = i.finish(r.reply(i.hello()))
    return SecureChannel(ik), SecureChannel(r.accept(m3))


@dataclass
class Side:
    protocol: LinkProtocol
    store: SimStore
    direction: str
    out: deque = field(default_factory=deque)
    done: list[RoundDone] = field(default_factory=list)
    first: object = lambda a: False

    @property
    def last(self) -> RoundDone | None:
        return self.done[-1] if self.done else None


def run_round(store_a: SimStore, store_b: SimStore, *, batch: int = 3, first=lambda a: False,
              channels: bool = False, a: LinkProtocol | None = None, b: LinkProtocol | None = None,
              ask_a: bool = False, ask_b: bool = False) -> tuple[RoundDone | None, RoundDone | None, Wire]:
    """One round, A dialled B: the RoundDone each side reported (None: none) and the wire (`ask_a`,
    `ask_b`: that side asks for the peer's heads even if in sync, sync/link.py `ask_heads`). Each Send
    is encoded, (optionally sealed/opened) and decoded before the peer sees it; Stream commands
    read the sender's store in batches of `batch`; Store writes the receiver's and reports it."""
    wire = Wire()
    chan_a, chan_b = _channels() if channels else (None, None)
    sa = Side(a or authenticated(Role.DIALLER), store_a, "a->b", first=first)
    sb = Side(b or authenticated(Role.LISTENER), store_b, "b->a", first=first)

    def transmit(side: Side, message) -> None:
        data = encode(message)
        if channels:
            sender, receiver = (chan_a, chan_b) if side is sa else (chan_b, chan_a)
            data = receiver.open(sender.seal(data))
            wire.bytes_sent[side.direction] += len(data) + 16
        else:
            wire.bytes_sent[side.direction] += len(data)
        decoded = decode(data)
        wire.messages.append((side.direction, decoded))
        side.out.append(decoded)

    def execute(side: Side, commands) -> None:
        for command in commands:
            if isinstance(command, Send):
                transmit(side, command.message)
            elif isinstance(command, Stream):
                total, pending = 0, []
                for r in command.ranges:
                    if isinstance(r, SendEvidence):
                        continue
                    for seq in range(r.first, r.last + 1):
                        pending.append(side.store.wire(r.author, seq))
                        if len(pending) == batch:
                            transmit(side, Events(tuple(pending)))
                            total, pending = total + len(pending), []
                if pending:
                    transmit(side, Events(tuple(pending)))
                    total += len(pending)
                execute(side, side.protocol.stream_finished(total))
            elif isinstance(command, Store):
                for w in command.events:
                    side.store.ingest(w)
                if not command.pushed:
                    execute(side, side.protocol.batch_stored())
            elif isinstance(command, LoadHeads):
                execute(side, side.protocol.heads_loaded(side.store.heads(), side.first, ask_heads=ask_b))
            elif isinstance(command, RoundDone):
                side.done.append(command)
            elif isinstance(command, (LookUp, Answer, Admit)):
                raise AssertionError(f"no gossip in a simulated round: {command}")

    execute(sa, sa.protocol.start_round(store_a.heads(), first, ask_heads=ask_a))
    for _ in range(100_000):
        if sa.out:
            execute(sb, sb.protocol.receive(sa.out.popleft()))
        elif sb.out:
            execute(sa, sa.protocol.receive(sb.out.popleft()))
        else:
            break
    return sa.last, sb.last, wire

