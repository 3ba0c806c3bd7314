"""A network of several nodes on one machine (loopback): created in-process through the same
membership steps as the CLI, run as real `solnet run` processes. Used by `solnet demo`, the
integration tests and the benchmarks."""
from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crypto.keystore import NodeKeys
from node import membership
from node.demo import progress
from node.home import PASSPHRASE_ENV, Home

PR_SET_PDEATHSIG = 1  # prctl(2) option: a signal the kernel sends a process when its parent dies
START_CPU_S = 20.0
"""CPU seconds (the node's and its workers') a start may take before it listens: 0.7 on a laptop
(imports, the Argon2id unlock of the keystore, opening the store), whatever the load; a
node looping without listening is caught here (one that hangs still, by progress.STALL_S)."""


@dataclass
class LocalNode:
    name: str
    region: str
    home: Home
    port: int
    peers: list[int] = field(default_factory=list)  # ports of the nodes it dials
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    log_from: int = 0  # the size of its log when it was last started (the log is appended to)
    keys: NodeKeys | None = None  # kept in memory by create_network (saves an Argon2id run to publish)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def admin_token(self) -> str:
        """The bearer token of this node's HTTP API (made from its device key, node/home.py): from
        the keys kept in memory, else asked of the running node, as `solnet admin-token` does."""
        if self.keys is not None:
            return self.home.admin_token(self.keys)
        from node.admin_channel import admin_token

        token = admin_token(self.home.path)
        if token is None:
            raise RuntimeError(f"{self.name}: no node runs on {self.home.path} to tell its admin token")
        return token


LOWEST_PORT = 10_000
PORT_SPAN: tuple[int, int] | None = None
"""Where `free_ports` picks, [low, high): None, from LOWEST_PORT to the kernel's range for outgoing
connections. The test suite gives each of its parallel workers a span of its own (tests/conftest.py):
two workers that picked one free port a moment apart started two nodes on it, and a port picked as
one where nothing listens (a peer that is down) could be another worker's node."""


def outgoing_ports_start() -> int:
    """The first port the kernel hands to outgoing connections (Linux: ip_local_port_range)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def free_ports(n: int) -> list[int]:
    """`n` distinct ports free on 127.0.0.1 right now, for nodes to listen on a moment later. Taken
    below the range the kernel gives outgoing connections: one there, free now, could be any
    connection's own end by the time its node binds it (every request a client makes takes one)."""
    low, top = PORT_SPAN or (LOWEST_PORT, outgoing_ports_start())
    rnd = random.SystemRandom()
    socks: list[socket.socket] = []
    ports: list[int] = []
    try:
        for _ in range(50 * n):  # bounded: most of the range is free on any machine
            if len(ports) == n:
                break
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", rnd.randrange(low, top) if top > low + 1000 else 0))
            except OSError:
                s.close()
                continue
            socks.append(s)
            ports.append(s.getsockname()[1])
        while len(ports) < n:  # (a crowded machine) what the kernel hands out
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def home_dir(root: Path, name: str) -> Path:
    """Where the home of group `name` is in a local network made under `root`."""
    return root / name.lower().replace(" ", "-")


def create_network(root: Path, groups: Sequence[tuple[str, str]], passphrase: str,
                   network_name: str = "solnet local network") -> list[LocalNode]:
    """Found a network with the first group and admit the others by invite, each in its own home."""
    root.mkdir(parents=True, exist_ok=True)
    ports = free_ports(len(groups))
    nodes: list[LocalNode] = []
    founder_log = founder_keys = None
    for (name, region), port in zip(groups, ports):
        home = Home(home_dir(root, name))
        config, keys = membership.prepare_group(home, name, region, passphrase)
        if founder_log is None:
            founder_log = membership.found_network(home, config, keys, network_name)
            founder_keys = keys
        else:
            token, _ = membership.invite(founder_log, founder_keys, bytes(keys.group.public), [], bytes(founder_keys.group.public))
            membership.join(home, token, keys).store.close()
        nodes.append(LocalNode(name, region, home, port, keys=keys))
    founder_log.store.close()
    return nodes


def line(nodes: list[LocalNode]) -> None:
    """Each node dials the next: a line."""
    for a, b in zip(nodes, nodes[1:]):
        a.peers.append(b.port)


def ring(nodes: list[LocalNode]) -> None:
    """Each node dials the next, the last the first: a ring (only these links; earlier peers are cleared)."""
    for node in nodes:
        node.peers = []
    for a, b in zip(nodes, nodes[1:] + nodes[:1]):
        if a is not b:
            a.peers.append(b.port)


def random_graph(nodes: list[LocalNode], degree: int, rng: random.Random) -> None:
    """A connected random graph where each node dials about degree/2 others (links carry both ways)."""
    order = nodes[:]
    rng.shuffle(order)
    for a, b in zip(order, order[1:]):  # a random spanning path keeps it connected
        a.peers.append(b.port)
    for node in nodes:
        while len(node.peers) + sum(node.port in n.peers for n in nodes) < degree:
            other = rng.choice(nodes)
            if other is not node and other.port not in node.peers and node.port not in other.peers:
                node.peers.append(other.port)


def solnet_command() -> list[str]:
    script = Path(sys.executable).with_name("solnet")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


def solnet_for_people() -> str:
    """How a person runs this solnet in a terminal, for commands printed to copy: `solnet` when that
    name finds this one, else its full path (the README's first command runs `.venv/bin/solnet
    demo`, before `solnet` is on the PATH: a printed `solnet ...` was "command not found")."""
    import shlex
    import shutil

    command = solnet_command()
    found = shutil.which("solnet")
    if len(command) == 1 and found is not None and Path(found).resolve() == Path(command[0]).resolve():
        return "solnet"
    return shlex.join(command)


