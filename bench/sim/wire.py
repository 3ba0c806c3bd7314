"""The simulated network: link ends, latency, loss, partitions and nodes cut off.

A link is two ends, each with its node's protocol object; a message is encoded with the real wire
encoding (sync/messages.py), counted, and delivered to the other end after a latency, in order per
direction (TCP). Loss costs a retransmission delay, and now and then the connection (both ends
learn it). Across a partition, or to a node whose network is gone, nothing arrives: messages wait
on the link (TCP retransmitting) and go through if the link is still open when the path heals;
meanwhile each side only notices by its own liveness ticks. Sizes add the secure channel's
overhead per frame and a fixed cost per handshake.
"""
from __future__ import annotations

import hashlib
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

from sync.link import LinkProtocol
from sync.messages import Message, decode, encode

FRAME_OVERHEAD = 22  # bytes per frame: the channel's 16-byte tag and a websocket header
HANDSHAKE_BYTES = 420  # the handshake's three messages, both ways
CONTROL_BYTES = 8  # a ping, pong or keepalive frame
LOSS = 0.01  # share of frames that need a retransmission, with faults on
RESET = 0.0005  # share of frames whose connection breaks instead


@dataclass(eq=False)
class End:
    """One side of a link: what the gossip router sees as a link (number, peer_device, offer)."""
    number: int
    node: Any  # the SimNode holding this end
    peer_index: int
    peer_device: bytes
    protocol: LinkProtocol
    outbound: bool
    address: str | None  # the address dialled (outbound ends only)
    link: SimLink | None = None
    closed: bool = False
    heard: int = 0  # frames from the peer, of any kind (the watchdog's progress)
    last_write: float = 0.0
    storing: int = 0

    def offer(self, message: Message, urgent: bool = False) -> None:
        self.node.send(self, message)

    @property
    def other(self) -> End:
        assert self.link is not None
        return self.link.b if self is self.link.a else self.link.a


@dataclass(eq=False)
class SimLink:
    a: End  # the dialler's end
    b: End
    last_arrival: dict[int, float] = field(default_factory=dict)  # per direction (by end number)
    held: list[tuple[End, bytes | str]] = field(default_factory=list)


class Net:
    def __init__(self, clock: Any, rng: random.Random, *, lossy: bool) -> None:
        self.clock = clock
        self._rng = rng
        self.lossy = lossy
        self.side: dict[int, int] = {}  # node index -> side of a partition (absent: side 0)
        self.cut_off: set[int] = set()  # nodes whose network is gone
        self.sent: Counter[int] = Counter()  # bytes sent, by node index
        self.links: set[SimLink] = set()
        self._salt = rng.randbytes(8)

    # --- the paths ------------------------------------------------------------------------------
    def reachable(self, a: int, b: int) -> bool:
        return a not in self.cut_off and b not in self.cut_off and self.side.get(a, 0) == self.side.get(b, 0)

    def latency(self, a: int, b: int) -> float:
        """One-way delay: a per-path median (log-normal around 30 ms: some paths slow) times a
        per-frame jitter."""
        pair = min(a, b).to_bytes(4, "big") + max(a, b).to_bytes(4, "big")
        u = int.from_bytes(hashlib.blake2b(pair, key=self._salt, digest_size=8).digest(), "big") / 2**64
        median = 0.030 * math.exp(0.8 * _normal_quantile(u))
        return median * (1.0 + 0.2 * self._rng.random())

    # --- frames ---------------------------------------------------------------------------------
    def transmit(self, end: End, message: Message | str) -> None:
        """Send from `end`: a message (encoded here) or a control frame ("ping", "pong",
        "keepalive") that only tells the peer we are alive."""
        link = end.link
        if end.closed or link is None:
            return
        data = encode(message) if not isinstance(message, str) else message
        self.sent[end.node.index] += (len(data) + FRAME_OVERHEAD) if isinstance(data, bytes) else CONTROL_BYTES
        end.last_write = self.clock.now
        if not self.reachable(end.node.index, end.peer_index):
            link.held.append((end, data))
            return
        self._deliver_later(link, end, data)

    def _deliver_later(self, link: SimLink, end: End, data: bytes | str) -> None:
        delay = self.latency(end.node.index, end.peer_index)
        if self.lossy:
            roll = self._rng.random()
            if roll < RESET:
                self.clock.after(delay, self.reset, link, "connection reset")
                return
            if roll < LOSS:
                delay += 0.2 * 2 ** self._rng.randrange(3)  # TCP's retransmission timeout
        when = max(self.clock.now + delay, link.last_arrival.get(end.number, 0.0))
        link.last_arrival[end.number] = when
        self.clock.at(when, self._arrive, end.other, data)

    def _arrive(self, end: End, data: bytes | str) -> None:
        if end.closed:
            return
        end.heard += 1
        end.node.arrived(end, decode(data) if isinstance(data, bytes) else data)

    def heal_paths(self) -> None:
        """Paths came back: what waited on still-open links goes through, in order."""
        for link in sorted(self.links, key=lambda lk: lk.a.number):
            if link.held and self.reachable(link.a.node.index, link.b.node.index):
                held, link.held = link.held, []
                for end, data in held:
                    if not end.closed:
                        self._deliver_later(link, end, data)

    # --- connections ----------------------------------------------------------------------------
    def connect(self, a: End, b: End) -> SimLink:
        link = SimLink(a, b)
        a.link = b.link = link
        self.links.add(link)
        self.sent[a.node.index] += HANDSHAKE_BYTES // 2
        self.sent[b.node.index] += HANDSHAKE_BYTES // 2
        return link

    def close(self, end: End, why: str, on_closed: Callable[[End, str], None] | None = None) -> None:
        """`end`'s node closes the link: the peer learns it after a latency if the path works
        (else only from its own liveness ticks)."""
        if end.closed:
            return
        end.closed = True
        other = end.other
        if other.closed:
            self.links.discard(end.link)
        elif self.reachable(end.node.index, end.peer_index):
            self.clock.after(self.latency(end.node.index, end.peer_index), self._peer_closed, other, why)

    def _peer_closed(self, end: End, why: str) -> None:
        if not end.closed:
            end.node.link_lost(end, f"the peer closed the link ({why})")

    def reset(self, link: SimLink, why: str) -> None:
        for end in (link.a, link.b):
            if not end.closed:
                end.node.link_lost(end, why)


def _normal_quantile(u: float) -> float:
    return NormalDist().inv_cdf(min(max(u, 1e-9), 1 - 1e-9))
