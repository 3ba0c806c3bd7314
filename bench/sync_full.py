"""Benchmark: full sync of N events from one running node to a freshly joined one, against the
raw Ed25519 verify rate.

A network of three groups is founded on 127.0.0.1 (node.demo.localnet). The source (founder) stores N
realistic events of its device (signed here, stored through the ingest path), then runs as a real
`solnet run` process. Two freshly joined nodes, holding only their invite's trust chain, sync
from it one after the other:
  1. `solnet sync SOURCE --json` as a real process, default limits: the figure against the budget
     (events stored by the sink / wall time of the command, process start included);
  2. a diagnostic: the same round driven in-process (Node.sync_once) with the receiver's
     per-peer events/s limit lifted, to show what the sync pipeline itself does.
Also checks that the sink stored everything the command said it received.
Budget (docs/design.md section 10): >= 10k events/s.  Last line: key=value pairs.

`--pi`: the Raspberry Pi profile. Both nodes (the source's `solnet run` and the sink's `solnet
sync`) run inside one cgroup with 1/8 of a core and 512 MiB (bench/pi_cgroup.py; needs root and
cgroups with the cpu and memory controllers). The figures are then whether one `solnet sync`
completes and reports exactly what the sink stored, its time, the cgroup's peak memory and CPU;
the 10k/s budget is not for a Pi. The diagnostic is skipped there; events are prepared outside
the cgroup. 20k events by default (under 3 minutes); `--pi --events 100000` takes ~3.5 minutes.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (PASSPHRASE, device_network, event_count,  # noqa: E402
                          load_average, raw_verify_rate, running, signed_chain, solnet_sync, store_wires,
                          wait_serving)
from bench.pi_cgroup import PI_CPU, PI_MEMORY, CgroupUnavailable, PiCgroup  # noqa: E402
from events.format import decode_event  # noqa: E402
from node import verify_pool  # noqa: E402
from node.demo import localnet  # noqa: E402
from node.home import Home  # noqa: E402
from node.net import Node  # noqa: E402
from sync.peers import PeerLimits  # noqa: E402

BUDGET_EVENTS_PER_S = 10_000
PI_DEFAULT_EVENTS = 20_000  # keeps the Pi profile under 3 minutes; 100k there takes ~3.5 min
UNLIMITED = PeerLimits(max_events_per_s=1e9, events_burst=1e9)


async def sync_in_process(home: Home, port: int, limits: PeerLimits) -> tuple[float, int]:
    """One round pulled by an in-process node (its ingest workers started first, so the diagnostic
    shows the pipeline without their start; `solnet run` starts them with its first big batch); the
    round's seconds and events received."""
    node = Node(home, home.keys(PASSPHRASE), limits=limits)
    await node.start(background=False)
    try:
        await asyncio.get_running_loop().run_in_executor(None, verify_pool.start)
        result = await node.sync_once(f"127.0.0.1:{port}")
    finally:
        await node.stop()
    return result.seconds, result.received


