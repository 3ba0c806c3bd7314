"""Benchmark: one keystroke to the network — from Enter on `solnet publish alert` to the alert stored
on every node, and how many events a node's API publishes per second.

1. Enter to every node: 5 real `solnet run` processes on 127.0.0.1 in a line (each dials the next);
   ALERTS times, `solnet publish alert` is started as a new process at one end of the line (the
   passphrase is in its environment, as on a headless Pi: with a node running it is not needed),
   and each node's database is polled read-only (every 2 ms) until it holds the alert. Reported
   from the command's start (Enter) to the alert stored on all five, and to the command's exit.
   References from the same run: `python -c pass` (the interpreter's own start) and `solnet --help`.
2. API publish rate: a lone node takes POST /api/v1/events with 1, 4 and 16 requests in flight;
   events per second and the node's CPU per event, next to the raw single-core Ed25519 sign+verify
   rate measured in the same run (what one event costs at the least). Each level is measured with
   two clients: a load generator's (each request written beforehand as HTTP/1.1 bytes on a
   kept-alive connection, as wrk does; what its rate is given for) and aiohttp's (what a Python
   program would use; at 1 in flight its own work is part of each round trip). With --nostr-relay (the
   `nostr-relay` of a venv where nostr-relay 1.14 is installed; see bench/nostr_reference.py and the
   README), the same number of signed events goes to nostr-relay over its websocket at each level,
   the two taking turns level by level (the order alternating), and the ratio ours/nostr is given.
   Target (issue 15): at least 3 times nostr-relay's rate at each level. Without it, skipped.
3. The everyday commands' start, each a new process, medians of runs taken in turn (so load falls
   on all alike): `solnet --help`, `status` beside a running node (it answers over its local
   channel), `status` of a home no node runs on (read from its files), `ls` (the newest 100
   events), next to `python -c pass`. Target (issue 15): `status` < 150 ms here.
4. With --pi (the default when run as root): `solnet --help`, `status`, `ls` and `publish alert`
   in a cgroup with 1/8 of a core and 512 MiB (bench/pi_cgroup.py; a Raspberry Pi Zero 2 W
   stand-in), next to `python -c pass` there. Only the command runs in the cgroup; the node it
   hands the event to runs outside it.
Every process it starts keeps its compiled bytecode (in a temporary PYTHONPYCACHEPREFIX), as an
installed package does: an environment with PYTHONDONTWRITEBYTECODE=1 would otherwise compile
every solnet module at every start. The load average is printed at the start and the end;
figures taken under load say so.
Targets (issue 15): Enter to the alert stored on all 5 nodes < 300 ms, `solnet status` < 150 ms here (`met`
says both). Last line: key=value. `--alerts 0` leaves part 1 out (to measure the API alone).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import nacl.signing

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.alert_spread import POLL_S, bring_up  # noqa: E402
from bench.common import PASSPHRASE, cpu_seconds, installed_bytecode, running, wait_serving  # noqa: E402
from bench.nostr_reference import VENV_HELP, NostrRelay, RelayUnavailable, relay_executable  # noqa: E402
from bench.pi_cgroup import CgroupUnavailable, PiCgroup  # noqa: E402
from node.demo import localnet  # noqa: E402
from node.demo.localnet import LocalNode  # noqa: E402
from node.home import PASSPHRASE_ENV  # noqa: E402

TARGET_MS = 300
TARGET_OVER_NOSTR = 3.0
STATUS_TARGET_MS = 150
LINE = 5
ALERT_TIMEOUT_S = 30.0
IN_FLIGHT = (1, 4, 16)


def loads() -> str:
    return "load average {:.2f} {:.2f} {:.2f} (1, 5, 15 min; 2 cores)".format(*os.getloadavg())


def env() -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}, PASSPHRASE_ENV: PASSPHRASE}


def timed(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall seconds of each command (each run must succeed), run in turn `runs` times. What
    a command says on stderr (`ls`'s note that only the newest 100 are shown) is kept out of the
    benchmark's output, and shown only if the command fails."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, cmd in commands.items():
            start = time.perf_counter()
            done = subprocess.run(cmd, env=env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, timeout=120)
            times[name].append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"`{' '.join(cmd[-3:])}` failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return {name: statistics.median(t) for name, t in times.items()}


def alert_command(node: LocalNode, text: str) -> list[str]:
    return [*localnet.solnet_command(), "--home", str(node.home.path), "publish", "alert", "--region", node.region,
            "--type", "raid", "--text", text, "--json"]


def sign_verify_rate(seconds: float = 1.5) -> float:
    """Single-core Ed25519 sign + verify pairs per second of an alert-sized message."""
    key = nacl.signing.SigningKey.generate()
    verify, message = key.verify_key, os.urandom(300)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            verify.verify(key.sign(message))
        done += 100
    return done / (time.perf_counter() - start)


# --- 1. Enter to every node -------------------------------------------------------------------------
def newest_alert(db: sqlite3.Connection) -> int:
    return db.execute("SELECT coalesce(max(n), 0) FROM events WHERE kind='alert'").fetchone()[0]


def one_alert(origin: LocalNode, readers: dict[int, sqlite3.Connection], text: str) -> tuple[float, float, int]:
    """Start `solnet publish alert` at `origin`: (seconds to stored on every node, seconds to the
    command's exit, nodes reached)."""
    since = {port: newest_alert(db) for port, db in readers.items()}
    waiting, arrived = set(readers), 0.0
    start = time.perf_counter()
    proc = subprocess.Popen(alert_command(origin, text), env=env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    exited = None
    while (waiting or exited is None) and time.perf_counter() < start + ALERT_TIMEOUT_S:
        for port in list(waiting):
            if newest_alert(readers[port]) > since[port]:
                waiting.discard(port)
                arrived = time.perf_counter() - start
        if exited is None and proc.poll() is not None:
            exited = time.perf_counter() - start
        time.sleep(POLL_S)
    out, err = proc.communicate(timeout=ALERT_TIMEOUT_S)
    if proc.returncode != 0:
        raise SystemExit(f"`solnet publish alert` failed ({proc.returncode}): {err.decode(errors='replace')}")
    return (arrived if not waiting else float("inf")), exited or float("inf"), len(readers) - len(waiting)


def enter_to_every_node(root: Path, alerts: int, rng: random.Random) -> dict[str, float]:
    groups = [(f"Line {i}", "calais") for i in range(LINE)]
    nodes = localnet.create_network(root / "line", groups, PASSPHRASE)
    localnet.line(nodes)
    readers: dict[int, sqlite3.Connection] = {}
    try:
        with running(nodes):
            readers, setup = bring_up(nodes, 5.0, time.perf_counter())
            origin = nodes[0]  # the end of the line: the alert crosses 4 links
            # The first publish also waits for the origin's first round with a peer (restore without forking).
            warm = one_alert(origin, readers, "bench warm-up alert")
            if warm[2] != LINE:
                raise SystemExit("the warm-up alert did not reach every node")
            to_all, to_exit = [], []
            for i in range(alerts):
                time.sleep(0.3 + rng.random() * 0.2)  # independent of the nodes' 100-ms loops
                took, exited, reached = one_alert(origin, readers, f"bench alert {i}: police at the station")
                to_all.append(took)
                to_exit.append(exited)
    finally:
        for db in readers.values():
            db.close()
    print(f"1. {LINE} nodes in a line ({setup}); {alerts} alerts published with `solnet publish alert` at one end")
    ordered = sorted(to_all)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    print(f"   Enter to stored on all {LINE}: median {statistics.median(to_all) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
          f"max {max(to_all) * 1000:.0f} ms; Enter to the command's exit: median "
          f"{statistics.median(to_exit) * 1000:.0f} ms")
    return {"all_p50": statistics.median(to_all), "all_p90": p90, "all_max": max(to_all),
            "exit_p50": statistics.median(to_exit)}


# --- 2. API publish rate ----------------------------------------------------------------------------
def _need(w: int) -> dict:
    return {"kind": "need", "fields": {"category": "water", "region": "calais", "quantity": str(w + 1)}}


async def api_rate(node: LocalNode, in_flight: int, count: int) -> tuple[float, float]:
    """(events/s, node CPU ms per event) for `count` publishes with `in_flight` requests at once,
    each made by aiohttp's client (what a Python program would use)."""
    headers = {"Authorization": f"Bearer {node.admin_token()}"}
    url = f"http://127.0.0.1:{node.port}/api/v1/events"
    left = [count]

    async def worker(session: aiohttp.ClientSession, w: int) -> None:
        while left[0] > 0:
            left[0] -= 1
            async with session.post(url, json=_need(w), headers=headers) as reply:
                if reply.status != 201:
                    raise SystemExit(f"publish refused: {reply.status} {await reply.text()}")
                await reply.read()

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=in_flight), timeout=timeout) as session:
        cpu, start = cpu_seconds(node.proc.pid), time.perf_counter()
        await asyncio.gather(*(worker(session, w) for w in range(in_flight)))
        wall, cpu = time.perf_counter() - start, cpu_seconds(node.proc.pid) - cpu
    return count / wall, cpu / count * 1000


