"""Benchmark: how fast an alert reaches every node of a network on loopback.

NODES groups are founded and admitted (node.demo.localnet), each runs a real `solnet run` process on
127.0.0.1, dialling peers so the links form a connected random graph of degree DEGREE. Once every
node has all its links and all hold the same events, an alert is published ALERTS times at a
random node (`--via home`, the default: stored into its home in-process while it runs, as
`solnet publish` in another terminal does, which the node's watcher notices within 100 ms;
`--via api`: POSTed to the node's HTTP API, which gossips it at once), and each other node's
database is polled read-only until it holds the alert.
Reports p50/p99 over all (node, alert) pairs, the median by graph distance from the publisher,
and, as references measured in the same run, the loopback round trip of GET /healthz on a
node and the one-hop latency (publisher to its direct neighbours).
Budget (docs/design.md section 10): p99 < 2 s.  Last line: key=value pairs.
"""
from __future__ import annotations

import argparse
import asyncio
import functools
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.request
from collections import deque
from collections.abc import Callable
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PASSPHRASE, REGIONS, running, wait_serving  # noqa: E402
from crypto.keystore import NodeKeys  # noqa: E402
from node.demo import localnet  # noqa: E402
from node.demo.localnet import LocalNode  # noqa: E402
from node.log import EventLog  # noqa: E402
from node.store import Store  # noqa: E402
from node.store.uri import database_uri  # noqa: E402

BUDGET_P99_S = 2.0
POLL_S = 0.002
ALERT_TIMEOUT_S = 10.0


def distances(nodes: list[LocalNode], origin: LocalNode) -> dict[int, int]:
    """Hops from `origin` to every node (by port), links counted both ways."""
    neighbours: dict[int, set[int]] = {n.port: set() for n in nodes}
    for n in nodes:
        for p in n.peers:
            neighbours[n.port].add(p)
            neighbours[p].add(n.port)
    hops, queue = {origin.port: 0}, deque([origin.port])
    while queue:
        here = queue.popleft()
        for there in neighbours[here]:
            if there not in hops:
                hops[there] = hops[here] + 1
                queue.append(there)
    return hops