def tail(path: Path, lines: int = 8) -> str:
    return "\n  ".join(path.read_text(errors="replace").splitlines()[-lines:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, help="events to sync (default 100000; 20000 with --pi, whose 100000 "
                                                    "take ~3.5 min)")
    parser.add_argument("--no-diagnostic", action="store_true", help="skip the in-process sync without the events/s limit")
    parser.add_argument("--pi", action="store_true",
                        help=f"run both nodes in a cgroup with {PI_CPU:g} of a core and {PI_MEMORY >> 20} MiB (root)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds `solnet sync` may take (default 600)")
    args = parser.parse_args()
    if args.events is None:
        args.events = PI_DEFAULT_EVENTS if args.pi else 100_000
    print(f"load average at start: {load_average()}")
    with contextlib.ExitStack() as stack:
        cgroup = None
        if args.pi:
            try:
                cgroup = stack.enter_context(PiCgroup())
            except CgroupUnavailable as exc:
                print(f"--pi: cannot run the Raspberry Pi profile on this machine: {exc}", file=sys.stderr)
                raise SystemExit(2) from None
            print(f"Pi profile: {cgroup.describe()}; both nodes run inside it")
        run(args, cgroup)


def run(args: argparse.Namespace, cgroup: PiCgroup | None) -> None:
    inside = cgroup.entered if cgroup is not None else contextlib.nullcontext
    diagnostic = not args.no_diagnostic and cgroup is None
    with tempfile.TemporaryDirectory(prefix="solnet-bench-") as tmp:
        source, sink, probe = localnet.create_network(
            Path(tmp), [("Source", "calais"), ("Sink", "dunkirk"), ("Probe", "brighton")], PASSPHRASE)
        net = device_network(source.home)
        t0 = time.perf_counter()
        wires = [ev.encode() for ev in signed_chain(net, args.events)]
        verify_pool.start()
        try:
            store_wires(source.home, wires)
        finally:
            verify_pool.shutdown()  # the bench process holds no worker while the nodes run
        prepare_s = time.perf_counter() - t0
        verify_rate = raw_verify_rate([decode_event(w) for w in wires[:5000]])
        wire_bytes = sum(map(len, wires))
        del wires
        expected = event_count(source.home.db_path)

        with running([source]):
            with inside():
                localnet.start(source, PASSPHRASE)
            slow = 10 if cgroup is not None else 1
            wait_serving(source, timeout=30 * slow)
            before = event_count(sink.home.db_path)
            cpu_before = cgroup.cpu_seconds() if cgroup else None
            with inside():
                summary, command_s = solnet_sync(sink.home, source.port, args.timeout, check=False)
            stored = event_count(sink.home.db_path) - before
            chain_stored = event_count(sink.home.db_path, bytes(net.keys.device.public))
            probe_s = probe_received = 0.0
            if diagnostic:
                probe_before = event_count(probe.home.db_path)
                probe_s, probe_received = asyncio.run(
                    asyncio.wait_for(sync_in_process(probe.home, source.port, UNLIMITED), 300))
                probe_stored = event_count(probe.home.db_path) - probe_before
                if probe_stored < probe_received:
                    print(f"diagnostic sync stored {probe_stored} of {probe_received} received", file=sys.stderr)
            source_log = tail(source.log_path)
        complete = event_count(sink.home.db_path) >= expected
    rate = stored / command_s
    # The report is honest if its new events are exactly the bench events the sink now holds (the
    # handshake may bring a group's chain too: not part of the round, so not counted there).
    accepted = summary["outcomes"].get("accepted", 0)
    honest = accepted == chain_stored and summary["received"] == sum(summary["outcomes"].values())
    print(f"prepared {args.events} events ({wire_bytes / args.events:.0f} B each on the wire) in {prepare_s:.1f} s; "
          f"{os.cpu_count()} cores")
    print(f"`solnet sync`: {command_s:.1f} s for the whole command, exit code {summary['exit_code']}; it reported "
          f"{summary['received']} received, outcomes {summary['outcomes']}, round {summary['seconds']} s; the sink "
          f"stored {stored} ({'complete' if complete else 'INCOMPLETE: the link was cut before the last batches were stored'}"
          f"; the report {'matches' if honest else 'DOES NOT match'} what was stored)")
    if summary.get("error"):
        print(f"`solnet sync` said: {summary['error']}")
    if not complete:
        print("source log (tail):\n  " + source_log)
    extra = ""
    if cgroup is not None:
        peak = cgroup.peak_memory_bytes()
        cpu = cgroup.cpu_seconds()
        throttled = cgroup.throttled_seconds()
        cpu_s = cpu - cpu_before if cpu is not None and cpu_before is not None else None
        print(f"Pi profile: peak memory charged to the cgroup {peak / 2**20 if peak else float('nan'):.0f} MiB (both "
              f"node trees and the page cache of what they wrote; the bench process too while it waited), CPU "
              f"{cpu_s if cpu_s is not None else float('nan'):.1f} s during the command, throttled "
              f"{throttled if throttled is not None else float('nan'):.1f} s in all")
        extra = (f" pi_cpu={PI_CPU:g} cgroup_peak_mib={peak / 2**20 if peak else 0:.0f}"
                 f" cpu_s={cpu_s if cpu_s is not None else 0:.1f}")
    if diagnostic:
        print(f"diagnostic, in-process sink with the per-peer events/s limit lifted: {probe_received} in {probe_s:.1f} s "
              f"= {probe_received / probe_s:.0f} events/s")
    no_limit = f" no_limit_per_s={probe_received / probe_s:.0f}" if probe_s else ""
    met = rate >= BUDGET_EVENTS_PER_S and complete if cgroup is None else complete and honest
    print(f"load average at end: {load_average()}")
    print(f"events={args.events} stored={stored} complete={'yes' if complete else 'no'} "
          f"report_matches={'yes' if honest else 'no'} exit_code={summary['exit_code']} command_s={command_s:.2f} "
          f"sync_per_s={rate:.0f} verify_per_s_1core={verify_rate:.0f} sync_over_verify={rate / verify_rate:.2f}"
          f"{no_limit}{extra} budget_per_s={BUDGET_EVENTS_PER_S if cgroup is None else 'none'} "
          f"met={'yes' if met else 'no'}")


if __name__ == "__main__":
    main()
