"""Benchmark: a home of N events, and what each round, command and request costs at that size.

Signs N realistic events of one device (bench/common.py), then ingests them into a node's home
in 500-event batches (the size sync uses) through the ingest path, timing each tenth (at least
one group transaction of GROUP batches: their outcomes come at once, so a shorter span has no time of its own). Then:
  - ingest: events/s over the whole run, over the first and the last tenth, and the ratio to
    one core's raw Ed25519 verify rate measured in the same run (both cores are used);
  - size: the database files (after a checkpoint) over the events' own wire bytes;
  - in-sync anti-entropy round: CPU time (process_time) of each side's part of a round between
    two nodes that hold the same log (heads, frontier digest, Offer -> Same), median of REPEAT;
  - status: `node_status` (what `solnet status` and GET /api/v1/status compute), median of
    REPEAT in-process, and the wall time of the `solnet status --json` command;
  - API: `solnet run` serves the home; every listing of bench/http_pages.py is requested, and
    the worst p95 of the server time (Server-Timing) is reported;
  - memory: the resident memory of the running node's whole process tree (node, signature
    workers and any other child) after those requests.
Budgets (docs/design.md section 10): ingest_over_verify > 1.0, bytes_per_event_over_wire <= 1.6,
last_tenth_per_s >= 0.8 x first_tenth_per_s, and at 1M events insync_round_cpu_ms < 2,
status_ms < 150, api_worst_ms < 20; tree_rss_mib < 80 at 100k.
Default 100k events (under 3 minutes); `--events 1000000` for the 1M figures.  Last line: key=value pairs.
`--keep DIR` builds the home under DIR and keeps it; run again with the same DIR, it measures that
home's API again without building (a 1M build takes minutes of both cores): `--keep DIR --api-only`.
"""
from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (PASSPHRASE, device_network, event_count, load_average, raw_verify_rate,  # noqa: E402
                          running, signed_chain, tree_rss_kib, wait_serving)
from bench.http_pages import measure_routes  # noqa: E402
from events.format import decode_event  # noqa: E402
from node import verify_pool  # noqa: E402
from node.demo import localnet  # noqa: E402
from node.home import PASSPHRASE_ENV, Home  # noqa: E402
from node.log import GROUP  # noqa: E402
from node.status import node_status  # noqa: E402
from sync.antientropy import Head  # noqa: E402
from sync.link import LinkProtocol, Role  # noqa: E402
from sync.messages import Credentials  # noqa: E402

BATCH = 500
REPEAT = 20


def ingest(home, wires: list[bytes]) -> tuple[float, float, float]:
    """Ingest `wires` into `home` in batches; (whole-run, first-tenth, last-tenth) events/s."""
    log = home.log()
    per_group = BATCH * GROUP  # one write transaction: a tenth is made of whole ones
    tenth = max(per_group, len(wires) // 10 // per_group * per_group)
    marks: list[tuple[int, float]] = []
    done = 0
    start = time.perf_counter()
    try:
        batches = (wires[i: i + BATCH] for i in range(0, len(wires), BATCH))
        for outcomes in log.ingest_stream(batches):
            bad = [o for o in outcomes if o.status != "accepted"]
            if bad:
                raise SystemExit(f"unexpected outcome: {bad[0]}")
            done += len(outcomes)
            if done >= tenth and not marks:
                marks.append((done, time.perf_counter()))
            if done >= len(wires) - tenth and len(marks) == 1:
                marks.append((done, time.perf_counter()))
        end = time.perf_counter()
    finally:
        log.store.close()
    (first_n, first_t), (last_n, last_t) = marks
    return len(wires) / (end - start), first_n / (first_t - start), (len(wires) - last_n) / (end - last_t)


def _linked(role: Role) -> LinkProtocol:
    """A link's protocol object past its credentials (idle), as after a handshake."""
    p = LinkProtocol(role, message_timeout_s=15.0)
    p.open()
    p.receive(Credentials(()))
    p.credentials_accepted()
    return p


def round_cpu_ms(home) -> float:
    """CPU ms of the costlier side of an in-sync round: each side reads its heads and digests
    them; the dialler sends Offer, the listener finds the digests equal and answers Same."""
    log = home.log()
    try:
        dialler, listener = [], []
        for _ in range(REPEAT):
            mine, theirs = _linked(Role.DIALLER), _linked(Role.LISTENER)
            t0 = time.process_time()
            offer = mine.start_round([Head(*h) for h in log.store.heads()], forks=log.trust.forks)[0].message
            t1 = time.process_time()
            theirs.receive(offer)
            answer = theirs.heads_loaded([Head(*h) for h in log.store.heads()], forks=log.trust.forks)
            t2 = time.process_time()
            if type(answer[0].message).__name__ != "Same":
                raise SystemExit(f"an in-sync round did not end at once: {answer}")
            dialler.append(t1 - t0)
            listener.append(t2 - t1)
        return max(statistics.median(dialler), statistics.median(listener)) * 1000
    finally:
        log.store.close()


def status_ms(home) -> float:
    log = home.log()
    try:
        times = []
        for _ in range(REPEAT):
            t0 = time.perf_counter()
            node_status(home, log)
            times.append(time.perf_counter() - t0)
        return statistics.median(times) * 1000
    finally:
        log.store.close()


def status_command_ms(home) -> float:
    cmd = [*localnet.solnet_command(), "--home", str(home.path), "status", "--json"]
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        subprocess.run(cmd, env={**os.environ, PASSPHRASE_ENV: PASSPHRASE}, capture_output=True, check=True,
                       timeout=60, stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


GROUPS = [("Calais", "calais"), ("Bristol", "bristol")]


@contextmanager
def _workdir(keep: Path | None) -> Iterator[str]:
    """A temporary directory, or `keep` (made, and left in place)."""
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="solnet-bench-") as tmp:
            yield tmp
    else:
        keep.mkdir(parents=True)
        yield str(keep)


def api_times(node: localnet.LocalNode, token: str, device: str, events: int,
              repeat: int) -> tuple[dict[str, dict[str, float | None]], float]:
    """Serve the home with `solnet run`: each route's times (bench.http_pages.measure_routes), and the
    resident memory (MiB) of the node's process tree after them."""
    with running([node]):
        localnet.start(node, PASSPHRASE)
        wait_serving(node, timeout=120)
        conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=60)
        try:
            per_route = measure_routes(conn, token, device, events, repeat)
        finally:
            conn.close()
        tree_mib = tree_rss_kib(node.proc.pid) / 1024
    return per_route, tree_mib


