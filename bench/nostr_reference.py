"""The reference for the API publish rate in bench/publish_latency.py: nostr-relay (Python, SQLite)
on 127.0.0.1, taking signed events over its websocket as a nostr client sends them.

nostr-relay is not a dependency of solnet and nothing downloads at run time: the benchmark is
given the `nostr-relay` executable of a venv where it is installed (README, "Benchmarks"):

    python3 -m venv ~/nostr-relay-venv && ~/nostr-relay-venv/bin/pip install nostr-relay==1.14
    python bench/publish_latency.py --nostr-relay ~/nostr-relay-venv/bin/nostr-relay

The relay runs as `nostr-relay serve` does by default (gunicorn, one uvicorn worker) with a config
of its own in a temporary directory: its SQLite database there, a free port, its event checks as
shipped (size, BIP-340 signature, recent, tag count), logging at WARNING (ours logs nothing per
publish either). Its SQLite settings are journal_mode=WAL, synchronous=NORMAL — the same as
solnet's store: a committed event survives the process being killed, both alike. The events are
signed beforehand by that venv's Python with the library the relay verifies with (nostr_sign.py);
each is sent as ["EVENT", {...}] and the next goes only when its ["OK", id, true, ...] came back.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import aiohttp

from bench.common import descendants
from node.demo import localnet

VENV_HELP = ("python3 -m venv ~/nostr-relay-venv && ~/nostr-relay-venv/bin/pip install nostr-relay==1.14, "
             "then add --nostr-relay ~/nostr-relay-venv/bin/nostr-relay")
START_TIMEOUT_S = 60.0
OK_TIMEOUT_S = 30.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SIGNER = Path(__file__).with_name("nostr_sign.py")

CONFIG = """\
DEBUG: false
relay_name: solnet benchmark reference
relay_description: started by bench/publish_latency.py
sysop_pubkey: ''
sysop_contact: ''
storage:
  sqlalchemy.url: sqlite+aiosqlite:///{db}
  num_concurrent_reqs: 10
  num_concurrent_adds: 2
  validators:
    - nostr_relay.validators.is_not_too_large
    - nostr_relay.validators.is_signed
    - nostr_relay.validators.is_recent
    - nostr_relay.validators.is_not_hellthread
verification:
  nip05_verification: disabled
  expiration: 2592000
  update_frequency: 3600
gunicorn:
  bind: 127.0.0.1:{port}
  workers: 1
  loglevel: warning
  reload: false
authentication:
  enabled: false
message_timeout: 1800
subscription_limit: 32
max_limit: 6000
hellthread_limit: 100
logging:
  version: 1
  root:
    level: WARNING
"""


class RelayUnavailable(Exception):
    """The reference cannot run here (not installed where we were told, or it did not start)."""


def relay_executable(given: str) -> Path:
    """The `nostr-relay` executable from what `--nostr-relay` named: it, or the venv it is in."""
    path = Path(given).expanduser()
    if path.is_dir():
        path = path / "bin" / "nostr-relay"
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise RelayUnavailable(f"{given} is not a nostr-relay executable (nor a venv holding bin/nostr-relay); "
                               f"to make one: {VENV_HELP}")
    if not path.with_name("python").exists():
        raise RelayUnavailable(f"{path} has no python beside it: give the nostr-relay of a venv ({VENV_HELP})")
    return path


class NostrRelay:
    """nostr-relay serving on 127.0.0.1 from a directory of its own, while the `with` lasts."""

    def __init__(self, executable: Path, root: Path) -> None:
        self.executable = executable
        self.python = executable.with_name("python")
        self.root = root
        self.port = localnet.free_ports(1)[0]
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def __enter__(self) -> NostrRelay:
        self.root.mkdir(parents=True, exist_ok=True)
        config = self.root / "config.yaml"
        config.write_text(CONFIG.format(db=self.root / "nostr.sqlite3", port=self.port))
        log_path = self.root / "relay.log"
        with open(log_path, "ab") as log_file:  # its own session: stopped with its gunicorn worker
            self.proc = subprocess.Popen([str(self.executable), "-c", str(config), "serve"], cwd=self.root,
                                         stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        if not localnet.wait_until(lambda: self._answers() or self.proc.poll() is not None, START_TIMEOUT_S, 0.05) \
                or self.proc.poll() is not None:
            self.__exit__(None, None, None)
            tail = log_path.read_text(errors="replace")[-1500:]
            raise RelayUnavailable(f"nostr-relay did not start within {START_TIMEOUT_S:.0f} s; its output:\n{tail}")
        return self

    def _answers(self) -> bool:
        import urllib.request
        try:
            request = urllib.request.Request(f"http://127.0.0.1:{self.port}/",
                                             headers={"Accept": "application/nostr+json"})
            with urllib.request.urlopen(request, timeout=0.5) as reply:
                return reply.status == 200
        except OSError:
            return False

    def __exit__(self, *exc: object) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(15)

    def cpu_seconds(self) -> float:
        """CPU time of the relay's processes (gunicorn's arbiter and its worker)."""
        total = 0
        for pid in [self.proc.pid, *descendants(self.proc.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
            total += int(fields[11]) + int(fields[12])
        return total / CLOCK_TICKS

    def sign(self, count: int) -> list[str]:
        """`count` signed events, each as the text of its EVENT message (signed by the relay's venv)."""
        done = subprocess.run([str(self.python), str(SIGNER), str(count)], capture_output=True, text=True,
                              timeout=300, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RelayUnavailable(f"signing nostr events with {self.python} failed: {done.stderr.strip()[-1500:]}")
        events = [line for line in done.stdout.splitlines() if line]
        if len(events) != count:
            raise RelayUnavailable(f"the nostr signer gave {len(events)} events, not {count}")
        return [f'["EVENT",{event}]' for event in events]

    async def publish(self, messages: list[str], in_flight: int) -> tuple[float, float]:
        """(events/s, relay CPU ms per event) sending `messages` over `in_flight` websockets, each
        waiting for its event's OK before sending the next; a refused event stops the benchmark."""
        queue = list(reversed(messages))
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            sockets = [await session.ws_connect(self.url, max_msg_size=1 << 20) for _ in range(in_flight)]
            try:
                cpu, start = self.cpu_seconds(), time.perf_counter()
                await asyncio.gather(*(self._send_all(ws, queue) for ws in sockets))
                wall, cpu = time.perf_counter() - start, self.cpu_seconds() - cpu
            finally:
                for ws in sockets:
                    await ws.close()
        return len(messages) / wall, cpu / len(messages) * 1000

    @staticmethod
    async def _send_all(ws: aiohttp.ClientWebSocketResponse, queue: list[str]) -> None:
        while queue:
            message = queue.pop()
            event_id = message[message.index('"id": "') + 7:][:64]
            await ws.send_str(message)
            while True:
                reply = json.loads(await ws.receive_str(timeout=OK_TIMEOUT_S))
                if reply[0] == "OK" and reply[1] == event_id:
                    break
            if reply[2] is not True:
                raise RelayUnavailable(f"nostr-relay refused a benchmark event: {reply[3]}")
