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

from node import membership
from node.home import PASSPHRASE_ENV, Home


@dataclass
class LocalNode:
    name: str
    region: str
    home: Home
    port: int
    peers: list[int] = field(default_factory=list)  # ports of the nodes it dials
    proc: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def free_ports(n: int) -> list[int]:
    """`n` distinct ports free on 127.0.0.1 right now."""
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def create_network(root: Path, groups: Sequence[tuple[str, str]], passphrase: str,
                   network_name: str = "solnet local network") -> list[LocalNode]:
    """Found a network with the first group and admit the others by invite, each in its own home."""
    root.mkdir(parents=True, exist_ok=True)
    ports = free_ports(len(groups))
    nodes: list[LocalNode] = []
    founder_log = founder_keys = None
    for (name, region), port in zip(groups, ports):
        home = Home(root / name.lower().replace(" ", "-"))
        config, keys = membership.prepare_group(home, name, region, passphrase)
        if founder_log is None:
            founder_log = membership.found_network(home, config, keys, network_name)
            founder_keys = keys
        else:
            token, _ = membership.invite(founder_log, founder_keys, bytes(keys.group.public), [])
            membership.join(home, token, keys).store.close()
        nodes.append(LocalNode(name, region, home, port))
    founder_log.store.close()
    return nodes


def line(nodes: list[LocalNode]) -> None:
    """Each node dials the next: a line."""
    for a, b in zip(nodes, nodes[1:]):
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


def start(node: LocalNode, passphrase: str, *, sync_interval: float = 30.0, extra_env: dict | None = None,
          log_dir: Path | None = None) -> subprocess.Popen:
    cmd = [*solnet_command(), "--home", str(node.home.path), "run", "--listen", node.address,
           "--sync-interval", str(sync_interval)]
    for port in node.peers:
        cmd += ["--peer", f"127.0.0.1:{port}"]
    env = {**os.environ, PASSPHRASE_ENV: passphrase, **(extra_env or {})}
    node.log_path = (log_dir or node.home.path) / "node.log"
    with open(node.log_path, "ab") as log_file:
        node.proc = subprocess.Popen(cmd, env=env, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
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


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll `predicate` until true or `timeout` seconds pass (bounded: never loops forever)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
