"""Benchmark and check: a whole network simulated deterministically in one process (bench/sim/).

    python -m bench.simulate --nodes 100 --seed 1 [--faults all | --faults loss,partition,...]

Many nodes on a virtual clock with the real link protocol, event log, store (SQLite on tmpfs),
verification, gossip router and overlay; only sockets and time are simulated. The same seed gives
the same run: every figure below but wall_s and the load averages is the same each time.

Faults (--faults, a comma list or "all"): loss (retransmissions, rare resets), partition (two
halves, 60 s, then healed), crash (5% of nodes crash and restart with their disk), offline (a node
cut off for 5 minutes), skew (clocks off by up to 2 minutes), hostile (one member forks its chain,
one floods forged events and is revoked, one withholds what it holds). Latency (log-normal
around 30 ms per path) is always on.

Last line, key=value: nodes seed faults converged convergence_s (simulated seconds from the last
fault healed, or the last event published, until every honest node holds the same events, trust
state and read models) alert_p50_s alert_p99_s (simulated, over the nodes reachable from the
publisher) bytes_per_node_per_event invariant_violations events degree (links per honest node at the end)
sim_s digest wall_s load_start
load_end. Exit status 1 on any invariant violation.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also as `python bench/simulate.py`

from bench.common import load_average  # noqa: E402
from bench.sim.world import FAULTS, World  # noqa: E402


def _root() -> Path:
    """A scratch folder on tmpfs when there is one (the stores are small and many)."""
    shm = Path("/dev/shm")
    return Path(tempfile.mkdtemp(prefix="solnet-sim-", dir=shm if shm.is_dir() and os.access(shm, os.W_OK) else None))


def parse_faults(text: str) -> set[str]:
    if text in ("", "none"):
        return set()
    if text == "all":
        return set(FAULTS)
    return {f.strip() for f in text.split(",") if f.strip()}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def simulate(nodes: int, seed: int, faults: set[str], *, events: int = 100, max_s: float = 900.0) -> dict[str, str]:
    """One run; its figures as the key=value pairs of the last line (wall time and load aside)."""
    root = _root()
    try:
        r = World(nodes, seed, faults, root, events=events, max_s=max_s).run()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    per_event = r.bytes_sent / max(1, r.honest) / max(1, r.events)
    return {
        "nodes": str(r.nodes), "seed": str(r.seed), "faults": r.faults, "converged": "1" if r.converged else "0",
        "convergence_s": f"{r.convergence_s:.1f}" if r.convergence_s is not None else "none",
        "alert_p50_s": f"{statistics.median(r.alert_latencies) if r.alert_latencies else 0:.3f}",
        "alert_p99_s": f"{percentile(r.alert_latencies, 0.99):.3f}",
        "bytes_per_node_per_event": f"{per_event:.0f}", "invariant_violations": str(len(r.violations)),
        "events": str(r.events), "degree": f"{r.degree:.1f}", "sim_s": f"{r.sim_s:.0f}", "digest": r.digest,
    }, r.violations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", default="none", help=f"none, all, or a comma list of {', '.join(FAULTS)}")
    parser.add_argument("--events", type=int, default=100, help="events published by honest nodes")
    parser.add_argument("--max-s", type=float, default=900.0, help="simulated seconds at most")
    args = parser.parse_args(argv)
    try:
        faults = parse_faults(args.faults)
        if args.nodes < 2:
            raise ValueError("--nodes must be at least 2")
    except ValueError as exc:
        parser.error(str(exc))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: the scratch folder is removed still
    load_start, started = load_average(), time.perf_counter()
    try:
        figures, violations = simulate(args.nodes, args.seed, faults, events=args.events, max_s=args.max_s)
    except ValueError as exc:
        parser.error(str(exc))
    for v in violations[:20]:
        print(f"invariant violated: {v}")
    figures.update(wall_s=f"{time.perf_counter() - started:.1f}", load_start=load_start, load_end=load_average())
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
