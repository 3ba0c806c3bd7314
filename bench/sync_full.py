"""Benchmark: full sync of N events from one running node to a freshly joined one, against the
raw Ed25519 verify rate.

A network of three groups is founded on 127.0.0.1 (node.localnet). The source (founder) stores N
realistic events of its device (signed here, stored through the ingest path), then runs as a real
`solnet run` process. Two freshly joined nodes, holding only their invite's trust chain, sync
from it one after the other:
  1. `solnet sync SOURCE --json` as a real process, default limits: the figure against the budget
     (events stored by the sink / wall time of the command, process start included);
  2. a diagnostic: the same round driven in-process (NodeRuntime.sync_once) with the receiver's
     per-peer events/s limit lifted, to show what the sync pipeline itself does.
Also checks that the sink stored everything the command said it received.
Budget (docs/design.md section 10): >= 10k events/s.  Last line: key=value pairs.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (PASSPHRASE, device_network, event_count, raw_verify_rate, running,  # noqa: E402
                          signed_chain, solnet_sync, store_wires, wait_serving)
from events.format import decode_event  # noqa: E402
from node import localnet, verify_pool  # noqa: E402
from node.home import Home  # noqa: E402
from node.runtime import NodeRuntime  # noqa: E402
from sync.peers import PeerLimits  # noqa: E402

BUDGET_EVENTS_PER_S = 10_000
UNLIMITED = PeerLimits(max_events_per_s=1e9, events_burst=1e9)


async def sync_in_process(home: Home, port: int, limits: PeerLimits) -> tuple[float, int]:
    """One round pulled by an in-process node (signature workers started first, as `solnet run`
    does); the round's seconds and events received."""
    runtime = NodeRuntime(home, home.keys(PASSPHRASE), limits=limits)
    await runtime.start(background=False)
    try:
        await asyncio.get_running_loop().run_in_executor(None, verify_pool.start)
        result = await runtime.sync_once(f"127.0.0.1:{port}")
    finally:
        await runtime.stop()
    return result.seconds, result.received


def tail(path: Path, lines: int = 8) -> str:
    return "\n  ".join(path.read_text(errors="replace").splitlines()[-lines:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--no-diagnostic", action="store_true", help="skip the in-process sync without the events/s limit")
    args = parser.parse_args()
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
            localnet.start(source, PASSPHRASE)
            wait_serving(source)
            time.sleep(1.0)  # let the node finish starting (its signature workers) before timing
            before = event_count(sink.home.db_path)
            summary, command_s = solnet_sync(sink.home, source.port)
            stored = event_count(sink.home.db_path) - before
            probe_s = probe_received = 0.0
            if not args.no_diagnostic:
                probe_before = event_count(probe.home.db_path)
                probe_s, probe_received = asyncio.run(
                    asyncio.wait_for(sync_in_process(probe.home, source.port, UNLIMITED), 300))
                probe_stored = event_count(probe.home.db_path) - probe_before
                if probe_stored < probe_received:
                    print(f"diagnostic sync stored {probe_stored} of {probe_received} received", file=sys.stderr)
            source_log = tail(source.log_path)
        complete = event_count(sink.home.db_path) >= expected
    rate = stored / command_s
    print(f"prepared {args.events} events ({wire_bytes / args.events:.0f} B each on the wire) in {prepare_s:.1f} s; "
          f"{os.cpu_count()} cores")
    print(f"`solnet sync`: {command_s:.1f} s for the whole command; it reported {summary['received']} received, "
          f"outcomes {summary['outcomes']}, round {summary['seconds']} s; the sink stored {stored} "
          f"({'complete' if complete else 'INCOMPLETE: the link was cut before the last batches were stored'})")
    if not complete:
        print("source log (tail):\n  " + source_log)
    if not args.no_diagnostic:
        print(f"diagnostic, in-process sink with the per-peer events/s limit lifted: {probe_received} in {probe_s:.1f} s "
              f"= {probe_received / probe_s:.0f} events/s")
    no_limit = f" no_limit_per_s={probe_received / probe_s:.0f}" if probe_s else ""
    print(f"events={args.events} stored={stored} complete={'yes' if complete else 'no'} command_s={command_s:.2f} "
          f"sync_per_s={rate:.0f} verify_per_s_1core={verify_rate:.0f} sync_over_verify={rate / verify_rate:.2f}"
          f"{no_limit} budget_per_s={BUDGET_EVENTS_PER_S} met={'yes' if rate >= BUDGET_EVENTS_PER_S and complete else 'no'}")


if __name__ == "__main__":
    main()
