"""Benchmark: bytes on the wire of anti-entropy, counted on the real connection.

Two nodes of a founded network hold the same N events (a device's chain; signed here, stored
through the ingest path). The source runs as a real `solnet run` process; the other node syncs
in-process (the steps of Node.sync_once) through a TCP relay on 127.0.0.1 that counts the
bytes each way above TCP: HTTP upgrade, websocket framing, encryption, everything. Measured:
  (a) an in-sync round: the handshake (connect, authenticate, credentials) and the round itself
      (digest offer and answer), counted separately;
  (b) rounds where the source has the d newest events of the chain that the other lacks (stored
      into the running source's home meanwhile, as `solnet publish` would): round bytes against the
      total size of those d events' wire encodings.
Budgets (docs/design.md section 10): in-sync round one round trip, < 1 KiB each way; d missing events
(d >= 100): round bytes <= 1.15 x the events' bytes + 4 KiB.  Last line: key=value pairs.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (PASSPHRASE, CountingRelay, device_network, event_count, running,  # noqa: E402
                          signed_chain, store_wires, wait_serving)
from node import verify_pool  # noqa: E402
from node.demo import localnet  # noqa: E402
from node.home import Home  # noqa: E402
from node.net import Node  # noqa: E402
from node.net.peer_link import PeerLink, RoundResult  # noqa: E402
from sync.transport import Link, dial  # noqa: E402

IN_SYNC_BUDGET = 1024
RATIO_BUDGET, SLACK_BUDGET = 1.15, 4096
SETTLE_S = 0.05  # after a phase, for the last bytes to pass the relay


@dataclass
class Measured:
    handshake: tuple[int, int]  # (up, down) bytes
    round: tuple[int, int]
    result: RoundResult
    sealed: tuple[int, int]  # the round's sealed frames' bytes (what Link counts), for reference
    messages: tuple[int, int]  # the round's protocol messages (up, down)


def count_messages(link: Link) -> list[int]:
    """Count the protocol messages a link sends and receives from now on: [sent, received]."""
    counts = [0, 0]
    send, receive = link.send, link.receive

    async def counted_send(message, **kwargs):
        counts[0] += 1
        await send(message, **kwargs)

    async def counted_receive(*args, **kwargs):
        message = await receive(*args, **kwargs)
        counts[1] += 1
        return message

    link.send, link.receive = counted_send, counted_receive  # type: ignore[method-assign]
    return counts


def delta(after: tuple[int, int], before: tuple[int, int]) -> tuple[int, int]:
    return after[0] - before[0], after[1] - before[1]


async def measured_round(node: Node, relay: CountingRelay, relay_port: int) -> Measured:
    """Node.sync_once, with the relay's counts taken between its steps."""
    start = relay.counts()
    link = await asyncio.wait_for(dial(node.route.http, f"http://127.0.0.1:{relay_port}", node.identity(),
                                       node.limits), 10)
    await asyncio.sleep(SETTLE_S)
    after_handshake = relay.counts()
    link_before = (link.bytes_out, link.bytes_in)
    messages = count_messages(link)
    handler = PeerLink(link, node.links.ports)
    reader = asyncio.create_task(handler.serve())
    try:
        result = await asyncio.wait_for(handler.run_round(), 120)
        await link.drain()
        await asyncio.sleep(SETTLE_S)
        after_round = relay.counts()
        link_after = (link.bytes_out, link.bytes_in)
    finally:
        await link.close()
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    return Measured(delta(after_handshake, start), delta(after_round, after_handshake), result,
                    delta(link_after, link_before), (messages[0], messages[1]))


async def measure_all(home: Home, source: localnet.LocalNode, tail: list[bytes], steps: list[int]) -> list[Measured]:
    """The in-sync round, then one round per d in `steps` after storing the next d events at the source."""
    relay = CountingRelay(source.port)
    relay_port = await relay.start()
    node = Node(home, home.keys(PASSPHRASE))
    await node.start(background=False)
    out = []
    try:
        await asyncio.get_running_loop().run_in_executor(None, verify_pool.start)
        out.append(await measured_round(node, relay, relay_port))
        given = 0
        for d in steps:
            await asyncio.get_running_loop().run_in_executor(None, store_wires, source.home, tail[given : given + d])
            given += d
            await asyncio.sleep(0.5)  # the source's watcher has seen them (no link is open to gossip them on)
            out.append(await measured_round(node, relay, relay_port))
    finally:
        await node.stop()
        await relay.close()
    return out


def membership_wires(home: Home, device: bytes) -> list[bytes]:
    """Every event in `home` not signed by the bench device: the group chains (vouches, profiles)."""
    log = home.log()
    try:
        return [wire for head in log.store.heads() if head.author != device for wire in log.store.chain_wires(head.author)]
    finally:
        log.store.close()


