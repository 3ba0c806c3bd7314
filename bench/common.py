"""Shared set-up for benchmarks: a founded network and a device that signs many realistic events;
for the network benchmarks, real nodes (node.demo.localnet), their processes, and a byte-counting relay."""
from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from crypto.keys import SigningKey, verify_signature
from crypto.keystore import NodeKeys
from events.canonical import pack, unpack
from events.format import SIGN_CONTEXT, Event, sign_event
from events.genesis import Genesis, make_genesis
from node import verify_pool
from node.demo import localnet
from node.home import PASSPHRASE_ENV, Home
from node.demo.localnet import LocalNode
from node.demo.progress import own_cpu_seconds as cpu_seconds  # noqa: F401 (the benches read a node's CPU here)
from node.log import EventLog, now_ms
from node.store import Store
from node.store.uri import database_uri

REGIONS = ("calais", "dunkirk", "brighton", "bristol", "cardiff", "london", "manchester", "glasgow")


@dataclass
class Network:
    genesis: Genesis
    keys: NodeKeys
    trust_wires: list[bytes]


def found_network(path: Path) -> tuple[Network, EventLog]:
    keys = NodeKeys.generate(with_group=True)
    genesis = make_genesis("bench", [bytes(keys.group.public)], now_ms() - 10 * 86_400_000)
    log = EventLog.create(Store(path), genesis)
    log.append(keys.group, "member.vouch", {"subject": bytes(keys.device.public), "role": "device",
                                            "encryption_key": bytes(keys.device_encryption.public)})
    log.append(keys.group, "group.profile", {"name": "Bench", "region": "calais"})
    return Network(genesis, keys, list(log.store.iter_wire())), log


def _until(i: int, rnd: random.Random, now: int) -> dict:
    """A need's or offer's `until`: a third lapsed (1-30 days ago: a log keeps them until their bodies
    expire, and the open listings must not walk them), a third to come, a third open-ended."""
    if i % 3 == 0:
        return {"until": now - rnd.randint(1, 30) * 86_400_000}
    return {"until": now + rnd.randint(1, 30) * 86_400_000} if i % 3 == 1 else {}


def realistic_fields(i: int, rnd: random.Random, now: int) -> tuple[str, dict]:
    region = rnd.choice(REGIONS)
    pick = i % 5
    if pick == 0:
        return "action", {"title": f"Solidarity action {i}", "region": region, "type": "protest",
                          "starts_at": now + rnd.randint(0, 30) * 86_400_000, "place": "Town hall square",
                          "description": "Bring warm clothes and friends. " * 4, "languages": ["en", "fr"]}
    if pick == 1 and i % 50 == 1:  # now and then, places to take people (the region summary's capacity)
        return "support.offer", {"region": region, "type": rnd.choice(("housing", "accompaniment")),
                                 "capacity": rnd.randint(1, 6), "until": now + rnd.randint(1, 60) * 86_400_000}
    if pick == 1:
        return "need", {"category": rnd.choice(("tents", "blankets", "shoes")), "quantity": rnd.randint(1, 50),
                        "region": region, "notes": "sizes 40-44, men's", "urgency": rnd.choice(("low", "high")),
                        **_until(i, rnd, now)}
    if pick == 2 and i % 50 == 2:
        return "resource", {"title": f"Know your rights {i}", "languages": ["ar", "en"], "region": region,
                            "summary": "What the police may and may not do", "link": "https://example.org/r.pdf"}
    if pick == 2:
        return "offer", {"category": "sleeping_bags", "quantity": rnd.randint(1, 50), "region": region,
                         **_until(i, rnd, now)}
    if pick == 3:
        return "fundraiser", {"title": f"Fund {i}", "goal": 200_000, "currency": "EUR", "region": region,
                              "how_to_give": "Bank transfer, reference WINTER"}
    return "support.request", {"region": region, "type": "housing", "people": "2", "urgency": "high",
                               "sealed": rnd.randbytes(300)}


SPACING_MS = 4000  # between the chain's events: ~8 MiB a day, within a device's share (node/author_share.py)