async def api_rate_lean(node: LocalNode, in_flight: int, count: int) -> tuple[float, float]:
    """As `api_rate`, each request written beforehand as HTTP/1.1 bytes on a kept-alive connection and
    each answer read by its Content-Length, as a load generator (wrk, h2load) does: the client's
    own work is then about that of the websocket message and OK that nostr-relay's publishes cost
    their client. The node reads and answers each request as it does aiohttp's."""
    requests = []
    for w in range(in_flight):
        body = json.dumps(_need(w)).encode()
        requests.append((f"POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:{node.port}\r\n"
                         f"Authorization: Bearer {node.admin_token()}\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
    left = [count]

    async def worker(request: bytes) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", node.port)
        try:
            while left[0] > 0:
                left[0] -= 1
                writer.write(request)
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
                status, fields = head.split(b"\r\n", 1)[0], head.lower().split(b"\r\n")
                length = next((int(f.split(b":", 1)[1]) for f in fields if f.startswith(b"content-length:")), None)
                if length is None:
                    raise SystemExit(f"an answer without Content-Length: {head[:200]!r}")
                answer = await asyncio.wait_for(reader.readexactly(length), 60)
                if status.split(b" ")[1] != b"201":
                    raise SystemExit(f"publish refused: {status.decode()} {answer[:300].decode(errors='replace')}")
                if b"connection: close" in fields:
                    raise SystemExit("the node closed a kept-alive connection")
        finally:
            writer.close()

    cpu, start = cpu_seconds(node.proc.pid), time.perf_counter()
    await asyncio.gather(*(worker(r) for r in requests))
    wall, cpu = time.perf_counter() - start, cpu_seconds(node.proc.pid) - cpu
    return count / wall, cpu / count * 1000


def api_rates(lone: LocalNode, count: int, relay: NostrRelay | None,
              ) -> tuple[dict[int, tuple[float, float]], dict[int, tuple[float, float]], dict[int, tuple[float, float]]]:
    """Ours at each level with a load generator's client and with aiohttp's, and, with `relay`,
    nostr-relay's at the same level right before or after ours with the load generator's client
    (the order alternating from level to level, so neither always runs on the warmer machine)."""
    asyncio.run(api_rate(lone, 1, 20))  # warm-up: connections, caches
    asyncio.run(api_rate_lean(lone, 1, 20))
    if relay is not None:
        asyncio.run(relay.publish(relay.sign(20), 1))
    rates, with_aiohttp, nostr = {}, {}, {}
    for turn, c in enumerate(IN_FLIGHT):
        signed = relay.sign(count) if relay is not None else []  # signed before any is timed
        if turn % 2 == 1:
            if relay is not None:
                nostr[c] = asyncio.run(relay.publish(signed, c))
            rates[c] = asyncio.run(api_rate_lean(lone, c, count))
            with_aiohttp[c] = asyncio.run(api_rate(lone, c, count))
        else:
            with_aiohttp[c] = asyncio.run(api_rate(lone, c, count))
            rates[c] = asyncio.run(api_rate_lean(lone, c, count))
            if relay is not None:
                nostr[c] = asyncio.run(relay.publish(signed, c))
    print(f"2. API publish rate on a lone node, {count} publishes per level: " + "; ".join(
        f"{c} in flight: {r:.0f}/s ({cpu:.2f} ms node CPU per event), {with_aiohttp[c][0]:.0f}/s "
        f"({with_aiohttp[c][1]:.2f} ms) with aiohttp's client" for c, (r, cpu) in rates.items()))
    if nostr:
        print("   nostr-relay, the same run: " + "; ".join(
            f"{c} in flight: {r:.0f}/s ({cpu:.2f} ms relay CPU per event), ours {rates[c][0] / r:.2f}x "
            f"({with_aiohttp[c][0] / r:.2f}x with aiohttp's client)" for c, (r, cpu) in nostr.items()))
    else:
        print(f"   the comparison with nostr-relay was skipped; to make it: {VENV_HELP}")
    return rates, with_aiohttp, nostr


# --- 3. the everyday commands' start ----------------------------------------------------------------
def everyday_commands(lone: LocalNode, still: LocalNode, runs: int) -> dict[str, float]:
    """`lone` has a node running (and the API's events); no node runs on `still`."""
    solnet = localnet.solnet_command()
    times = timed({"python": [sys.executable, "-c", "pass"], "help": [*solnet, "--help"],
                   "status": [*solnet, "--home", str(lone.home.path), "status"],
                   "status_no_node": [*solnet, "--home", str(still.home.path), "status"],
                   "ls": [*solnet, "--home", str(lone.home.path), "ls"]}, runs)
    print(f"3. the everyday commands' start, median of {runs} in turn: `python -c pass` {times['python'] * 1000:.0f} ms, "
          f"`solnet --help` {times['help'] * 1000:.0f} ms, `status` {times['status'] * 1000:.0f} ms beside a running "
          f"node, {times['status_no_node'] * 1000:.0f} ms without, `ls` {times['ls'] * 1000:.0f} ms "
          f"(target: `status` < {STATUS_TARGET_MS} ms)", flush=True)
    return times


# --- 4. the command on a Pi-sized CPU ---------------------------------------------------------------
def pi_commands(lone: LocalNode, runs: int) -> dict[str, float] | None:
    home = ["--home", str(lone.home.path)]
    commands = {"python": [sys.executable, "-c", "pass"], "help": [*localnet.solnet_command(), "--help"],
                "status": [*localnet.solnet_command(), *home, "status"],
                "ls": [*localnet.solnet_command(), *home, "ls"],
                "publish": alert_command(lone, "bench alert on a small CPU")}
    try:
        with PiCgroup() as cgroup:
            with cgroup.entered():
                times = timed(commands, runs)
            described = cgroup.describe()
    except CgroupUnavailable as exc:
        print(f"4. skipped the Pi-sized cgroup: {exc}")
        return None
    print(f"4. in a {described} (the command only; the node runs outside), median of {runs}: " + ", ".join(
        f"{name} {t * 1000:.0f} ms" for name, t in times.items()))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=20, help="alerts timed through the line (default 20)")
    parser.add_argument("--requests", type=int, default=1000,
                        help="API publishes per in-flight level and client (default 1000)")
    parser.add_argument("--pi", action=argparse.BooleanOptionalAction, default=os.geteuid() == 0,
                        help="also time the command in a cgroup with 1/8 of a core (default: when root)")
    parser.add_argument("--pi-runs", type=int, default=3)
    parser.add_argument("--start-runs", type=int, default=11, help="runs of each everyday command (default 11)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--nostr-relay", metavar="PATH",
                        help="the nostr-relay executable of a venv where nostr-relay 1.14 is installed (or that "
                             "venv): measured beside the API publish rate. Without it the comparison is skipped")
    args = parser.parse_args()
    if args.start_runs < 1 or args.pi_runs < 1:  # (their medians need one run: 0 ended in a traceback after the rates)
        parser.error("--start-runs and --pi-runs take at least 1")
    load_start = os.getloadavg()[0]
    print(f"start: {loads()}", flush=True)
    started = time.perf_counter()
    try:
        with installed_bytecode():
            run(args, load_start, started)
    except RelayUnavailable as exc:  # the reference was asked for and cannot run: say why, measure nothing
        raise SystemExit(f"publish_latency: {exc}") from None


def run(args: argparse.Namespace, load_start: float, started: float) -> None:
    references = timed({"python": [sys.executable, "-c", "pass"], "help": [*localnet.solnet_command(), "--help"]}, 5)
    python_s, help_s = references["python"], references["help"]
    pairs_per_s = sign_verify_rate()
    print(f"references: `python -c pass` {python_s * 1000:.0f} ms, `solnet --help` {help_s * 1000:.0f} ms, "
          f"raw Ed25519 sign+verify {pairs_per_s:.0f}/s on one core", flush=True)
    relay_exe = relay_executable(args.nostr_relay) if args.nostr_relay else None  # a wrong path: said at once
    with tempfile.TemporaryDirectory(prefix="solnet-bench-") as tmp, contextlib.ExitStack() as stack:
        if args.alerts > 0:
            line = enter_to_every_node(Path(tmp), args.alerts, random.Random(args.seed))
        else:
            line = None
            print("1. Enter to every node: left out (--alerts 0)")
        relay = stack.enter_context(NostrRelay(relay_exe, Path(tmp) / "nostr")) if relay_exe else None
        [lone] = localnet.create_network(Path(tmp) / "lone", [("Lone", "calais")], PASSPHRASE)
        [still] = localnet.create_network(Path(tmp) / "still", [("Still", "calais")], PASSPHRASE)
        with running([lone]):
            localnet.start(lone, PASSPHRASE, sync_interval=3600)
            wait_serving(lone, timeout=60)
            rates, with_aiohttp, nostr = api_rates(lone, args.requests, relay)
            everyday = everyday_commands(lone, still, args.start_runs)
            pi = pi_commands(lone, args.pi_runs) if args.pi else None
    end_load = loads()
    print(f"end: {end_load}; took {time.perf_counter() - started:.0f} s")
    met = (line is None or line["all_p50"] * 1000 < TARGET_MS) and everyday["status"] * 1000 < STATUS_TARGET_MS
    api_met = (all(rates[c][0] >= TARGET_OVER_NOSTR * nostr[c][0] for c in IN_FLIGHT) if nostr else None)
    figures = {
        "line_nodes": LINE, "alerts": args.alerts,
        **({"enter_to_all_p50_ms": f"{line['all_p50'] * 1000:.0f}",
            "enter_to_all_p90_ms": f"{line['all_p90'] * 1000:.0f}",
            "enter_to_all_max_ms": f"{line['all_max'] * 1000:.0f}",
            "cli_exit_p50_ms": f"{line['exit_p50'] * 1000:.0f}"} if line else {}),
        "python_start_ms": f"{python_s * 1000:.0f}", "help_ms": f"{help_s * 1000:.0f}",
        **{f"api_per_s_{c}": f"{r:.0f}" for c, (r, _) in rates.items()},
        **{f"api_cpu_ms_{c}": f"{cpu:.2f}" for c, (_, cpu) in rates.items()},
        **{f"api_aiohttp_per_s_{c}": f"{r:.0f}" for c, (r, _) in with_aiohttp.items()},
        **{f"nostr_per_s_{c}": f"{r:.0f}" for c, (r, _) in nostr.items()},
        **{f"nostr_cpu_ms_{c}": f"{cpu:.2f}" for c, (_, cpu) in nostr.items()},
        **{f"over_nostr_{c}": f"{rates[c][0] / r:.2f}" for c, (r, _) in nostr.items()},
        **{f"over_nostr_aiohttp_{c}": f"{with_aiohttp[c][0] / r:.2f}" for c, (r, _) in nostr.items()},
        "nostr": "measured" if nostr else "skipped",
        "sign_verify_per_s": f"{pairs_per_s:.0f}",
        "start_python_ms": f"{everyday['python'] * 1000:.0f}", "start_help_ms": f"{everyday['help'] * 1000:.0f}",
        "status_ms": f"{everyday['status'] * 1000:.0f}", "status_no_node_ms": f"{everyday['status_no_node'] * 1000:.0f}",
        "ls_ms": f"{everyday['ls'] * 1000:.0f}",
        **({f"pi_{name}_ms": f"{t * 1000:.0f}" for name, t in pi.items()} if pi else {}),
        "load_start_1m": f"{load_start:.2f}", "load_end_1m": f"{os.getloadavg()[0]:.2f}", "target_ms": TARGET_MS,
        "status_target_ms": STATUS_TARGET_MS, "met": "yes" if met else "no",
        "target_over_nostr": TARGET_OVER_NOSTR,
        "api_met": {None: "unknown", True: "yes", False: "no"}[api_met],
    }
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
