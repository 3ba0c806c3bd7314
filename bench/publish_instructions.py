"""Benchmark: where an API publish's CPU goes, in instructions (callgrind), which the load of a
shared machine does not change as it changes wall-clock rates.

A lone node runs under `valgrind --tool=callgrind` (with its instrumentation off until asked, so its
start costs little), and takes PUBLISHES posts of a need (POST /api/v1/events, the load generator's
client of bench/publish_latency.py) with IN_FLIGHT requests at once. Instructions are counted only
while they run, each thread apart, and once more over an idle window of the same node: what its
timers do on their own (the watcher's look every 0.1 s, the status saver, the connection guard's
sweep) runs many more times per publish under valgrind, which slows the node ~40 times, than at
full speed, so that rate per second times the publishing window is taken off. Reported per publish:
the whole process, the event loop's thread (HTTP, the API's handler, the hand-overs), the database
thread (the publish, signing, SQLite, the read-back), and within them SQLite (every statement,
the commit and its write-ahead-log frames included) and the Ed25519 signature. User-space
instructions only: the kernel's part (system calls) is not counted. One caveat: under valgrind
a publish takes ~0.3 s, so the watcher's look that follows it finds one new event, where at full
speed one look covers ~100: the database thread's count holds about one look's fixed work more.
Then, at full speed on a second node, each thread's CPU per publish (user and system, from
/proc: the event loop's thread, the database thread, the rest) over FULL_SPEED publishes, and
with `--syscalls` the system calls per publish (strace -c, every thread).
Needs valgrind (and strace for `--syscalls`). The load average is printed at the start and the end
(the counts do not follow it; the run's length does). The reference: one Ed25519 signature's
instructions, counted in the same publishes (each signs one event). Last line: key=value.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PASSPHRASE, installed_bytecode, load_average, running, wait_serving  # noqa: E402
from bench.publish_latency import api_rate_lean  # noqa: E402
from node.demo import localnet  # noqa: E402
from node.demo.localnet import LocalNode  # noqa: E402

# Functions whose inclusive instructions are named apart (callgrind_annotate's names; the SQLite
# module's query function runs every execute and executemany, the statement's steps and the commit).
PARTS = {"sqlite": "_pysqlite_query_execute", "sign": "crypto_sign_ed25519_detached"}
WARM_UP = 20
FULL_SPEED = 2000  # publishes timed per thread at full speed
START_TIMEOUT_S = 600.0  # a node's start under valgrind, on a loaded machine
_LINE = re.compile(r"^\s*([\d,]+)\s+\([^)]*\)\s+\S*?:(\S+)\s")


def callgrind_control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, capture_output=True, timeout=120)


def dumped(out: Path, before: set[Path]) -> dict[int, Path]:
    """The files of the dump just made, by thread number (1 is the main thread: the event loop)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        files = {p for p in out.parent.glob(out.name + ".*") if re.search(r"-\d+$", p.name)} - before
        if files:
            time.sleep(0.5)  # (each thread's file is written in turn)
            files = {p for p in out.parent.glob(out.name + ".*") if re.search(r"-\d+$", p.name)} - before
            return {int(p.name.rsplit("-", 1)[1]): p for p in files}
        time.sleep(0.1)
    raise SystemExit("callgrind wrote no dump within 60 s")


def counts(path: Path) -> dict[str, int]:
    """A thread's instructions in all (`total`), and inclusive in each of PARTS."""
    text = path.read_text()
    found = re.search(r"^summary:\s*(\d+)", text, re.M)
    out = {"total": int(found.group(1)) if found else 0}
    if out["total"] == 0:
        return {**out, **dict.fromkeys(PARTS, 0)}
    annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", str(path)],
                               check=True, capture_output=True, text=True, timeout=300).stdout
    for part, function in PARTS.items():
        out[part] = max((int(m.group(1).replace(",", "")) for m in map(_LINE.match, annotated.splitlines())
                         if m and m.group(2) == function), default=0)
    return out