def store_wires_allowing_duplicates(home: Home, wires: list[bytes]) -> None:
    """Store events of which some may be held already (the founder's chain is in both homes)."""
    log = home.log()
    try:
        bad = [o for o in log.ingest(wires) if o.status not in ("accepted", "duplicate")]
        if bad:
            raise RuntimeError(f"could not store the membership events: {bad[0]}")
    finally:
        log.store.close()


def note_own_held(home: Home) -> None:
    """Record that a peer holds all this home's device signed, as rounds between nodes in sync have
    (node/own_unsent.py): else each round asks for the peer's heads, to learn it (not the in-sync
    round measured here, which nodes that synced before have)."""
    from node import own_unsent

    device = bytes.fromhex(home.config().device_id)
    log = home.log()
    try:
        own_unsent.note(log.store, device, next((seq for author, seq, _ in log.store.heads() if author == device), 0))
    finally:
        log.store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="events both nodes hold at first")
    parser.add_argument("--missing", default="10,100,1000", help="comma-separated d values, measured in this order")
    args = parser.parse_args()
    steps = [int(x) for x in args.missing.split(",") if x]
    with tempfile.TemporaryDirectory(prefix="solnet-bench-") as tmp:
        source, other = localnet.create_network(Path(tmp), [("Source", "calais"), ("Other", "dunkirk")], PASSPHRASE)
        net = device_network(source.home)
        t0 = time.perf_counter()
        wires = [ev.encode() for ev in signed_chain(net, args.events + sum(steps))]
        base, tail = wires[: args.events], wires[args.events :]
        verify_pool.start()
        try:
            store_wires(source.home, base)
            store_wires(other.home, base)
            # and the membership events each holds that the other lacks, so both hold the same set
            device = bytes(net.keys.device.public)
            for a, b in ((source, other), (other, source)):
                store_wires_allowing_duplicates(b.home, membership_wires(a.home, device))
            for node in (source, other):
                note_own_held(node.home)
        finally:
            verify_pool.shutdown()
        prepare_s = time.perf_counter() - t0
        if event_count(source.home.db_path) != event_count(other.home.db_path):
            raise SystemExit("the two nodes do not hold the same events before the in-sync round")
        held = event_count(source.home.db_path)
        with running([source]):
            localnet.start(source, PASSPHRASE)
            wait_serving(source)
            time.sleep(1.0)
            rounds = asyncio.run(measure_all(other.home, source, tail, steps))
    report(held, prepare_s, rounds, steps, tail)


def report(held: int, prepare_s: float, rounds: list[Measured], steps: list[int], tail: list[bytes]) -> None:
    in_sync = rounds[0]
    if not in_sync.result.in_sync:
        raise SystemExit("the first round was not in sync")
    print(f"both nodes held {held} events (prepared in {prepare_s:.1f} s); bytes above TCP, up = from the dialling "
          f"node, down = from the source node")
    print(f"in-sync round: handshake {in_sync.handshake[0]} up / {in_sync.handshake[1]} down (counted separately); "
          f"round {in_sync.round[0]} up / {in_sync.round[1]} down in {in_sync.messages[0]} + {in_sync.messages[1]} "
          f"messages (sealed frames {in_sync.sealed[0]} / {in_sync.sealed[1]} B); {in_sync.result.seconds * 1000:.1f} ms")
    pairs = []
    given = 0
    ok = max(in_sync.round) < IN_SYNC_BUDGET and in_sync.messages == (1, 1)
    for d, m in zip(steps, rounds[1:]):
        payload = sum(map(len, tail[given : given + d]))
        given += d
        total = m.round[0] + m.round[1]
        limit = RATIO_BUDGET * payload + SLACK_BUDGET
        ok = ok and total <= limit and m.result.received == d
        print(f"d={d}: received {m.result.received} ({dict(m.result.outcomes)}); events' wire bytes {payload}; round "
              f"{m.round[0]} up + {m.round[1]} down = {total} ({total / payload:.3f} x; budget {limit:.0f}) in "
              f"{m.messages[0]} + {m.messages[1]} messages; handshake {sum(m.handshake)} more; "
              f"{m.result.seconds * 1000:.0f} ms")
        pairs.append(f"d{d}_event_bytes={payload} d{d}_round_bytes={total} d{d}_ratio={total / payload:.3f}")
    print(f"events={held} insync_up={in_sync.round[0]} insync_down={in_sync.round[1]} handshake_up={in_sync.handshake[0]} "
          f"handshake_down={in_sync.handshake[1]} insync_messages={in_sync.messages[0]}+{in_sync.messages[1]} "
          + " ".join(pairs) +
          f" budget_insync_each_way={IN_SYNC_BUDGET} budget_ratio={RATIO_BUDGET} budget_slack={SLACK_BUDGET} "
          f"met={'yes' if ok else 'no'}")


if __name__ == "__main__":
    main()
