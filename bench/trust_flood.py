"""Benchmark: what a flood of trust events costs a node, against ordinary events in the same run.

A hostile member (or a thief holding a copied key) can sign trust events in bulk. Each flood goes
into a fresh store that knows the network, in batches of 500 (as sync brings them), and its rate is
reported next to the rate of as many ordinary events of one device (needs, actions, ...) ingested
the same way in the same run:
- `admissions`: one member's device admits N made-up groups (the trust graph used to be computed
  again after each: quadratic, 33 s for 1,000 here);
- `held`: the same from a device revoked from seq 1 (every one waits aside, in the bounded queue);
- `frozen_revocations`: a forked device's N revocations past its fork point, a staircase that no
  other one dominates (all kept beside the chain);
- `frozen_claims`: a forked device's N admissions past its fork point (void, kept as claims);
- `chain`: not a flood but one recompute of the trust graph (500 groups x 5 devices) holding an
  infiltrator's chain of tears of 10, 50 and 100 links (bench/trust_chain.py), each link two passes
  of the graph (a full pass each until 2026-12-05: 2.3 s for 100 links): `chain_K_over_honest` is
  its time over the same graph's without the chain.
Each figure `X_over_plain` is that flood's events/s over the ordinary events' (1.0: a trust event
costs what an ordinary one does). The load average is printed at the start and the end.
Last line: key=value pairs. Runs in well under a minute.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import Network, found_network, load_average, signed_chain  # noqa: E402
from bench.trust_chain import honest_network, infiltrator_chain  # noqa: E402
from crypto.keys import SigningKey  # noqa: E402
from events.canonical import pack  # noqa: E402
from events.format import Event, decode_event, sign_event  # noqa: E402
from events.trust import TrustGraph  # noqa: E402
from node.log import EventLog, now_ms  # noqa: E402
from node.store import Store  # noqa: E402

BATCH = 500
GROUPS = 300  # admitted by the device before it forks: the subjects of its revocations


class Chain:
    """A key's chain of signed events, following what the network's founding events hold of it;
    `sign(..., seq=, prev=)` signs off the chain (a branch: a fork)."""

    def __init__(self, key: SigningKey, net: Network) -> None:
        self.key, self.net = key, net
        own = [e for e in map(decode_event, net.trust_wires) if e.author == bytes(key.public)]
        newest = max(own, key=lambda e: e.seq, default=None)
        self.seq, self.prev = (newest.seq, newest.id) if newest else (0, None)

    def sign(self, kind: str, fields: dict, *, seq: int | None = None, prev: bytes | None = None) -> Event:
        at_seq = self.seq + 1 if seq is None else seq
        ev = sign_event(self.key, network=self.net.genesis.network_id, seq=at_seq,
                        prev=self.prev if seq is None else prev, timestamp=now_ms(), kind=kind, body=pack(fields))
        if seq is None:
            self.seq, self.prev = at_seq, ev.id
        return ev


def admissions(net: Network, count: int) -> tuple[list[Event], list[Event]]:
    device = Chain(net.keys.device, net)
    return [], [device.sign("member.vouch", {"subject": bytes(SigningKey.generate().public), "role": "group"})
                for _ in range(count)]


def held(net: Network, count: int) -> tuple[list[Event], list[Event]]:
    cut = {"subject": bytes(net.keys.device.public), "from_seq": 1, "reason": "seized"}
    setup, flood = admissions(net, count)
    return [Chain(net.keys.group, net).sign("member.revoke", cut)], flood


def _forked(net: Network) -> tuple[list[Event], Chain, list[SigningKey]]:
    device = Chain(net.keys.device, net)
    groups = [SigningKey.generate() for _ in range(GROUPS)]
    setup = [device.sign("member.vouch", {"subject": bytes(k.public), "role": "group"}) for k in groups]
    setup.append(device.sign("group.profile", {"name": "x", "region": "calais"}, seq=GROUPS,
                             prev=setup[-2].id))  # the other hand's event at seq GROUPS: a fork
    return setup, device, groups


def frozen_revocations(net: Network, count: int) -> tuple[list[Event], list[Event]]:
    setup, device, groups = _forked(net)
    return setup, [device.sign("member.revoke", {"subject": bytes(groups[i % GROUPS].public),
                                                 "from_seq": 10**6 - i, "reason": "x"}) for i in range(count)]


def frozen_claims(net: Network, count: int) -> tuple[list[Event], list[Event]]:
    setup, device, _ = _forked(net)
    return setup, [device.sign("member.vouch", {"subject": bytes(SigningKey.generate().public), "role": "group"})
                   for _ in range(count)]


def ingest_rate(folder: Path, name: str, net: Network, setup: list[Event], flood: list[Event]) -> tuple[float, Counter]:
    """Events/s of `flood` into a fresh store holding the network's trust events and `setup`, and
    what became of them (outcome status and reason)."""
    log = EventLog.create(Store(folder / f"{name}.db"), net.genesis)
    try:
        log.ingest(net.trust_wires)
        for i in range(0, len(setup), BATCH):
            log.ingest([e.encode() for e in setup[i:i + BATCH]])
        wires = [e.encode() for e in flood]
        outcomes: Counter = Counter()
        start = time.perf_counter()
        for i in range(0, len(wires), BATCH):
            outcomes.update(f"{o.status}{':' + o.reason if o.reason else ''}" for o in log.ingest(wires[i:i + BATCH]))
        return len(wires) / (time.perf_counter() - start), outcomes
    finally:
        log.store.close()


def recompute_ms(founders, vouches, revokes, runs: int = 3) -> float:
    """The best of `runs` computations of the trust graph, in ms."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        TrustGraph(founders, vouches, revokes)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def chain_figures() -> dict[str, str]:
    founders, vouches, keys = honest_network(groups=500, devices=5)
    honest = recompute_ms(founders, vouches, [])
    figures = {"honest_500x5_ms": f"{honest:.1f}"}
    print(f"trust graph of 500 groups x 5 devices: {honest:.1f} ms per recompute")
    for links in (10, 50, 100):
        chain, revokes, _ = infiltrator_chain(founders[0], links, keys)
        ms = recompute_ms(founders, vouches + chain, revokes)
        figures[f"chain_{links}_ms"], figures[f"chain_{links}_over_honest"] = f"{ms:.1f}", f"{ms / honest:.2f}"
        print(f"with a chain of {links} tears: {ms:.1f} ms per recompute, {ms / honest:.2f} x without")
    return figures


