"""Benchmark: start-up time and resident memory of a node holding N events.

A network of two groups is founded on 127.0.0.1 (node.demo.localnet); the founder stores N realistic
events of its device (signed here, stored through the ingest path). Then:
  - start-up: `solnet run` is started STARTS times on that home (page cache warm); each time, the
    seconds from process start to the first `GET /healthz` answered 200 (polled every 5 ms);
  - memory: the last node started serves a full sync to a freshly joined node (`solnet sync`
    as a real process); then its resident memory (VmRSS from /proc/PID/status, and the peak
    VmHWM) is read for the main process, for each signature worker process, and for the whole
    process tree (the node and every process under it): the budget counts the whole tree.
With --sync-in, then a third node (`solnet run`, dialling the first) catches up on the N events by
its own sync, the case where an examining worker runs (node/verify_pool.py): its whole tree's
resident memory is sampled every 0.25 s until it holds them, and the peak (with the worker's own and
the node's at that moment) is reported, with what each process's pages were at the peak
(/proc/PID/smaps_rollup: anonymous memory, that is heaps, Python objects and SQLite's page cache,
against pages of files such as libpython and libcrypto, which RSS counts in every process that maps
them).
Reference, same run: a bare `python -c "import aiohttp"` process: its time to run that import and
print, and its VmRSS.
Every process keeps its compiled bytecode, as an installed package does (bench/common.py
`installed_bytecode`; the first start of each program compiles it, and is not one measured for memory).
Budgets (docs/design.md section 10): whole-tree RSS < 80 MiB; start-up < 1.5 s to serving.
Last line: key=value pairs.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (PASSPHRASE, child_pids, cmdline, event_count, installed_bytecode, load_average,  # noqa: E402
                          network_with_events, proc_status_kib, running, smaps_rollup_kib, solnet_sync, tree_rss_kib,
                          wait_serving)
from node import verify_pool  # noqa: E402
from node.demo import localnet  # noqa: E402
from node.demo.localnet import LocalNode  # noqa: E402

BUDGET_RSS_MIB = 80
BUDGET_START_S = 1.5
SMAPS_FIELDS = ("Rss", "Pss", "Anonymous", "Shared_Clean", "Private_Clean", "Private_Dirty")
REFERENCE = "import aiohttp, sys, time; print('ready', flush=True); sys.stdin.read()"


def reference_process() -> tuple[float, int]:
    """Seconds from start until a bare `import aiohttp` process is ready, and its VmRSS (KiB)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", REFERENCE], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        line = proc.stdout.readline()
        ready = time.perf_counter() - start
        if line.strip() != b"ready":
            raise RuntimeError("the reference process did not start")
        return ready, proc_status_kib(proc.pid)
    finally:
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def workers_of(pid: int) -> tuple[list[int], list[int]]:
    """A node's signature worker processes, and any other children."""
    workers, others = [], []
    for child in child_pids(pid):
        (workers if "verify_worker" in cmdline(child) else others).append(child)
    return workers, others


def catch_up(node: LocalNode, source: LocalNode, events: int, timeout: float = 1200.0) -> dict:
    """Start `node` dialling `source` and sample its process tree's RSS until it holds `events`
    events (or `timeout` s): the peak tree, the node's and its workers' RSS at that sample, the
    workers' own peak."""
    node.peers = [source.port]
    peak = {"tree": 0, "node": 0, "workers": 0, "worker_peak": 0, "samples": 0, "with_worker": 0, "held": 0}
    began = time.monotonic()
    with running([node]):
        localnet.start(node, PASSPHRASE, sync_interval=5.0)
        wait_serving(node, timeout=120)
        while time.monotonic() - began < timeout:
            time.sleep(0.25)
            try:
                own = proc_status_kib(node.proc.pid)
                worker_pids = workers_of(node.proc.pid)[0]
                workers = sum(proc_status_kib(w) for w in worker_pids)
            except (OSError, RuntimeError):  # a worker ended meanwhile
                continue
            tree = tree_rss_kib(node.proc.pid)
            peak["samples"] += 1
            peak["with_worker"] += workers > 0
            peak["worker_peak"] = max(peak["worker_peak"], workers)
            if tree > peak["tree"]:
                peak.update(tree=tree, node=own, workers=workers)
                try:  # what the peak is made of (anonymous vs file-backed pages)
                    peak["node_smaps"] = smaps_rollup_kib(node.proc.pid)
                    peak["worker_smaps"] = [smaps_rollup_kib(w) for w in worker_pids]
                except OSError:
                    pass
            if peak["samples"] % 8 == 0:
                peak["held"] = event_count(node.home.db_path)
                if peak["held"] >= events:
                    break
    peak["seconds"] = time.monotonic() - began
    return peak