def _parent_death_signal() -> Callable[[], None] | None:
    """A function for the child (before exec) that has the kernel SIGTERM it when the process that
    started it dies, even by SIGKILL, so a supervisor that is killed leaves no node behind. Linux
    only (None elsewhere); libc is looked up here, in the parent: nothing is imported after fork."""
    try:
        import ctypes
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    sigterm = int(signal.SIGTERM)
    return lambda: prctl(PR_SET_PDEATHSIG, sigterm)


def _child_setup(supervised: bool, extra: Callable[[], None] | None) -> Callable[[], None] | None:
    """What the child runs before exec: the parent-death signal when supervised, then `extra`."""
    steps = [f for f in (_parent_death_signal() if supervised else None, extra) if f is not None]
    if not steps:
        return None

    def run_all() -> None:
        for step in steps:
            step()
    return run_all


def start(node: LocalNode, passphrase: str, *, sync_interval: float = 30.0, extra_env: dict | None = None,
          log_dir: Path | None = None, supervised: bool = False, extra_args: Sequence[str] = (),
          preexec_fn: Callable[[], None] | None = None, wrapper: Sequence[str] = ()) -> subprocess.Popen:
    """Start `solnet run` for `node`, its output appended to node.log. `supervised`: in its own
    session (a Ctrl-C in the terminal reaches only the supervisor, which stops the nodes in order)
    and stopped by the kernel if the supervisor dies. `preexec_fn` runs in the child before
    `solnet` starts (a test lowers its limits there). `wrapper`: a command the node runs under
    (a benchmark's `valgrind --tool=callgrind ...`)."""
    cmd = [*wrapper, *solnet_command(), "--home", str(node.home.path), "run", "--listen", node.address,
           "--sync-interval", str(sync_interval)]
    for port in node.peers:
        cmd += ["--peer", f"127.0.0.1:{port}"]
    cmd += list(extra_args)  # more `solnet run` options, e.g. --public-dashboard
    env = {**os.environ, PASSPHRASE_ENV: passphrase, **(extra_env or {})}
    node.log_path = (log_dir or node.home.path) / "node.log"
    node.log_from = progress.file_size(node.log_path)
    with open(node.log_path, "ab") as log_file:
        node.proc = subprocess.Popen(cmd, env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=supervised,
                                     preexec_fn=_child_setup(supervised, preexec_fn))
    return node.proc


def stop(node: LocalNode, timeout: float = 15.0) -> int | None:
    """SIGTERM and wait (SIGKILL if it does not stop in time); the exit code."""
    if node.proc is None or node.proc.poll() is not None:
        return node.proc.returncode if node.proc else None
    node.proc.send_signal(signal.SIGTERM)
    try:
        return node.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        node.proc.kill()
        return node.proc.wait(5)


def stop_all(nodes: Sequence[LocalNode], timeout: float = 15.0) -> dict[str, int | None]:
    """SIGTERM every running node at once, then wait for each (SIGKILL past `timeout`): exit codes by name."""
    for node in nodes:
        if node.proc is not None and node.proc.poll() is None:
            node.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    codes: dict[str, int | None] = {}
    for node in nodes:
        if node.proc is None:
            codes[node.name] = None
            continue
        try:  # not a second SIGTERM: it could land after the node's handlers are gone
            codes[node.name] = node.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            node.proc.kill()
            codes[node.name] = node.proc.wait(5)
    return codes


def is_listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def log_since_start(node: LocalNode) -> str:
    """What the node has logged since it was last started."""
    if node.log_path is None:
        return ""
    with open(node.log_path, "rb") as f:
        f.seek(node.log_from)
        return f.read().decode(errors="replace")


def wait_started(node: LocalNode, *, stall_s: float = progress.STALL_S, cpu_s: float = START_CPU_S,
                 sleep: Callable[[float], None] = time.sleep) -> str | None:
    """Wait until the node started by `start` says it listens for peers: None then, else what went
    wrong, in a sentence (with its log since the start). Not a fixed time, which a loaded machine
    overruns: it waits as long as the node advances (uses CPU or writes its log), and gives up at
    once if it exits, after `stall_s` seconds without progress, or past `cpu_s` of CPU. `sleep`
    waits between polls."""
    assert node.proc is not None, "wait_started follows start"
    proc, said = node.proc, f"listening for peers on 127.0.0.1:{node.port}"
    used: list[float | None] = [0.0]

    def over() -> bool:
        used[0] = progress.cpu_seconds(proc.pid)
        return proc.poll() is not None or said in log_since_start(node) or (used[0] or 0.0) > cpu_s

    stuck = progress.wait_progressing(over, lambda: (used[0], progress.file_size(node.log_path)),
                                     stall_s=stall_s, sleep=sleep)
    if proc.poll() is not None:
        why = f"exited with code {proc.returncode}"
    elif said in log_since_start(node):
        return None
    elif stuck is None:
        why = f"used {used[0]:.0f} s of CPU without listening"
    else:
        why = stuck
    return f"{node.name} did not start listening: {why}. Its log:\n{log_since_start(node)[-4000:]}"


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll `predicate` until true or `timeout` seconds pass, as this process and those it started
    (the nodes) had them: the time a loaded machine kept them from running does not count
    (progress.RunClock; bounded: never loops forever)."""
    return progress.wait_run_time(predicate, timeout, interval=interval) is None