def signed_chain(net: Network, count: int, *, seed: int = 1) -> Iterator[Event]:
    """`count` events of the bench device's chain, seq 1..count, timestamps in the recent past,
    SPACING_MS apart (one a second was 33 MiB of events a day, past one device's share of the log)."""
    rnd = random.Random(seed)
    now = now_ms()
    prev = None
    for i in range(count):
        kind, fields = realistic_fields(i, rnd, now)
        ev = sign_event(net.keys.device, network=net.genesis.network_id, seq=i + 1, prev=prev,
                        timestamp=now - (count - i) * SPACING_MS, kind=kind, body=pack(fields))
        prev = ev.id
        yield ev


def raw_verify_rate(events: list[Event], seconds: float = 2.0) -> float:
    """Single-core Ed25519 verifications per second of these events' signatures (the physical limit)."""
    jobs = [(ev.header.author, SIGN_CONTEXT + ev.header_bytes, ev.signature) for ev in events]
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for author, message, signature in jobs:
            verify_signature(author, message, signature)
        done += len(jobs)
    return done / (time.perf_counter() - start)


# --- networks of real nodes (node.demo.localnet) ---------------------------------------------------------
PASSPHRASE = "bench passphrase, not a secret"


def device_network(home: Home) -> Network:
    """The founded network seen from `home`, with that node's keys: `signed_chain` then signs as its device."""
    log = home.log()
    try:
        return Network(log.genesis, home.keys(PASSPHRASE), [])
    finally:
        log.store.close()


def store_wires(home: Home, wires: list[bytes], batch: int = 500, fresh_only: bool = True) -> None:
    """Store events in `home` through the ingest path (verified, chained, projected), as a sync would
    (`fresh_only`: none of them held already)."""
    log = home.log()
    stored = {"accepted"} if fresh_only else {"accepted", "duplicate"}
    try:
        for outcomes in log.ingest_stream(wires[i : i + batch] for i in range(0, len(wires), batch)):
            bad = [o for o in outcomes if o.status not in stored]
            if bad:
                raise RuntimeError(f"could not store the bench events: {bad[0]}")
    finally:
        log.store.close()


def wire_log(home: Home) -> list[bytes]:
    """Every event `home` holds, as wires."""
    log = home.log()
    try:
        return list(log.store.iter_wire())
    finally:
        log.store.close()


def network_with_events(root: Path, groups: list[tuple[str, str]], events: int,
                        busy: bool = False) -> tuple[list[LocalNode], Network]:
    """A local network of `groups` whose first node holds `events` realistic events of its device
    (stored through the ingest path); the nodes and that device's network view. `busy`: the first
    node also holds what happens to those listings on a busy home (`busy_steps`: the second
    group's fulfilments, claims and pledges, the first's updates; about a fifth more events)."""
    nodes = localnet.create_network(root, groups, PASSPHRASE)
    net = device_network(nodes[0].home)
    chain = list(signed_chain(net, events))
    wires = [ev.encode() for ev in chain]
    if busy:
        assert nodes[1].keys is not None  # (create_network keeps them)
        wires += [ev.encode() for ev in busy_steps(net, chain, nodes[1].keys.device)]
    try:  # (the first batch starts the verifier processes)
        if busy:  # the second group's own events first (its device's vouch): the first node has some
            store_wires(nodes[0].home, wire_log(nodes[1].home), fresh_only=False)
        store_wires(nodes[0].home, wires)
    finally:
        verify_pool.shutdown()
    return nodes, net


BUSY_SHARE = {"need": 4, "offer": 8, "support.request": 4, "fundraiser": 5, "support.offer": 3, "action": 20}