def mib(kib: int) -> float:
    return kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--sync-in", action="store_true", help="also measure a third node catching up by its own sync")
    args = parser.parse_args()
    load_start = load_average()
    with installed_bytecode(), tempfile.TemporaryDirectory(prefix="solnet-bench-") as tmp:
        groups = [("Source", "calais"), ("Sink", "dunkirk")] + ([("Catcher", "lille")] if args.sync_in else [])
        (source, sink, *catcher), _net = network_with_events(Path(tmp), groups, args.events)
        held = event_count(source.home.db_path)
        db_mib = sum(f.stat().st_size for f in source.home.path.glob("solnet.db*")) / 2**20
        references = [reference_process() for _ in range(4)][1:]  # (the first one compiles its bytecode)
        ref_start = statistics.median(r[0] for r in references)
        ref_rss = statistics.median(r[1] for r in references)

        starts: list[float] = []
        with running([source]):
            for i in range(args.starts):
                began = time.perf_counter()
                localnet.start(source, PASSPHRASE)
                wait_serving(source, timeout=120, interval=0.005)  # (the unlock alone takes tens of seconds at load 15)
                starts.append(time.perf_counter() - began)
                if i < args.starts - 1:
                    if localnet.stop(source) != 0:
                        raise SystemExit(f"the node did not stop cleanly; see {source.log_path}")
            pid = source.proc.pid
            time.sleep(2.0)
            idle_rss = proc_status_kib(pid)
            summary, sync_s = solnet_sync(sink.home, source.port)
            time.sleep(2.0)
            rss, hwm = proc_status_kib(pid), proc_status_kib(pid, "VmHWM")
            workers, others = workers_of(pid)
            worker_rss = [proc_status_kib(w) for w in workers]
            other_rss = [proc_status_kib(o) for o in others]
            tree = tree_rss_kib(pid)
            if catcher:
                sync_in = catch_up(catcher[0], source, held)
    load_end = load_average()
    start_s = statistics.median(starts)
    print(f"node holding {held} events ({db_mib:.0f} MiB database); start-up to /healthz 200 over {args.starts} starts: "
          + ", ".join(f"{s:.3f}" for s in starts) + " s")
    print(f"served a full sync of {summary['received']} events in {sync_s:.1f} s; main process RSS {mib(idle_rss):.1f} MiB "
          f"idle before it, {mib(rss):.1f} MiB after (peak {mib(hwm):.1f} MiB); signature workers "
          + (", ".join(f"{mib(w):.1f}" for w in worker_rss) or "none") + " MiB; other children "
          + (", ".join(f"{mib(o):.1f}" for o in other_rss) or "none") + f" MiB; whole tree {mib(tree):.1f} MiB "
          f"({verify_pool.worker_count()} worker(s) on this machine)")
    if args.sync_in:
        print(f"a node catching up by its own sync: {sync_in['held']} events held after {sync_in['seconds']:.0f} s; "
              f"its tree at its peak {mib(sync_in['tree']):.1f} MiB (the node {mib(sync_in['node']):.1f}, its workers "
              f"{mib(sync_in['workers']):.1f} MiB); the workers' own peak {mib(sync_in['worker_peak']):.1f} MiB "
              f"(workers seen in {sync_in['with_worker']} of {sync_in['samples']} samples)")
        for who, smaps in [("the node", sync_in.get("node_smaps")), *(("a worker", w) for w in sync_in.get("worker_smaps", []))]:
            if smaps:
                print(f"  {who} at the peak: " + ", ".join(f"{name} {mib(smaps.get(name, 0)):.1f}" for name in SMAPS_FIELDS) + " MiB")
    print(f"reference, bare `python -c 'import aiohttp'`: ready in {ref_start:.3f} s, RSS {mib(ref_rss):.1f} MiB")
    met = mib(tree) < BUDGET_RSS_MIB and start_s < BUDGET_START_S
    print(f"events={held} start_s={start_s:.3f} start_max_s={max(starts):.3f} tree_rss_mib={mib(tree):.1f} rss_mib={mib(rss):.1f} "
          f"rss_peak_mib={mib(hwm):.1f} rss_idle_mib={mib(idle_rss):.1f} "
          f"worker_rss_mib={'+'.join(f'{mib(w):.1f}' for w in worker_rss) or '0'} "
          f"ref_import_aiohttp_s={ref_start:.3f} ref_import_aiohttp_rss_mib={mib(ref_rss):.1f} "
          f"start_over_ref={start_s / ref_start:.1f} rss_over_ref={rss / ref_rss:.1f} "
          f"budget_tree_rss_mib={BUDGET_RSS_MIB} budget_start_s={BUDGET_START_S} met={'yes' if met else 'no'} "
          + (f"sync_in_tree_peak_mib={mib(sync_in['tree']):.1f} sync_in_worker_peak_mib={mib(sync_in['worker_peak']):.1f} "
             if args.sync_in else "")
          + f"load_start={load_start} load_end={load_end}")


if __name__ == "__main__":
    main()