FLOODS: dict[str, Callable[[Network, int], tuple[list[Event], list[Event]]]] = {
    "admissions": admissions, "held": held, "frozen_revocations": frozen_revocations, "frozen_claims": frozen_claims}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000, help="events per flood (default 2000)")
    args = parser.parse_args()
    load_start = load_average()
    print(f"load average at start: {load_start}")
    figures: dict[str, str] = {"events": str(args.events)}
    with tempfile.TemporaryDirectory(prefix="solnet-flood-") as tmp:
        folder = Path(tmp)
        net, source = found_network(folder / "source.db")
        source.store.close()
        plain, _ = ingest_rate(folder, "plain", net, [], list(signed_chain(net, args.events)))
        figures["plain_per_s"] = f"{plain:.0f}"
        print(f"ordinary events: {plain:.0f}/s")
        for name, make in FLOODS.items():
            rate, outcomes = ingest_rate(folder, name, net, *make(net, args.events))
            figures[f"{name}_per_s"] = f"{rate:.0f}"
            figures[f"{name}_over_plain"] = f"{rate / plain:.2f}"
            became = ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items()))
            print(f"{name}: {rate:.0f}/s, {rate / plain:.2f} x ordinary events ({became})")
    figures.update(chain_figures())
    load_end = load_average()
    print(f"load average at end: {load_end}")
    figures["load_start"], figures["load_end"] = load_start, load_end
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
