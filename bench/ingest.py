"""Benchmark: ingest of synced batches into a fresh store, against the raw Ed25519 verify rate.

Signs N events of one device (another author than the ingesting node), then ingests them in
batches of BATCH (the size sync uses) into a fresh store that knows only the trust events
(`--through-link`: as a link stores a peer's batches, node/net/link_ingest.py, which prepares
them as they come rather than AHEAD batches at once).
Reports events/s, the raw single-core verify rate measured in the same run, and their ratio; and
the CPU time of the ingesting process per event in verify-times (main_cpu_over_verify: its own
work, plus the events it examined itself instead of waiting for a worker), which other work on
the machine skews much less than the rates.
CPU figures, each in CPU time of one verification measured in this run (best of three, so less
skewed by other work): `examined_in_main` is the share of events the ingesting process examined
itself (decode, signature, body: events/examine.py); `main_work_over_verify` that process's CPU
per event without them (the S of `ratio <= 2 / (S + E)` on two cores); `examine_over_verify` one
examination (E: a verification and the rest); `total_cpu_over_verify` the whole pipeline's CPU per
event, ingesting process and workers together (worker start-up included); `cpu_bound_2cores` the
ratio two cores could reach if both were busy all the time (2 / total): what the code allows.
Other work on the machine inflates the run's CPU time too (shared caches, preemption) while the
reference verification is the best of five, so under load these overstate the cost: a quiet run
is the measure; `ingest_over_verify` is what this run got.
Budget (docs/design.md section 10): ratio >= 0.7.  Last line: key=value pairs.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import found_network, load_average, raw_verify_rate, signed_chain  # noqa: E402
from events.examine import examine_records  # noqa: E402
from events.format import decode_event  # noqa: E402
from node import verify_pool  # noqa: E402
from node.log import EventLog  # noqa: E402
from node.long_lived import freeze_started  # noqa: E402
from node.store import Store  # noqa: E402

BATCH = 500


def _best_cpu(works: list, count: int, tries: int = 5) -> list[float]:
    """CPU seconds per item of each of `works` (of `count` items), each the best of `tries`, taken
    in turns (other work on the machine only adds, and changes from one second to the next)."""
    best = [float("inf")] * len(works)
    for _ in range(tries):
        for i, work in enumerate(works):
            cpu = time.process_time()
            work()
            best[i] = min(best[i], (time.process_time() - cpu) / count)
    return best


def _all_accepted(outcomes: list) -> bool:
    bad = [o for o in outcomes if o.status != "accepted"]
    if bad:
        raise SystemExit(f"unexpected outcome: {bad[0]}")
    return True


def _link_modules() -> tuple:
    """What `_through_link` uses (imported before the run is timed: they bring the network stack)."""
    from node.net.database import DbThread
    from node.net.link_ingest import Batch, LinkIngest
    from node.net.link_storage import LogAccess
    from node.net.storage_health import StorageHealth

    return DbThread, Batch, LinkIngest, LogAccess, StorageHealth


async def _through_link(sink: EventLog, batches: list[list[bytes]], home: Path) -> None:
    """`batches` stored as a link stores a peer's (node/net/link_ingest.py: its queue, groups and
    database thread), the peer sending each as soon as the link takes it."""
    DbThread, Batch, LinkIngest, LogAccess, StorageHealth = _link_modules()

    async def unlimited(count: int) -> None:
        return None

    async def stored(batch: Batch, outcomes: list) -> bool:
        return _all_accepted(outcomes)

    async def failed(problem: str) -> None:
        raise SystemExit(f"storing failed: {problem}")

    db = DbThread()
    try:
        link = LinkIngest("bench", LogAccess(db, lambda: sink, StorageHealth(home), lambda: False),
                          limit_events=unlimited, on_stored=stored, on_failed=failed, release=lambda ids: None)
        for wires in batches:
            await link.put(Batch(tuple(wires), False))
        await link.finish(stopping=False)
    finally:
        db.shutdown()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--through-link", action="store_true",
                        help="store the batches as a link stores a peer's (its queue, groups and database thread)")
    args = parser.parse_args()
    load_start = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        net, _source = found_network(Path(tmp) / "source.db")
        t0 = time.perf_counter()
        wires = [ev.encode() for ev in signed_chain(net, args.events)]
        sign_s = time.perf_counter() - t0
        sample = [decode_event(w) for w in wires[:5000]]
        verify_rate = raw_verify_rate(sample)
        verify_cpu, examine_cpu = _best_cpu([lambda: [ev.verify() for ev in sample[:1000]],
                                             lambda: examine_records(wires[:1000], verify=True)], len(sample[:1000]))

        sink = EventLog.create(Store(Path(tmp) / "sink.db"), net.genesis)
        sink.ingest(net.trust_wires)
        verify_pool.shutdown()
        # (no worker started ahead: the first batch starts it, as in a running node, and pays for it)
        if args.through_link:
            _link_modules()
        # The garbage collector as a running node has it when it syncs (`solnet run` calls this once
        # started): what the start made frozen out of full passes, young passes at 5,000 objects. With
        # Python's defaults the main process ran 91 young, 8 middle and 1 full pass per 10,000 events
        # (3.3-3.6 us of CPU an event) where a node runs 11 young and 1 full (1.9 us).
        freeze_started()
        workers_start = _children_cpu()
        start, cpu_start, here_start = time.perf_counter(), time.process_time(), verify_pool.examined_here()
        batches = [wires[i : i + args.batch] for i in range(0, len(wires), args.batch)]
        if args.through_link:
            asyncio.run(_through_link(sink, batches, Path(tmp)))
        else:
            for outcomes in sink.ingest_stream(batches):
                _all_accepted(outcomes)
        elapsed = time.perf_counter() - start
        main_cpu = time.process_time() - cpu_start  # this process only: not the workers
        here = verify_pool.examined_here() - here_start
        verify_pool.shutdown()  # the workers end: their CPU time is counted with the children's
        workers_cpu = _children_cpu() - workers_start
        rate = args.events / elapsed
        sink.store.checkpoint()  # the whole database in its main file (the WAL was counted before 2026-12-02)
        db_bytes = sum(f.stat().st_size for f in Path(tmp).glob("sink.db*"))
        assert sink.store.count() == args.events + len(net.trust_wires)
    total = (main_cpu + workers_cpu) / args.events / verify_cpu
    print(f"signed {args.events} events in {sign_s:.1f} s; ingested in {elapsed:.1f} s "
          f"({args.batch}-event batches, {os.cpu_count()} cores{', through a link' if args.through_link else ''})")
    print(f"events={args.events} batch={args.batch} ingest_per_s={rate:.0f} verify_per_s_1core={verify_rate:.0f} "
          f"ingest_over_verify={rate / verify_rate:.2f} main_cpu_over_verify={main_cpu / args.events * verify_rate:.2f} "
          f"examined_in_main={here / args.events:.2f} "
          f"main_work_over_verify={(main_cpu - here * examine_cpu) / args.events / verify_cpu:.2f} "
          f"examine_over_verify={examine_cpu / verify_cpu:.2f} total_cpu_over_verify={total:.2f} "
          f"cpu_bound_2cores={2 / total:.2f} "
          f"bytes_per_event={db_bytes / args.events:.0f} budget_ratio=0.70 "
          f"load_start={load_start} load_end={load_average()}")


if __name__ == "__main__":
    main()