def window(node: LocalNode, out: Path, during) -> tuple[dict[int, dict[str, int]], float]:
    """Count while `during()` runs: each thread's counts, and the window's seconds."""
    before = set(out.parent.glob(out.name + ".*"))
    callgrind_control("-i", "on", str(node.proc.pid))
    start = time.perf_counter()
    during()
    took = time.perf_counter() - start
    callgrind_control("-d", str(node.proc.pid))
    callgrind_control("-i", "off", str(node.proc.pid))
    return {thread: counts(path) for thread, path in dumped(out, before).items()}, took


def thread_cpu(pid: int) -> dict[int, tuple[float, float]]:
    """Each thread's CPU seconds so far, user and system (Linux /proc)."""
    tick, out = os.sysconf("SC_CLK_TCK"), {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(OSError, IndexError):  # (a thread that ended meanwhile)
            fields = Path(f"/proc/{pid}/task/{tid}/stat").read_text().rsplit(")", 1)[1].split()
            out[int(tid)] = (int(fields[11]) / tick, int(fields[12]) / tick)
    return out


def cpu_by_thread(node: LocalNode, in_flight: int, publishes: int) -> dict[str, tuple[float, float]]:
    """CPU ms per publish, user and system, of the event loop's thread (the process's first), the
    busiest other (the database thread) and the rest together."""
    before = thread_cpu(node.proc.pid)
    asyncio.run(api_rate_lean(node, in_flight, publishes))
    after = thread_cpu(node.proc.pid)
    used = {tid: tuple((a - b) * 1000 / publishes for a, b in zip(cpu, before.get(tid, (0.0, 0.0))))
            for tid, cpu in after.items()}
    loop = used.pop(node.proc.pid, (0.0, 0.0))
    db = max(used, key=lambda t: sum(used[t]), default=None)
    db_cpu = used.pop(db) if db is not None else (0.0, 0.0)
    rest = (sum(u for u, _ in used.values()), sum(s for _, s in used.values()))
    return {"loop": loop, "db": db_cpu, "rest": rest}


def syscalls(node: LocalNode, in_flight: int, publishes: int, out: Path) -> dict[str, float]:
    """System calls per publish (strace -c over every thread), at full speed."""
    trace = subprocess.Popen(["strace", "-c", "-f", "-o", str(out), "-p", str(node.proc.pid)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not out.exists() and time.monotonic() < deadline and trace.poll() is None:
        time.sleep(0.05)  # (strace creates its output file once it is attached)
    asyncio.run(api_rate_lean(node, in_flight, publishes))
    trace.send_signal(signal.SIGINT)
    trace.wait(timeout=60)
    calls: dict[str, float] = {}
    for line in out.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[3].isdigit() and fields[-1] != "total":
            calls[fields[-1]] = int(fields[3]) / publishes
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--publishes", type=int, default=200, help="publishes counted (default 200)")
    parser.add_argument("--in-flight", type=int, default=1, help="requests at once (default 1)")
    parser.add_argument("--idle-seconds", type=float, default=5.0,
                        help="the idle window whose rate is taken off (default 5)")
    parser.add_argument("--syscalls", action="store_true", help="also count system calls per publish (strace)")
    args = parser.parse_args()
    for tool in ("valgrind", "callgrind_control", "callgrind_annotate", *(("strace",) if args.syscalls else ())):
        if shutil.which(tool) is None:
            raise SystemExit(f"publish_instructions: `{tool}` is not installed (Debian: apt install "
                             f"{'strace' if tool == 'strace' else 'valgrind'})")
    load_start = os.getloadavg()[0]
    print(f"start: {load_average()}", flush=True)
    with installed_bytecode(), tempfile.TemporaryDirectory(prefix="solnet-bench-") as tmp:
        [lone] = localnet.create_network(Path(tmp) / "lone", [("Lone", "calais")], PASSPHRASE)
        out = Path(tmp) / "callgrind.out"
        wrapper = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--separate-threads=yes",
                   f"--callgrind-out-file={out}.%p"]
        with running([lone], stop_timeout=120):
            localnet.start(lone, PASSPHRASE, sync_interval=3600, wrapper=wrapper)
            out = Path(f"{out}.{lone.proc.pid}")
            wait_serving(lone, timeout=START_TIMEOUT_S)
            asyncio.run(api_rate_lean(lone, args.in_flight, WARM_UP))  # connections, caches, the first group
            idle, idle_s = window(lone, out, lambda: time.sleep(args.idle_seconds))
            busy, busy_s = window(lone, out, lambda: asyncio.run(api_rate_lean(lone, args.in_flight, args.publishes)))
        per = {}
        for thread, got in busy.items():
            rest = idle.get(thread, {})
            per[thread] = {k: max(0.0, v - rest.get(k, 0) / idle_s * busy_s) / args.publishes for k, v in got.items()}
        calls = {}
        [plain] = localnet.create_network(Path(tmp) / "plain", [("Plain", "calais")], PASSPHRASE)
        with running([plain]):
            localnet.start(plain, PASSPHRASE, sync_interval=3600)
            wait_serving(plain, timeout=60)
            asyncio.run(api_rate_lean(plain, args.in_flight, 100))
            cpu = cpu_by_thread(plain, args.in_flight, FULL_SPEED)
            if args.syscalls:
                calls = syscalls(plain, args.in_flight, FULL_SPEED // 2, Path(tmp) / "strace.txt")
    report(per, cpu, calls, args, idle, idle_s, busy_s, load_start)


def report(per: dict[int, dict[str, float]], cpu: dict[str, tuple[float, float]], calls: dict[str, float],
           args: argparse.Namespace,
           idle: dict[int, dict[str, int]], idle_s: float, busy_s: float, load_start: float) -> None:
    total = sum(t["total"] for t in per.values())
    db = max(per, key=lambda t: per[t]["sqlite"])  # the thread that runs the statements
    loop = per.get(1, {"total": 0.0})
    others = max(0.0, total - loop["total"] - (per[db]["total"] if db != 1 else 0))
    idle_per_s = sum(t["total"] for t in idle.values()) / idle_s
    print(f"{args.publishes} publishes, {args.in_flight} in flight, in {busy_s:.1f} s under callgrind; per publish "
          f"(the node's idle rate, {idle_per_s / 1e6:.1f}M instructions/s over {idle_s:.0f} s, taken off):")
    sign = per[db]["sign"]
    print(f"  the whole process {total / 1000:,.0f}k instructions"
          + (f", {total / sign:.1f} times its Ed25519 signature's (the reference)" if sign else ""))
    print(f"  the event loop's thread {loop['total'] / 1000:,.0f}k")
    print(f"  the database thread {per[db]['total'] / 1000:,.0f}k: SQLite {per[db]['sqlite'] / 1000:,.0f}k, "
          f"the signature {per[db]['sign'] / 1000:,.0f}k, the rest (the interpreter) "
          f"{(per[db]['total'] - per[db]['sqlite'] - per[db]['sign']) / 1000:,.0f}k")
    print(f"  other threads {others / 1000:,.0f}k")
    print(f"at full speed, {FULL_SPEED} publishes: CPU ms per publish (user + system) " + ", ".join(
        f"{name} {u:.3f} + {sy:.3f}" for name, (u, sy) in (("the event loop's thread", cpu["loop"]),
                                                             ("the database thread", cpu["db"]),
                                                             ("the rest", cpu["rest"]))))
    if calls:
        print("  system calls per publish (strace, full speed): " + ", ".join(
            f"{name} {n:.1f}" for name, n in sorted(calls.items(), key=lambda c: -c[1]) if n >= 0.05))
    figures = {"publishes": args.publishes, "in_flight": args.in_flight,
               "instructions_per_publish": f"{total:.0f}", "loop_thread": f"{loop['total']:.0f}",
               "db_thread": f"{per[db]['total']:.0f}", "sqlite": f"{per[db]['sqlite']:.0f}",
               "sign": f"{sign:.0f}", "over_signature": f"{total / sign:.2f}" if sign else "unknown",
               "other_threads": f"{others:.0f}",
               "idle_instructions_per_s": f"{idle_per_s:.0f}",
               **{f"cpu_ms_{name}": f"{sum(cpu[name]):.3f}" for name in ("loop", "db", "rest")},
               "cpu_ms_sys": f"{sum(sy for _, sy in cpu.values()):.3f}",
               **({"syscalls_per_publish": f"{sum(calls.values()):.1f}"} if calls else {}),
               "load_start_1m": f"{load_start:.2f}", "load_end_1m": f"{os.getloadavg()[0]:.2f}"}
    print(f"end: {load_average()}")
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
