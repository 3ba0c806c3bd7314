"""Silent connections cannot exhaust a node (node/listener.py), against real `solnet run` processes.

An attacker opens TCP connections to a node from many loopback addresses and sends nothing. The
node must keep its descriptors for members (a member already linked keeps syncing, one that dials
during the flood gets in), close every silent socket within its deadline, and log a few lines,
not one per failed accept; it raises its own soft open-files limit to the hard one at start.
The node runs with a low hard limit (set in the child before exec) so exhaustion is cheap to reach.
"""
from __future__ import annotations

import os
import re
import resource
import selectors
import socket
import threading
import time
import urllib.request
from dataclasses import dataclass, field

from local_cluster import Cluster, holds, log_text, open_links, publish
from node.listener import SILENT_S

SOFT, HARD = 128, 256  # the node's open-files limits at exec
ATTACKER_SOURCES = [f"127.0.0.{i}" for i in range(2, 22)]  # members dial from 127.0.0.1
ACCEPT_ERRORS = re.compile(r"Too many open files|out of system resource|could not accept", re.I)


def low_open_files_limit() -> None:
    """Runs in the node's child process before exec."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (SOFT, HARD))


def open_files_limits(pid: int) -> tuple[int, int]:
    for line in open(f"/proc/{pid}/limits"):
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            return int(soft), int(hard)
    raise AssertionError("no open-files line in /proc/PID/limits")


@dataclass
class SilentFlood:
    """A thread that keeps up to `held` silent connections open to `port`, opening `batch` more
    every `pause` seconds from rotating source addresses, until stopped; bounded in count and time.
    It records how long the node let each one live."""

    port: int
    held: int = 400
    batch: int = 20
    pause: float = 0.1
    max_opened: int = 8000
    max_seconds: float = 40.0
    stopped_at: float | None = None  # when it stopped opening
    opened: int = 0
    failed: int = 0  # connects that did not complete (the node's accept queue was full)
    lifetimes: list[float] = field(default_factory=list)  # of the sockets the node closed
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _selector: selectors.BaseSelector = field(default_factory=selectors.DefaultSelector)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="silent-flood", daemon=True)
        self._thread.start()

    def stop_opening(self) -> None:
        self._stop.set()

    @property
    def still_open(self) -> int:
        return len(self._selector.get_map())

    def _connect(self, source: str) -> None:
        sock = socket.socket()
        sock.settimeout(0.1)  # on loopback a connect completes at once, unless the accept queue is full
        try:
            sock.bind((source, 0))
            sock.connect(("127.0.0.1", self.port))
        except OSError:
            sock.close()
            self.failed += 1
            return
        sock.setblocking(False)
        self._selector.register(sock, selectors.EVENT_READ, time.monotonic())
        self.opened += 1

    def _reap(self, timeout: float) -> None:
        """Notice the sockets the node closed (a reset or an end of stream: readable)."""
        for key, _ in self._selector.select(timeout):
            sock = key.fileobj
            try:
                data = sock.recv(1)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if data == b"":
                self.lifetimes.append(time.monotonic() - key.data)
                self._selector.unregister(sock)
                sock.close()

    def _run(self) -> None:
        started = time.monotonic()
        sources = iter(ATTACKER_SOURCES * (self.max_opened // len(ATTACKER_SOURCES) + 1))
        while not self._stop.is_set() and self.opened < self.max_opened and time.monotonic() - started < self.max_seconds:
            for _ in range(min(self.batch, self.held - self.still_open)):
                self._connect(next(sources))
            next_batch = time.monotonic() + self.pause
            while (left := next_batch - time.monotonic()) > 0:
                self._reap(left)
        self.stopped_at = time.monotonic()
        while self.still_open and time.monotonic() - started < self.max_seconds + SILENT_S + 5:
            self._reap(0.1)

    def finish(self, timeout: float) -> None:
        """Stop opening; wait (bounded) for the node to close what is left; close our side of the rest."""
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout)
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()


def test_silent_connections_neither_exhaust_the_node_nor_keep_members_out(cluster: Cluster) -> None:
    calais, bristol, dover = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Dover", "dover")])
    bristol.peers.append(calais.port)
    dover.peers.append(calais.port)
    cluster.start(calais, preexec_fn=low_open_files_limit)
    cluster.start(bristol)
    cluster.wait(lambda: open_links(calais) >= 1, 15, "Bristol linked to Calais")
    mark = len(log_text(calais))

    flood = SilentFlood(calais.port)
    flood.start()
    try:
        cluster.wait(lambda: flood.opened + flood.failed >= HARD + 50, 15, f"{HARD + 50} silent connections tried")
        # A member already linked keeps syncing: its alert reaches Calais through the flood.
        alert = publish(bristol, "alert", region="calais", type="raid", location="Coquelles",
                        text="Checks at the terminal")
        cluster.wait(lambda: holds(calais, alert), 15, "Bristol's alert reaching Calais during the flood")
        # A member dialling during the flood gets in, and syncs.
        cluster.start(dover)
        cluster.wait(lambda: holds(dover, alert), 20, "Dover, started during the flood, syncing with Calais")
        assert flood.stopped_at is None, "the flood stopped before Dover got in"
        with urllib.request.urlopen(f"http://127.0.0.1:{calais.port}/healthz", timeout=5) as reply:
            assert reply.status == 200
    finally:
        flood.finish(SILENT_S + 10)
    opened, lifetimes = flood.opened, flood.lifetimes
    assert opened > HARD, f"only {opened} silent connections opened ({flood.failed} failed)"
    assert flood.still_open == 0, f"{flood.still_open} of {opened} silent connections still open " \
                                  f"{SILENT_S + 10:.0f} s after the flood stopped"
    assert max(lifetimes) <= SILENT_S + 3, f"a silent connection lived {max(lifetimes):.1f} s"

    log = log_text(calais)[mark:]
    assert len(ACCEPT_ERRORS.findall(log)) == 0, log[:3000]
    assert len(log.splitlines()) < 40, f"{len(log.splitlines())} log lines during the flood:\n{log[:3000]}"
    assert not any(source in log for source in ATTACKER_SOURCES), "the log names a source address"
    assert "Traceback" not in log
    assert open_files_limits(calais.proc.pid) == (HARD, HARD), "the node did not raise its soft limit to the hard one"
    print(f"\n{opened} silent connections ({flood.failed} could not connect); the longest lived "
          f"{max(lifetimes):.1f} s; {len(log.splitlines())} log lines")


def test_failed_accepts_are_logged_once_not_per_attempt(cluster: Cluster) -> None:
    """At the limit itself (the soft limit lowered from outside, below the guard's caps), accepts
    fail: the node says so once, keeps its links, and serves again once descriptors are free."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    bristol.peers.append(calais.port)
    cluster.start(calais, preexec_fn=low_open_files_limit)
    cluster.start(bristol)
    cluster.wait(lambda: open_links(calais) >= 1, 15, "Bristol linked to Calais")
    pid = calais.proc.pid
    mark = len(log_text(calais))
    in_use = len(os.listdir(f"/proc/{pid}/fd"))
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (in_use + 2, HARD))
    held = []
    try:
        for _ in range(20):  # accepted into the kernel's queue; the node can take two of them
            sock = socket.create_connection(("127.0.0.1", calais.port), timeout=2, source_address=("127.0.0.2", 0))
            held.append(sock)
        cluster.wait(lambda: ACCEPT_ERRORS.search(log_text(calais)[mark:]) is not None, 10,
                     "the node saying it cannot accept")
        time.sleep(3)  # asyncio retries the accept every second, many times at once: a soak, not a race
        during = log_text(calais)[mark:]
        alert = publish(bristol, "alert", region="calais", type="raid", location="Marck", text="Checks at the port")
        cluster.wait(lambda: holds(calais, alert), 15, "an alert over the open link while accepts fail")
    finally:
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (HARD, HARD))
    try:
        cluster.wait(lambda: _serves(calais.port), 10, "the node serving again once descriptors are free")
    finally:
        for sock in held:
            sock.close()
    assert len(ACCEPT_ERRORS.findall(during)) == 1, during[:3000]
    assert "Traceback" not in during and len(during.splitlines()) < 10, during[:3000]
    assert calais.proc.poll() is None


def _serves(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False
