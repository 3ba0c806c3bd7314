"""Five `solnet run` nodes in network namespaces: partition, publish, SIGKILL a node, heal, converge.

Run ONLY inside the unshare sandbox of tests/netns/sandbox.py (test_partition_heal.py
starts it that way); the script refuses to run anywhere else. It builds a "hub" namespace with a
bridge and one namespace per node joined to it by a veth pair, with addresses in 10.77.0.0/24 that
exist only inside the sandbox. The sandbox has no default route and no control veth: node state is
read from the home folders (SQLite read-only, `solnet status --json`), never over the network.
Partition = nft drop rules on the hub's bridge (iptables DROP in the node namespaces where nft is
missing); heal = delete them.

Usage: python netns_partition_scenario.py CONFIG.json   (CONFIG is written by the test)
Prints exactly one JSON line on stdout: {"ok": bool, "failures": [...], "timings_s": {...}, ...}.
Every wait is bounded, all of them together by `deadline_s`; whatever is left running dies with the
sandbox's PID namespace.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sync.antientropy import Head, frontier_digest

SUBNET_PREFIX = "10.77.0."
PORT = 7700
HUB = "snhub"
BRIDGE = "snbr0"
NFT_TABLE = "solnet_partition"
SYNC_INTERVAL_S = 2.0
START_TIMEOUT_S = 15.0
CONVERGE_TIMEOUT_S = 15.0
HEAL_TIMEOUT_S = 30.0
ALERT_TIMEOUT_S = 10.0
HOLD_S = 2.0  # once each side has converged, how long we watch that nothing crosses the partition
PROBE_TIMEOUT_S = 1.0
HEADS_SQL = "SELECT keys.key, heads.seq, heads.id FROM heads JOIN keys USING (k)"
ROUND_LINE = re.compile(rb"synced, received \d+, sent \d+ in ([0-9.]+) s")


class ScenarioFailed(Exception):
    """A step did not reach its expected state in time; the message says which and what was seen."""


@dataclass
class Node:
    name: str
    home: Path
    ip: str
    ns: str
    peers: list[str]
    proc: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def listen(self) -> str:
        return f"{self.ip}:{PORT}"


@dataclass(frozen=True)
class Snapshot:
    ids: frozenset[bytes]
    digest: str


class Clock:
    """Bounds every wait by its own timeout and by the scenario's overall deadline."""

    def __init__(self, deadline_s: float) -> None:
        self.start = time.monotonic()
        self.deadline = self.start + deadline_s

    def wait_until(self, predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
        end = min(time.monotonic() + timeout, self.deadline)
        while time.monotonic() < end:
            if predicate():
                return True
            time.sleep(interval)
        return predicate()


# --- plumbing ------------------------------------------------------------------------------------
def run(*args: str, input: str | None = None, timeout: float = 10.0) -> subprocess.CompletedProcess:
    proc = subprocess.run(list(args), input=input, capture_output=True, text=True, timeout=timeout,
                          stdin=None if input is not None else subprocess.DEVNULL)
    if proc.returncode != 0:
        raise ScenarioFailed(f"`{' '.join(args)}` exited {proc.returncode}: {proc.stderr.strip()}")
    return proc


def in_ns(ns: str, *args: str) -> list[str]:
    return ["ip", "netns", "exec", ns, *args]


def assert_sandboxed() -> None:
    """Refuse to touch the network unless we are the init of a fresh PID namespace, in a network
    namespace that holds nothing but loopback (so no route leads out of the sandbox)."""
    if os.getpid() != 1:
        raise ScenarioFailed("refusing to run: not PID 1 of a fresh PID namespace (start me through the unshare "
                             "sandbox of tests/netns/sandbox.py, as test_partition_heal.py does)")
    # A fresh namespace may hold down, address-less fallback devices (tunl0, sit0...): harmless.
    addresses = [line.split()[1] for line in run("ip", "-o", "addr", "show").stdout.splitlines()
                 if line.split()[1] != "lo"]
    default = (run("ip", "route", "show", "default").stdout + run("ip", "-6", "route", "show", "default").stdout).strip()
    if addresses or default:
        raise ScenarioFailed(f"refusing to run: this network namespace is not the sandbox's empty one "
                             f"(addresses on {addresses}, default route {default!r})")


# --- the network ---------------------------------------------------------------------------------
def build_network(nodes: list[Node]) -> None:
    """A bridge in the hub namespace; each node's namespace joined to it by a veth pair."""
    run("ip", "netns", "add", HUB)
    run("ip", "-n", HUB, "link", "set", "lo", "up")
    run("ip", "-n", HUB, "link", "add", BRIDGE, "type", "bridge")
    run("ip", "-n", HUB, "link", "set", BRIDGE, "up")
    for node in nodes:
        hub_end = f"h-{node.name}"  # interface names: at most 15 characters
        run("ip", "netns", "add", node.ns)
        run("ip", "link", "add", "eth0", "netns", node.ns, "type", "veth", "peer", "name", hub_end, "netns", HUB)
        run("ip", "-n", HUB, "link", "set", hub_end, "master", BRIDGE, "up")
        run("ip", "-n", node.ns, "addr", "add", f"{node.ip}/24", "dev", "eth0")
        run("ip", "-n", node.ns, "link", "set", "eth0", "up")
        run("ip", "-n", node.ns, "link", "set", "lo", "up")


def partition(side_a: list[Node], side_b: list[Node], method: str) -> None:
    """Drop every packet between the two sides (silently: like a cut cable, not a refusal)."""
    if method == "nft":
        a_ips = ", ".join(n.ip for n in side_a)
        b_ips = ", ".join(n.ip for n in side_b)
        rules = (f"table bridge {NFT_TABLE} {{\n"
                 f"  chain forward {{\n    type filter hook forward priority 0; policy accept;\n"
                 f"    ip saddr {{ {a_ips} }} ip daddr {{ {b_ips} }} drop\n"
                 f"    ip saddr {{ {b_ips} }} ip daddr {{ {a_ips} }} drop\n  }}\n}}\n")
        run(*in_ns(HUB, "nft", "-f", "-"), input=rules)
        return
    for mine, theirs in ((side_a, side_b), (side_b, side_a)):
        for node in mine:
            for other in theirs:
                run(*in_ns(node.ns, "iptables", "-A", "INPUT", "-s", other.ip, "-j", "DROP"))
                run(*in_ns(node.ns, "iptables", "-A", "OUTPUT", "-d", other.ip, "-j", "DROP"))


def heal(nodes: list[Node], method: str) -> None:
    if method == "nft":
        run(*in_ns(HUB, "nft", "delete", "table", "bridge", NFT_TABLE))
        return
    for node in nodes:
        run(*in_ns(node.ns, "iptables", "-F", "INPUT"))
        run(*in_ns(node.ns, "iptables", "-F", "OUTPUT"))


def reachable(pairs: list[tuple[Node, Node]]) -> dict[str, bool]:
    """TCP connect from each source namespace to the destination node's port (all at once)."""
    code = ("import socket, sys\n"
            "try:\n    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3])).close()\n"
            "except OSError:\n    sys.exit(1)\n")
    procs = {f"{src.name}->{dst.name}": subprocess.Popen(
        in_ns(src.ns, sys.executable, "-c", code, dst.ip, str(PORT), str(PROBE_TIMEOUT_S)),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for src, dst in pairs}
    return {key: p.wait(PROBE_TIMEOUT_S + 10) == 0 for key, p in procs.items()}


# --- nodes ---------------------------------------------------------------------------------------
def make_nodes(config: dict) -> list[Node]:
    """Nodes A..E at 10.77.0.11..15, a full mesh where each link is dialled once (by the lower index)."""
    nodes = [Node(h["name"], Path(h["home"]), f"{SUBNET_PREFIX}{11 + i}", f"sn-{h['name']}", [])
             for i, h in enumerate(config["homes"])]
    for i, node in enumerate(nodes):
        node.peers = [f"{other.ip}:{PORT}" for other in nodes[i + 1:]]
    return nodes


def start(node: Node, solnet: list[str], env: dict[str, str], log_dir: Path) -> None:
    cmd = in_ns(node.ns, *solnet, "--home", str(node.home), "run", "--listen", node.listen,
                "--sync-interval", str(SYNC_INTERVAL_S))
    for peer in node.peers:
        cmd += ["--peer", peer]
    node.log_path = log_dir / f"node-{node.name}.log"
    with open(node.log_path, "ab") as log_file:
        log_file.write(f"=== start: {' '.join(cmd)}\n".encode())
        log_file.flush()
        # `ip netns exec` execs the program: this PID is the node's own.
        node.proc = subprocess.Popen(cmd, env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def is_listening(node: Node) -> bool:
    """The current run (since the last "=== start") printed its banner."""
    return node.log_path is not None and b"running; peers connect" in node.log_path.read_bytes().split(b"=== start")[-1]


def stop_process(proc: subprocess.Popen | None, timeout: float = 10.0) -> int | None:
    """SIGTERM and wait: the exit code; None if it had to be killed (or never started)."""
    if proc is None or proc.poll() is not None:
        return proc.returncode if proc else None
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        return None


def stop(node: Node, timeout: float = 10.0) -> int | None:
    return stop_process(node.proc, timeout)


def publish(jobs: list[tuple[Node, list[str]]], solnet: list[str], env: dict[str, str]) -> set[bytes]:
    """`solnet publish` for each job, all at once, while the nodes run (files only, no network)."""
    procs = [subprocess.Popen([*solnet, "--home", str(node.home), "publish", *args, "--json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
             for node, args in jobs]
    ids = set()
    for (node, args), p in zip(jobs, procs):
        out, err = p.communicate(timeout=30)
        if p.returncode != 0:
            raise ScenarioFailed(f"publish {args[0]} on {node.name} exited {p.returncode}: {err.strip()}")
        ids.add(bytes.fromhex(json.loads(out)["id"]))
    return ids


def alert(region: str, kind: str, text: str) -> list[str]:
    return ["alert", "--region", region, "--type", kind, "--location", "centre", "--text", text]


def goods(kind: str, category: str, quantity: int, region: str) -> list[str]:
    return [kind, "--category", category, "--quantity", str(quantity), "--region", region]


def snapshot(node: Node) -> Snapshot | None:
    """The node's stored event ids and frontier digest, read from its database read-only."""
    try:
        db = sqlite3.connect(f"file:{node.home / 'solnet.db'}?mode=ro", uri=True, timeout=2.0)
        try:
            ids = frozenset(r[0] for r in db.execute("SELECT id FROM events"))
            heads = [Head(a, s, i) for a, s, i in db.execute(HEADS_SQL)]
        finally:
            db.close()
    except sqlite3.Error:
        return None  # busy, or a writer mid-checkpoint: the caller polls again
    return Snapshot(ids, frontier_digest(heads).hex())


def converged(nodes: list[Node], must_hold: set[bytes]) -> bool:
    """All `nodes` hold the same events (same ids, same frontier digest), including all of `must_hold`."""
    snaps = [snapshot(n) for n in nodes]
    if any(s is None for s in snaps):
        return False
    return len({s.ids for s in snaps}) == 1 and len({s.digest for s in snaps}) == 1 and must_hold <= snaps[0].ids


def holds(nodes: list[Node], ids: set[bytes]) -> bool:
    return all((s := snapshot(n)) is not None and ids <= s.ids for n in nodes)


def describe(nodes: list[Node], ids_of: dict[str, set[bytes]]) -> dict:
    """For failure messages: per node its count, digest prefix, and how many of each published set it lacks."""
    out: dict = {}
    for node in nodes:
        snap = snapshot(node)
        out[node.name] = "unreadable" if snap is None else {
            "events": len(snap.ids), "digest": snap.digest[:16],
            "lacks": {label: len(ids - snap.ids) for label, ids in ids_of.items()}}
    return out


def status_json(node: Node, solnet: list[str], env: dict[str, str]) -> dict:
    proc = subprocess.run([*solnet, "--home", str(node.home), "status", "--json"], env=env, capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise ScenarioFailed(f"status of {node.name} exited {proc.returncode}: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def integrity(node: Node) -> str:
    db = sqlite3.connect(f"file:{node.home / 'solnet.db'}?mode=ro", uri=True, timeout=5.0)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def longest_round_s(nodes: list[Node]) -> float:
    """The longest anti-entropy round any node logged (diagnostic: rounds hung by the partition)."""
    seconds = [float(m.group(1)) for n in nodes if n.log_path and n.log_path.exists()
               for m in ROUND_LINE.finditer(n.log_path.read_bytes())]
    return max(seconds, default=0.0)


# --- the scenario --------------------------------------------------------------------------------
def scenario(nodes: list[Node], config: dict, result: dict, clock: Clock) -> None:
    timings = result["timings_s"]

    def mark(name: str, since: float) -> None:
        timings[name] = round(time.monotonic() - since, 2)

    solnet = config["solnet"]
    env = {**os.environ, "SOLNET_PASSPHRASE": config["passphrase"], "TZ": "UTC"}
    log_dir = Path(config["log_dir"])
    method = config.get("firewall") or ("nft" if shutil.which("nft") else "iptables")
    result["partition_method"] = method
    a, b, c, d, e = nodes
    side1, side2 = [a, b], [c, d, e]

    t = time.monotonic()
    build_network(nodes)
    mark("network_setup", t)

    # 1. All five up and in sync (joined groups learn each other's devices only by syncing).
    t = time.monotonic()
    for node in nodes:
        start(node, solnet, env, log_dir)
    if not clock.wait_until(lambda: all(is_listening(n) for n in nodes), START_TIMEOUT_S):
        raise ScenarioFailed(f"not listening after {START_TIMEOUT_S} s: {[n.name for n in nodes if not is_listening(n)]}")
    if not clock.wait_until(lambda: converged(nodes, set()), CONVERGE_TIMEOUT_S):
        raise ScenarioFailed(f"no initial convergence in {CONVERGE_TIMEOUT_S} s: {describe(nodes, {})}")
    baseline = snapshot(a).ids
    result["baseline_events"] = len(baseline)
    mark("start_and_initial_sync", t)

    # 2. Partition {A,B} | {C,D,E}; check it cuts across and leaves each side connected.
    t = time.monotonic()
    partition(side1, side2, method)
    probes = reachable([(a, b), (c, e), (a, c), (e, b)])
    result["probes_partitioned"] = probes
    if probes != {"A->B": True, "C->E": True, "A->C": False, "E->B": False}:
        raise ScenarioFailed(f"the partition is not as intended: {probes}")

    # 3. Publish on both sides, an alert on each: each side converges, nothing crosses.
    ids1 = publish([(a, goods("need", "tents", 12, "calais")), (a, alert("calais", "raid", "police at the port")),
                    (b, goods("offer", "blankets", 30, "brighton"))], solnet, env)
    ids2 = publish([(c, goods("need", "water", 40, "bristol")), (d, alert("cardiff", "eviction", "bailiffs at the squat")),
                    (e, goods("need", "shoes", 7, "dover"))], solnet, env)
    ids_of = {"side1": ids1, "side2": ids2}
    t_pub = time.monotonic()
    if not clock.wait_until(lambda: converged(side1, ids1) and converged(side2, ids2), CONVERGE_TIMEOUT_S):
        raise ScenarioFailed(f"the sides did not converge internally in {CONVERGE_TIMEOUT_S} s: {describe(nodes, ids_of)}")
    mark("sides_converge_in_partition", t_pub)
    time.sleep(config.get("partition_hold_s", HOLD_S))
    leaks = {}
    for node in nodes:
        other_side = ids2 if node in side1 else ids1
        leaks[node.name] = len(other_side & snapshot(node).ids)
    result["partition_leaks"] = leaks
    if any(leaks.values()):
        raise ScenarioFailed(f"events crossed the partition: {leaks}")

    # 4. SIGKILL E during the partition; both sides go on publishing (E misses side 2's new events).
    e.proc.send_signal(signal.SIGKILL)
    result["killed_exit"] = e.proc.wait(10)
    ids1 |= publish([(b, alert("brighton", "arrest", "arrests at the station"))], solnet, env)
    more2 = publish([(c, goods("offer", "food", 50, "bristol")), (d, goods("need", "phones", 3, "cardiff"))], solnet, env)
    ids2 |= more2
    if not clock.wait_until(lambda: converged(side1, ids1) and converged([c, d], ids2), CONVERGE_TIMEOUT_S):
        raise ScenarioFailed(f"the sides did not converge after the kill in {CONVERGE_TIMEOUT_S} s: "
                             f"{describe(nodes, ids_of)}")
    if more2 & snapshot(e).ids:
        raise ScenarioFailed("the killed node holds events published after its death")
    mark("partition_total", t)

    # 5. Heal, restart E at once: all five converge on everything, within a bound.
    t = time.monotonic()
    heal(nodes, method)
    start(e, solnet, env, log_dir)
    everything = ids1 | ids2 | baseline
    live_done: float | None = None

    def all_converged() -> bool:
        nonlocal live_done
        if live_done is None and converged([a, b, c, d], everything):
            live_done = time.monotonic() - t
        return live_done is not None and converged(nodes, everything)

    done = clock.wait_until(all_converged, HEAL_TIMEOUT_S)
    all_done = time.monotonic() - t
    probes = reachable([(a, c), (d, b), (a, b)])
    result["probes_healed"] = probes
    if not done:
        raise ScenarioFailed(f"no convergence {all_done:.0f} s after the heal (the four live nodes "
                             f"{'did' if live_done is not None else 'did not'} converge; probes {probes}): "
                             f"{describe(nodes, ids_of)}")
    timings["heal_to_live_converged"] = round(live_done, 2)
    timings["heal_to_all_converged"] = round(all_done, 2)
    if not all(probes.values()):
        raise ScenarioFailed(f"after the heal a node is unreachable: {probes}")

    # 6. The healed links carry gossip: an alert from the restarted node reaches all five.
    t = time.monotonic()
    last_alert = publish([(e, alert("dover", "border_check", "checks at the ferry"))], solnet, env)
    if not clock.wait_until(lambda: holds(nodes, last_alert), ALERT_TIMEOUT_S, interval=0.05):
        raise ScenarioFailed(f"an alert published after the heal did not reach all five in {ALERT_TIMEOUT_S} s: "
                             f"{describe(nodes, {'alert': last_alert})}")
    mark("alert_after_heal_everywhere", t)
    everything |= last_alert
    if not clock.wait_until(lambda: converged(nodes, everything), CONVERGE_TIMEOUT_S):
        raise ScenarioFailed(f"not converged after the last alert: {describe(nodes, {'all': everything})}")

    # 7. `solnet status` agrees with what we read; E's database survived SIGKILL intact.
    statuses = {n.name: status_json(n, solnet, env) for n in nodes}
    result["final"] = {name: {"events": s["events"], "frontier_digest": s["frontier_digest"], "pending": s["pending"],
                              "forks": s["forks"], "links": s.get("node", {}).get("links")}
                       for name, s in statuses.items()}
    if {s["frontier_digest"] for s in statuses.values()} != {snapshot(a).digest}:
        raise ScenarioFailed(f"`solnet status` disagrees with the databases: {result['final']}")
    result["integrity_e"] = integrity(e)
    result["events_published"] = len(everything - baseline)
    result["events_total"] = len(everything)


def scenario_main(body: Callable[[dict, dict, Clock], None], finish: Callable[[dict], None]) -> int:
    """The frame of a sandboxed scenario: read CONFIG.json (argv[1]), refuse to run outside the
    sandbox, run `body(config, result, clock)`, always `finish(result)` (stop what it started), and
    print `result` as one JSON line: {"ok": bool, "failures": [...], ...}. Exit 0 only if ok."""
    config = json.loads(Path(sys.argv[1]).read_text())
    clock = Clock(config.get("deadline_s", 80.0))
    result: dict = {"ok": False, "failures": []}
    try:
        assert_sandboxed()
        body(config, result, clock)
        result["ok"] = True
    except ScenarioFailed as exc:
        result["failures"].append(str(exc))
    except Exception as exc:  # anything unexpected is a failure too, named by its type
        result["failures"].append(f"{type(exc).__name__}: {exc}")
    finally:
        finish(result)
    print(json.dumps(result), flush=True)
    return 0 if result["ok"] else 1


def main() -> int:
    nodes = make_nodes(json.loads(Path(sys.argv[1]).read_text()))
    started = time.monotonic()

    def body(config: dict, result: dict, clock: Clock) -> None:
        result["timings_s"] = {}
        scenario(nodes, config, result, clock)

    def finish(result: dict) -> None:
        # SIGTERM every node (a clean stop exits 0); the sandbox SIGKILLs whatever is left anyway.
        result["exit_codes"] = {n.name: stop(n) for n in nodes if n.proc is not None}
        result["longest_round_s"] = longest_round_s(nodes)
        result.setdefault("timings_s", {})["total"] = round(time.monotonic() - started, 2)

    return scenario_main(body, finish)


if __name__ == "__main__":
    sys.exit(main())
