"""Running the real `solnet demo` command as a subprocess: its output is read line by line in a
thread (so every wait is bounded); `stop` (the `demo` fixture's teardown) ends whatever it
started, passed or failed: SIGINT to the demo, then SIGKILL to it and to any process below it."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from local_cluster import descendants, kill_all, still_running  # noqa: E402  (the integration helpers)

from node.demo import localnet  # noqa: E402
from node.demo.run import DEMO_PASSPHRASE  # noqa: E402

READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
URL_RE = re.compile(r"^\s+(\w+)\s+(http://127\.0\.0\.1:(\d+)/)(login/link\?token=[\w-]+)$")
HOMES_RE = re.compile(r"^Homes (?:in|kept in) (\S+?)[ .]")


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    e["SOLNET_PASSPHRASE"] = DEMO_PASSPHRASE
    return e


def solnet(home: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*localnet.solnet_command(), "--home", str(home), *args], capture_output=True, text=True,
                          timeout=60, env=env(), stdin=subprocess.DEVNULL)
    if ok:
        assert proc.returncode == 0, f"solnet {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def solnet_json(home: Path, *args: str) -> Any:
    return json.loads(solnet(home, *args, "--json").stdout)


DEMO_NODES = 4  # `solnet demo` listens on --base-port and the next three


def free_base_port(count: int = DEMO_NODES) -> int:
    """The first of `count` consecutive ports free now, within this worker's ports (localnet.PORT_SPAN):
    the demo's own pick of free ports ranges over every worker's."""
    high = localnet.PORT_SPAN[1] if localnet.PORT_SPAN else 65_536
    for _ in range(200):  # bounded: most runs of a few ports are free
        [base] = localnet.free_ports(1)
        if base + count > high:
            continue
        socks = [socket.socket() for _ in range(count)]
        try:
            for s, port in zip(socks, range(base, base + count)):
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise AssertionError(f"no {count} consecutive free ports found on 127.0.0.1")


class DemoRun:
    """One `solnet demo ARGS` process (on free ports of this worker's, unless ARGS say which: a
    kept folder's, or --base-port)."""

    def __init__(self, *args: str) -> None:
        if "--base-port" not in args and "--dir" not in args:
            args = (*args, "--base-port", str(free_base_port()))
        self.proc = subprocess.Popen([*localnet.solnet_command(), "demo", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, env=env(), stdin=subprocess.DEVNULL)
        self.lines: list[str] = []
        self.below: dict[int, int] = {}  # every process seen below the demo: pid -> start time
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, predicate: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout} s waiting for {what}; demo output:\n{self.output}")
            if self.proc.poll() is not None and not predicate():
                self._reader.join(5)
                if predicate():
                    return
                pytest.fail(f"the demo exited {self.proc.returncode} while waiting for {what}:\n{self.output}")
            time.sleep(0.2)

    def wait_ready(self) -> None:
        self.wait_for(lambda: any(line.startswith("Publishing a little activity") for line in self.lines),
                      READY_TIMEOUT_S, "the demo to be ready")
        self.remember_processes()

    def remember_processes(self) -> None:
        self.below.update(descendants(self.proc.pid))

    def urls(self) -> dict[str, tuple[str, int]]:
        """Group name -> (dashboard URL, port), as printed."""
        return {m[1]: (m[2], int(m[3])) for line in self.lines if (m := URL_RE.match(line))}

    def login_links(self) -> dict[str, str]:
        """Group name -> the one-time login link printed for its dashboard."""
        return {m[1]: m[2] + m[4] for line in self.lines if (m := URL_RE.match(line))}

    def homes_folder(self) -> Path:
        found = [m[1] for line in self.lines if (m := HOMES_RE.match(line))]
        assert found, f"the demo did not print where the homes are:\n{self.output}"
        return Path(found[0])

    def wait_exit(self, timeout: float = STOP_TIMEOUT_S) -> int:
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the demo did not stop within {timeout} s:\n{self.output}")
        self._reader.join(5)
        return code

    def stop(self) -> None:
        """Teardown: SIGINT, then SIGKILL; kill anything left below it."""
        if self.proc.poll() is None:
            self.remember_processes()
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        localnet.wait_until(lambda: not still_running(self.below), 5)
        kill_all(self.below)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
