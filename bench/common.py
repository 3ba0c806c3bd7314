"""Shared set-up for benchmarks: a founded network and a device that signs many realistic events."""
from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crypto.keys import verify_signature
from crypto.keystore import NodeKeys
from events.canonical import pack
from events.format import SIGN_CONTEXT, Event, sign_event
from events.genesis import Genesis, make_genesis
from node.log import EventLog, now_ms
from node.store import Store

REGIONS = ("calais", "dunkirk", "brighton", "bristol", "cardiff", "london", "manchester", "glasgow")


@dataclass
class Network:
    genesis: Genesis
    keys: NodeKeys
    trust_wires: list[bytes]


def found_network(path: Path) -> tuple[Network, EventLog]:
    keys = NodeKeys.generate(with_group=True)
    genesis = make_genesis("bench", [bytes(keys.group.public)], now_ms() - 10 * 86_400_000)
    log = EventLog.create(Store(path), genesis)
    log.append(keys.group, "member.vouch", {"subject": bytes(keys.device.public), "role": "device",
                                            "encryption_key": bytes(keys.device_encryption.public)})
    log.append(keys.group, "group.profile", {"name": "Bench", "region": "calais"})
    return Network(genesis, keys, list(log.store.iter_wire())), log


def realistic_fields(i: int, rnd: random.Random, now: int) -> tuple[str, dict]:
    region = rnd.choice(REGIONS)
    pick = i % 5
    if pick == 0:
        return "action", {"title": f"Solidarity action {i}", "region": region, "type": "protest",
                          "starts_at": now + rnd.randint(0, 30) * 86_400_000, "place": "Town hall square",
                          "description": "Bring warm clothes and friends. " * 4, "languages": ["en", "fr"]}
    if pick == 1:
        return "need", {"category": rnd.choice(("tents", "blankets", "shoes")), "quantity": rnd.randint(1, 50),
                        "region": region, "notes": "sizes 40-44, men's"}
    if pick == 2:
        return "offer", {"category": "sleeping_bags", "quantity": rnd.randint(1, 50), "region": region}
    if pick == 3:
        return "fundraiser", {"title": f"Fund {i}", "goal": 200_000, "currency": "EUR", "region": region,
                              "how_to_give": "Bank transfer, reference WINTER"}
    return "support.request", {"region": region, "type": "housing", "people": "2", "urgency": "high",
                               "sealed": rnd.randbytes(300)}


def signed_chain(net: Network, count: int, *, seed: int = 1) -> Iterator[Event]:
    """`count` events of the bench device's chain, seq 1..count, timestamps in the recent past."""
    rnd = random.Random(seed)
    now = now_ms()
    prev = None
    for i in range(count):
        kind, fields = realistic_fields(i, rnd, now)
        ev = sign_event(net.keys.device, network=net.genesis.network_id, seq=i + 1, prev=prev,
                        timestamp=now - (count - i) * 1000, kind=kind, body=pack(fields))
        prev = ev.id
        yield ev


def raw_verify_rate(events: list[Event], seconds: float = 2.0) -> float:
    """Single-core Ed25519 verifications per second of these events' signatures (the physical limit)."""
    jobs = [(ev.header.author, SIGN_CONTEXT + ev.header_bytes, ev.signature) for ev in events]
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for author, message, signature in jobs:
            verify_signature(author, message, signature)
        done += len(jobs)
    return done / (time.perf_counter() - start)