def api_only(keep: Path, repeat: int) -> None:
    """The API figures of a home kept by an earlier `--keep DIR` run, one line per route."""
    name, region = GROUPS[0]
    home = Home(localnet.home_dir(keep, name))
    if not home.db_path.exists():
        raise SystemExit(f"no kept home under {keep}: build one first with --keep {keep} (without --api-only)")
    load_start = load_average()
    node = localnet.LocalNode(name, region, home, localnet.free_ports(1)[0])
    keys = device_network(home).keys
    device = bytes(keys.device.public).hex()
    events = event_count(home.db_path)
    times, tree_mib = api_times(node, home.admin_token(keys), device, events, repeat)
    ranked = sorted(times, key=lambda route: times[route]["server_p95"], reverse=True)
    for route in ranked:
        print(f"{route:18s} server ms: median {times[route]['server_med']:6.2f}  p95 {times[route]['server_p95']:6.2f}")
    worst_route = ranked[0]
    print(f"events={events} api_worst_ms={times[worst_route]['server_p95']:.2f} api_worst_route={worst_route} "
          f"tree_rss_mib={tree_mib:.1f} repeat={repeat} cpus={len(os.sched_getaffinity(0))} "
          f"load_start={load_start} load_end={load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=REPEAT, help="requests per API route")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="build the home under DIR and keep it (DIR must not exist); with --api-only, reuse it")
    parser.add_argument("--api-only", action="store_true",
                        help="measure the API of the home kept under --keep DIR (built before), route by route")
    args = parser.parse_args()
    if args.api_only:
        if args.keep is None:
            parser.error("--api-only measures a kept home: give its --keep DIR")
        api_only(args.keep, args.repeat)
        return
    if args.keep is not None and args.keep.exists():
        parser.error(f"{args.keep} exists: give a new directory to build in, or add --api-only to measure it")
    load_start = load_average()
    with _workdir(args.keep) as tmp:
        node, _other = localnet.create_network(Path(tmp), GROUPS, PASSPHRASE)
        home = node.home
        net = device_network(home)
        t0 = time.perf_counter()
        wires = [ev.encode() for ev in signed_chain(net, args.events)]
        sign_s = time.perf_counter() - t0
        wire_bytes = sum(map(len, wires))
        verify_rate = raw_verify_rate([decode_event(w) for w in wires[:5000]])
        try:  # (the first batch starts the verifier processes, as in a running node)
            rate, first, last = ingest(home, wires)
        finally:
            verify_pool.shutdown()
        del wires
        log = home.log()
        log.store.reclaim()  # checkpoint: the whole database in its main file
        log.store.close()
        db_bytes = sum(f.stat().st_size for f in home.path.glob("solnet.db*"))
        round_ms = round_cpu_ms(home)
        status = status_ms(home)
        status_cmd = status_command_ms(home)
        token = home.admin_token(net.keys)
        device = bytes(net.keys.device.public).hex()
        times, tree_mib = api_times(node, token, device, args.events, args.repeat)
        worst_route = max(times, key=lambda route: times[route]["server_p95"])
        worst = times[worst_route]["server_p95"]
    load_end = load_average()
    print(f"signed {args.events} events in {sign_s:.0f} s ({wire_bytes / args.events:.0f} wire bytes each); "
          f"ingest {rate:.0f}/s (first tenth {first:.0f}/s, last tenth {last:.0f}/s), raw verify {verify_rate:.0f}/s "
          f"on one core; database {db_bytes / 2**20:.0f} MiB; worst API route {worst_route}")
    print(f"events={args.events} ingest_per_s={rate:.0f} verify_per_s_1core={verify_rate:.0f} "
          f"ingest_over_verify={rate / verify_rate:.2f} bytes_per_event={db_bytes / args.events:.0f} "
          f"bytes_per_event_over_wire={db_bytes / wire_bytes:.2f} insync_round_cpu_ms={round_ms:.2f} "
          f"status_ms={status:.1f} status_cmd_ms={status_cmd:.0f} api_worst_ms={worst:.2f} tree_rss_mib={tree_mib:.1f} "
          f"first_tenth_per_s={first:.0f} last_tenth_per_s={last:.0f} last_over_first={last / first:.2f} "
          f"cpus={len(os.sched_getaffinity(0))} load_start={load_start} load_end={load_end}")


if __name__ == "__main__":
    main()