def busy_steps(net: Network, chain: list[Event], other: SigningKey, *, seed: int = 7) -> list[Event]:
    """What a busy network does to `chain`'s listings, signed by `other` (a second group's device,
    whose own chain starts here) and by the chain's device after it: of each kind, one in
    BUSY_SHARE's number, drawn from its newest 40% (20% for actions): needs covered (a third from
    one of the second group's 20 stock offers of the same goods that still holds what is given, which
    draws it down; none left: given from elsewhere), some over-covered, a fifth of those declined;
    needs adjusted or withdrawn; offers adjusted or withdrawn; support requests taken, a third of
    them handed back (a quarter of those taken again), a fifth closed by their group; fundraisers
    pledged to, half with the amount raised reported; support offers' capacity changed; actions
    moved or cancelled. Each step a few minutes to two days after what it answers (never ahead of
    now), each device's steps in time order."""
    rnd = random.Random(seed)
    now = now_ms()
    by_kind: dict[str, list[Event]] = {}
    for ev in chain:
        by_kind.setdefault(ev.header.kind, []).append(ev)

    def picked(kind: str) -> list[Event]:
        found = by_kind.get(kind, [])
        newest = found[int(len(found) * (0.8 if kind == "action" else 0.6)):]
        return rnd.sample(newest, min(len(newest), len(found) // BUSY_SHARE[kind]))

    def later(ts: int) -> int:  # a step after `ts`: minutes to two days, not ahead of now
        return min(now - 1000, ts + rnd.randint(5 * 60_000, 2 * 86_400_000))

    theirs: list[tuple[int, str, dict]] = []  # (timestamp, kind, fields) of the second group
    ours: list[tuple[int, str, dict]] = []  # of the chain's device; declines name a fulfilment by index
    first = chain[0].header.timestamp
    stock = [(first + i, "offer", {"category": rnd.choice(("tents", "blankets", "shoes")), "quantity": 500,
                                   "region": rnd.choice(REGIONS)}) for i in range(20)]
    theirs += stock
    left = [o[2]["quantity"] for o in stock]  # what each stock offer has still to give
    for need in picked("need"):
        ts, asked = need.header.timestamp, unpack(need.body)
        q = asked["quantity"]
        r = rnd.random()
        if r < 0.55:
            fields = {"need": need.id, "quantity": rnd.randint(1, q + 5)}
            if rnd.random() < 0.35:
                # An offer of theirs of the same goods that still holds what is given (its place among
                # `stock`): a node refuses to publish a draw of other goods (events.effects), and no
                # group gives from an offer what it no longer holds. (Drawn from any of the 20, two
                # thirds of the draws were of other goods, and each offer was named by ~44.)
                fits = [i for i, o in enumerate(stock) if o[2]["category"] == asked["category"]
                        and left[i] >= fields["quantity"]]
                if fits:
                    fields["offer"] = rnd.choice(fits)
                    left[fields["offer"]] -= fields["quantity"]
            theirs.append((later(ts), "need.fulfil", fields))
            if rnd.random() < 0.2:
                ours.append((later(theirs[-1][0]), "need.decline", {"need": need.id, "decline": len(theirs) - 1}))
        elif r < 0.85:
            ours.append((later(ts), "need.update", {"need": need.id, "quantity": rnd.randint(1, 60)}))
        else:
            ours.append((later(ts), "need.update", {"need": need.id, "status": "withdrawn"}))
    for offer in picked("offer"):
        change = {"status": "withdrawn"} if rnd.random() < 0.3 else {"quantity": rnd.randint(1, 40)}
        ours.append((later(offer.header.timestamp), "offer.update", {"offer": offer.id, **change}))
    for req in picked("support.request"):
        ts = later(req.header.timestamp)
        theirs.append((ts, "support.claim", {"request": req.id}))
        r = rnd.random()
        if r < 0.33:
            ts = later(ts)
            theirs.append((ts, "support.close", {"request": req.id, "outcome": "referred"}))  # handed back
            if rnd.random() < 0.25:
                theirs.append((later(ts), "support.claim", {"request": req.id}))
        elif r < 0.53:
            ours.append((later(ts), "support.close", {"request": req.id, "outcome": "resolved"}))
    for fund in picked("fundraiser"):
        ts = later(fund.header.timestamp)
        theirs.append((ts, "fundraiser.update", {"fundraiser": fund.id, "pledge": rnd.randint(100, 5000)}))
        if rnd.random() < 0.5:
            ours.append((later(ts), "fundraiser.update", {"fundraiser": fund.id, "raised": rnd.randint(100, 50000)}))
    for offer in picked("support.offer"):
        ours.append((later(offer.header.timestamp), "support.offer.update",
                     {"offer": offer.id, "capacity": rnd.randint(1, 6)}))
    for action in picked("action"):
        starts = unpack(action.body)["starts_at"]
        change = ({"status": "cancelled", "note": "rain"} if rnd.random() < 0.5
                  else {"starts_at": starts + rnd.randint(1, 3) * 86_400_000, "note": "moved"})
        ours.append((later(action.header.timestamp), "action.update", {"action": action.id, **change}))

    def signed(key: SigningKey, seq: int, prev: bytes | None, steps: list[tuple[int, str, dict]],
               named: list[bytes]) -> list[Event]:
        out = []
        for ts, kind, fields in sorted(steps, key=lambda s: s[0]):
            if kind == "need.decline":
                fields = {**fields, "decline": named[fields["decline"]]}
            ev = sign_event(key, network=net.genesis.network_id, seq=seq + 1, prev=prev, timestamp=ts,
                            kind=kind, body=pack(fields))
            seq, prev = seq + 1, ev.id
            out.append(ev)
        return out

    # the second group's stock offers are its first events, so a fulfilment names one by its place
    stocked = signed(other, 0, None, stock, [])
    for i, (ts, kind, fields) in enumerate(theirs):
        if kind == "need.fulfil" and "offer" in fields:
            theirs[i] = (ts, kind, {**fields, "offer": stocked[fields["offer"]].id})
    order = sorted(range(len(stock), len(theirs)), key=lambda i: theirs[i][0])
    their_events = stocked + signed(other, len(stock), stocked[-1].id, [theirs[i] for i in order], [])
    place = {i: len(stock) + k for k, i in enumerate(order)}  # a step's index -> its event
    ours = [(ts, kind, {**f, "decline": place[f["decline"]]} if kind == "need.decline" else f) for ts, kind, f in ours]
    last = chain[-1]
    return their_events + signed(net.keys.device, last.header.seq, last.id, ours, [ev.id for ev in their_events])


@contextmanager
def installed_bytecode() -> Iterator[None]:
    """Every process started inside keeps its compiled bytecode (in a temporary PYTHONPYCACHEPREFIX,
    removed at the end), as an installed package does (pip compiles it at install). An environment
    with PYTHONDONTWRITEBYTECODE=1 would otherwise compile every solnet module at every start of a
    node, a worker or a command: CPU at each start, and a heap grown by the compiler (~3 MiB of a
    node's resident memory) that no installed node pays."""
    pycache = tempfile.mkdtemp(prefix="solnet-bench-pycache-")
    saved = {name: os.environ.get(name) for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # inherited by every command and node started inside
    os.environ["PYTHONPYCACHEPREFIX"] = pycache
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(pycache, ignore_errors=True)


def event_count(db_path: Path, author: bytes | None = None) -> int:
    """Events in a node's database (only `author`'s, if given), read-only (safe while the node runs)."""
    db = sqlite3.connect(database_uri(db_path, "mode=ro"), uri=True, timeout=5)
    try:
        if author is None:
            return db.execute("SELECT count(*) FROM events").fetchone()[0]
        # Authors are numbered in the keys table (node/store/schema.py); events name them by number.
        return db.execute("SELECT count(*) FROM events WHERE a=(SELECT k FROM keys WHERE key=?)",
                          (author,)).fetchone()[0]
    finally:
        db.close()


@contextmanager
def running(nodes: list[LocalNode], stop_timeout: float = 30.0) -> Iterator[list[LocalNode]]:
    """Make sure every started node is stopped on the way out, whatever happened: SIGTERM to all,
    then wait for each; a node that does not stop in time is killed, and so are the worker
    processes it leaves behind (only the ones it started: found by parent pid beforehand)."""
    try:
        yield nodes
    finally:
        live = [n for n in nodes if n.proc is not None and n.proc.poll() is None]
        helpers = {n.proc.pid: child_pids(n.proc.pid) for n in live}
        for node in live:
            node.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + stop_timeout
        for node in live:
            try:
                node.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"warning: {node.name} did not stop within {stop_timeout:.0f} s of SIGTERM; killed",
                      file=sys.stderr)
                node.proc.kill()
                node.proc.wait(5)
        for pid in (p for pids in helpers.values() for p in pids):
            if "verify_worker" in cmdline(pid):
                localnet.wait_until(lambda: not Path(f"/proc/{pid}").exists(), 5, 0.05)
                if "verify_worker" in cmdline(pid):
                    os.kill(pid, signal.SIGKILL)


def http_ok(port: int, path: str = "/healthz", timeout: float = 0.5) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as reply:
            return reply.status == 200
    except (OSError, urllib.error.URLError):
        return False


def wait_serving(node: LocalNode, timeout: float = 30.0, interval: float = 0.005) -> float:
    """Seconds until the node answers /healthz (raise if it does not within `timeout` or exits)."""
    start = time.perf_counter()
    if not localnet.wait_until(lambda: http_ok(node.port) or node.proc.poll() is not None, timeout, interval):
        raise RuntimeError(f"{node.name} did not serve within {timeout:.0f} s; see {node.log_path}")
    if node.proc.poll() is not None:
        raise RuntimeError(f"{node.name} exited with {node.proc.returncode}; see {node.log_path}")
    return time.perf_counter() - start


def solnet_sync(home: Home, port: int, timeout: float = 600.0, *, check: bool = True) -> tuple[dict, float]:
    """`solnet --home HOME sync 127.0.0.1:PORT --json`: its JSON summary and the wall-clock seconds.
    With `check=False`, a sync that ends in error still gives its summary (what it stored; an empty
    one if it printed none), with the exit code and the error message added as `exit_code` and `error`."""
    cmd = [*localnet.solnet_command(), "--home", str(home.path), "sync", f"127.0.0.1:{port}", "--json"]
    start = time.perf_counter()
    done = subprocess.run(cmd, env={**os.environ, PASSPHRASE_ENV: PASSPHRASE}, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    if done.returncode != 0 and check:
        raise RuntimeError(f"solnet sync failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    summary = (json.loads(done.stdout) if done.stdout.strip()
               else {"received": 0, "outcomes": {}, "seconds": 0.0, "printed": "nothing"})
    summary["exit_code"] = done.returncode
    if done.returncode != 0:
        summary["error"] = done.stderr.strip()[-2000:]
    return summary, wall


# --- processes ----------------------------------------------------------------------------------
def proc_status_kib(pid: int, field: str = "VmRSS") -> int:
    """A memory figure of a process from /proc/PID/status, in KiB (VmRSS: resident now; VmHWM: peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def smaps_rollup_kib(pid: int) -> dict[str, int]:
    """What a process's resident memory is made of, from /proc/PID/smaps_rollup, in KiB: Rss, Pss,
    Anonymous (heaps, arenas, Python objects, SQLite's cache), Shared_Clean/Private_Clean (file
    pages: code and libraries, mmapped database pages), Private_Dirty."""
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            out[name] = int(value.split()[0])
    return out


def child_pids(pid: int) -> list[int]:
    """Direct children of a process (e.g. a node's signature workers)."""
    out = []
    # (not Path.glob: a process that ends while the glob runs made it raise ProcessLookupError, and
    # a node's verify worker now ends by itself after a quiet minute)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(name))
    return sorted(out)


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, their children, ...)."""
    out, todo = [], [pid]
    while todo:
        for child in child_pids(todo.pop()):
            out.append(child)
            todo.append(child)
    return sorted(out)


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants (signature workers and any other child), in KiB."""
    total = 0
    for p in [pid, *descendants(pid)]:
        try:
            total += proc_status_kib(p)
        except (OSError, RuntimeError):  # ended meanwhile
            pass
    return total


def load_average() -> str:
    """The 1-minute load average now, for the figures' context (other work on the same cores skews them)."""
    return f"{os.getloadavg()[0]:.2f}"


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


# --- bytes on the wire --------------------------------------------------------------------------
class CountingRelay:
    """A TCP relay on 127.0.0.1 that forwards to `target_port` and counts the bytes each way above
    TCP (HTTP upgrade, websocket framing, encryption and all): what a network link would carry."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.up = 0    # from the dialling side to the target
        self.down = 0  # from the target back
        self.connections = 0
        self._server: asyncio.base_events.Server | None = None
        self._pipes: set[asyncio.Task] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    def counts(self) -> tuple[int, int]:
        return self.up, self.down

    async def _relay(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            target_r, target_w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.target_port), 5)
        except (OSError, asyncio.TimeoutError):
            client_w.close()
            return
        pipes = [asyncio.create_task(self._pipe(client_r, target_w, "up")),
                 asyncio.create_task(self._pipe(target_r, client_w, "down"))]
        self._pipes.update(pipes)
        await asyncio.gather(*pipes, return_exceptions=True)
        self._pipes.difference_update(pipes)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, direction: str) -> None:
        try:
            while data := await reader.read(1 << 16):
                if direction == "up":
                    self.up += len(data)
                else:
                    self.down += len(data)
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