def link_count(db: sqlite3.Connection) -> int:
    """Links the node reported in its last saved runtime state (saved every 2 s)."""
    row = db.execute("SELECT value FROM meta WHERE key='runtime'").fetchone()
    return json.loads(row[0]).get("links", 0) if row else 0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def http_rtt(port: int, count: int = 30) -> float:
    """Median round trip of GET /healthz on one kept-alive connection (a handler that touches nothing)."""
    times = []
    async with aiohttp.ClientSession() as session:
        for _ in range(count):
            start = time.perf_counter()
            async with session.get(f"http://127.0.0.1:{port}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                await r.read()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def bring_up(nodes: list[LocalNode], sync_interval: float, t0: float) -> tuple[dict[int, sqlite3.Connection], str]:
    """Start every node, wait until each has all its links and all hold the same events; read-only
    connections to every node's database, and how long each stage took."""
    expected_links = {n.port: len(n.peers) + sum(n.port in m.peers for m in nodes) for n in nodes}
    for n in nodes:
        localnet.start(n, PASSPHRASE, sync_interval=sync_interval)
    for n in nodes:
        wait_serving(n, timeout=60)
    serving_s = time.perf_counter() - t0
    readers = {n.port: sqlite3.connect(database_uri(n.home.db_path, "mode=ro"), uri=True, timeout=5) for n in nodes}
    union = set()
    for db in readers.values():
        union.update(r[0] for r in db.execute("SELECT id FROM events"))
    if not localnet.wait_until(lambda: all(link_count(readers[n.port]) >= expected_links[n.port] for n in nodes),
                               timeout=120, interval=0.5):
        short = [n.name for n in nodes if link_count(readers[n.port]) < expected_links[n.port]]
        raise SystemExit(f"not all links up within 120 s: {', '.join(short)}; see their node.log")
    linked_s = time.perf_counter() - t0
    converge_s = max(60.0, 8 * sync_interval)
    if not localnet.wait_until(lambda: all(db.execute("SELECT count(*) FROM events").fetchone()[0] == len(union)
                                           for db in readers.values()), converge_s, 0.2):
        raise SystemExit(f"the nodes did not converge within {converge_s:.0f} s")
    return readers, (f"all serving after {serving_s:.1f} s, all links up after {linked_s:.1f} s, converged after "
                     f"{time.perf_counter() - t0:.1f} s")


def post_alert(origin: LocalNode, text: str) -> bytes:
    """POST an alert to `origin`'s API; its id."""
    body = json.dumps({"kind": "alert", "fields": {"region": origin.region, "type": "raid", "text": text}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{origin.port}/api/v1/events", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {origin.admin_token()}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return bytes.fromhex(json.loads(reply.read())["event"]["id"])


def time_alert(publish: Callable[[str], bytes], origin: LocalNode, readers: dict[int, sqlite3.Connection],
               text: str) -> tuple[dict[int, float], float]:
    """Publish an alert at `origin`; seconds until each other node stored it (absent: not within
    ALERT_TIMEOUT_S), and the mean time one polling sweep took."""
    start = time.perf_counter()
    event_id = publish(text)
    waiting = {port for port in readers if port != origin.port}
    arrived: dict[int, float] = {}
    sweeps, sweep_time = 0, 0.0
    while waiting and time.perf_counter() < start + ALERT_TIMEOUT_S:
        sweep_start = time.perf_counter()
        for port in list(waiting):
            if readers[port].execute("SELECT 1 FROM events WHERE id=?", (event_id,)).fetchone():
                arrived[port] = time.perf_counter() - start
                waiting.discard(port)
        sweeps += 1
        sweep_time += time.perf_counter() - sweep_start
        time.sleep(POLL_S)
    return arrived, sweep_time / max(sweeps, 1)


def _append_alert(log: EventLog, keys: NodeKeys, origin: LocalNode, text: str) -> bytes:
    return log.append(keys.device, "alert", {"region": origin.region, "type": "raid", "text": text}).id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=30)
    parser.add_argument("--degree", type=int, default=4)
    parser.add_argument("--alerts", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sync-interval", type=float, default=10.0,
                        help="anti-entropy period of the nodes (`solnet run` default: 30 s). Events learned by "
                             "anti-entropy travel on only at the next round, so a fresh network converges in a few "
                             "periods; alerts travel by push gossip, independent of it")
    parser.add_argument("--via", choices=("home", "api"), default="home",
                        help="how the alert is published: into the node's home, as `solnet publish` in another "
                             "terminal (the node's watcher notices it within 100 ms), or through the node's API")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    latencies: list[float] = []
    by_distance: dict[int, list[float]] = {}
    missed, sweep_s = 0, []
    with tempfile.TemporaryDirectory(prefix="solnet-bench-") as tmp:
        groups = [(f"Group {i:02d}", REGIONS[i % len(REGIONS)]) for i in range(args.nodes)]
        t0 = time.perf_counter()
        nodes = localnet.create_network(Path(tmp), groups, PASSPHRASE)
        localnet.random_graph(nodes, args.degree, rng)
        readers: dict[int, sqlite3.Connection] = {}
        publishers: dict[int, tuple[EventLog, NodeKeys]] = {}
        try:
            with running(nodes):
                readers, setup = bring_up(nodes, args.sync_interval, t0)
                rtt = asyncio.run(http_rtt(nodes[0].port))
                for i in range(args.alerts):
                    time.sleep(0.3 + rng.random() * 0.2)  # independent of the nodes' 100-ms watcher phase
                    origin = rng.choice(nodes)
                    if args.via == "api":
                        publish = functools.partial(post_alert, origin)
                    else:
                        if origin.port not in publishers:
                            publishers[origin.port] = (EventLog(Store(origin.home.db_path)),
                                                       origin.home.keys(PASSPHRASE))
                        log, keys = publishers[origin.port]
                        publish = functools.partial(_append_alert, log, keys, origin)
                    arrived, sweep = time_alert(publish, origin, readers, f"bench alert {i}: police at the station")
                    hops = distances(nodes, origin)
                    for port, took in arrived.items():
                        latencies.append(took)
                        by_distance.setdefault(hops[port], []).append(took)
                    missed += len(nodes) - 1 - len(arrived)
                    sweep_s.append(sweep)
        finally:
            for db in readers.values():
                db.close()
            for log, _ in publishers.values():
                log.store.close()
    pairs = len(latencies) + missed
    every = latencies + [float("inf")] * missed  # a pair never reached counts as slower than any other
    p50, p99 = percentile(every, 0.5), percentile(every, 0.99)
    one_hop = statistics.median(by_distance.get(1, [float("nan")]))
    hop_line = ", ".join(f"{d} hops: {statistics.median(v) * 1000:.0f} ms (n={len(v)})"
                         for d, v in sorted(by_distance.items()))
    print(f"{args.nodes} nodes, random graph of degree {args.degree}, anti-entropy every {args.sync_interval:.0f} s; "
          f"{setup}; {args.alerts} alerts, {pairs} (node, alert) pairs, {missed} not reached within "
          f"{ALERT_TIMEOUT_S:.0f} s")
    first_hop = ("the publishing node's watcher noticing the new event: it polls every 100 ms" if args.via == "home"
                 else "the API request")
    print(f"median by distance from the publisher: {hop_line} (the first hop includes {first_hop}); polling the "
          f"databases every {POLL_S * 1000:.0f} ms "
          f"(+{statistics.mean(sweep_s) * 1000:.2f} ms per sweep); max {max(latencies) * 1000:.0f} ms")
    print(f"nodes={args.nodes} degree={args.degree} alerts={args.alerts} via={args.via} pairs={pairs} missed={missed} "
          f"p50_ms={p50 * 1000:.0f} p99_ms={p99 * 1000:.0f} one_hop_ms={one_hop * 1000:.0f} "
          f"healthz_rtt_ms={rtt * 1000:.2f} budget_p99_ms={BUDGET_P99_S * 1000:.0f} "
          f"met={'yes' if p99 < BUDGET_P99_S and not missed else 'no'}")


if __name__ == "__main__":
    main()
