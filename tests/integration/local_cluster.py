"""Helpers for integration tests with several real `solnet run` processes on 127.0.0.1.

Networks are made by `node.demo.localnet` (the same membership steps as the CLI). A `Cluster` (the
`cluster` fixture of conftest.py) starts nodes through it, talks to them only as a user would
(`solnet ...` commands with the passphrase in the environment) or reads their databases
read-only, and stops every process it started when the test ends, passed or failed: SIGCONT (a
test may have frozen one), SIGTERM, then SIGKILL; child processes of the nodes too. Every wait is
bounded; a wait that times out fails with the tails of the node logs.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import sqlite3
import subprocess
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from link_login import open_link
from node import login_links
from node.demo import localnet, progress
from node.home import PASSPHRASE_ENV
from node.demo.localnet import LocalNode

PASSPHRASE = "integration tests only: not a secret"
SYNC_INTERVAL_S = 1.0
CLI_TIMEOUT_S = 60
STOP_TIMEOUT_S = 10.0


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    env[PASSPHRASE_ENV] = PASSPHRASE
    return env


def home_path(target: LocalNode | Path) -> Path:
    return target.home.path if isinstance(target, LocalNode) else Path(target)


def cli(target: LocalNode | Path, *args: str, ok: bool = True, timeout: float = CLI_TIMEOUT_S,
        ) -> subprocess.CompletedProcess[str]:
    """`solnet --home HOME ARGS...` as a separate process; with ok=True it must exit 0."""
    cmd = [*localnet.solnet_command(), "--home", str(home_path(target)), *map(str, args)]
    # (its waits for a CPU count in the waits whose polls run it: progress.RunClock)
    proc = progress.run_counted(cmd, timeout=timeout, env=cli_env(), stdin=subprocess.DEVNULL)
    if ok:
        assert proc.returncode == 0, (f"`solnet {' '.join(map(str, args))}` exited {proc.returncode}\n"
                                      f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
                                      f"{node_said(target)}")
    return proc


def node_said(target: LocalNode | Path, lines: int = 30) -> str:
    """The end of the log of the node running on `target`'s home, if a test started one: what a
    failed command's message alone does not tell (was the node up, had it synced)."""
    if not isinstance(target, LocalNode) or target.log_path is None:
        return ""
    return "\n" + log_tail(target, lines)


def log_tail(node: LocalNode, lines: int) -> str:
    """The last `lines` of `node`'s log, headed by its name, its port and whether its process runs."""
    running = node.proc is not None and node.proc.poll() is None
    tail = "\n".join(log_text(node).splitlines()[-lines:])
    return f"--- {node.name} (port {node.port}, {'running' if running else 'not running'}) log tail ---\n{tail}"


def cli_json(target: LocalNode | Path, *args: str) -> Any:
    proc = cli(target, *args, "--json")
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"`solnet {' '.join(args)} --json` printed no JSON:\n{proc.stdout}\n{proc.stderr}")


def publish(target: LocalNode | Path, kind: str, **fields: str) -> bytes:
    """Publish through the CLI (while `solnet run` may run on the same home); the new event's id."""
    args: list[str] = []
    for name, value in fields.items():
        args += ["--" + name.replace("_", "-"), str(value)]
    return bytes.fromhex(cli_json(target, "publish", kind, *args)["id"])


def publish_action(target: LocalNode | Path, title: str, region: str = "calais") -> bytes:
    return publish(target, "action", title=title, region=region, type="protest", starts_at="2031-06-01T18:00")


def status(target: LocalNode | Path) -> dict[str, Any]:
    return cli_json(target, "status")


def read_db(target: LocalNode | Path) -> sqlite3.Connection:
    """A read-only connection to a node's database (safe while the node runs or after it died)."""
    path = home_path(target) / "solnet.db"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def query(target: LocalNode | Path, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    with closing(read_db(target)) as db:
        return db.execute(sql, params).fetchall()


def event_ids(target: LocalNode | Path) -> set[bytes]:
    return {row[0] for row in query(target, "SELECT id FROM events")}


def holds(target: LocalNode | Path, event_id: bytes) -> bool:
    return bool(query(target, "SELECT 1 FROM events WHERE id=?", (event_id,)))


def integrity(target: LocalNode | Path) -> str:
    return query(target, "PRAGMA integrity_check")[0][0]


def chain_problems(target: LocalNode | Path) -> list[str]:
    """Per-author chains that do not run 1..n without gaps, or a seq stored twice."""
    problems = []
    for author, low, high, n, distinct in query(
            target, "SELECT key, min(seq), max(seq), count(*), count(DISTINCT seq) FROM events JOIN keys ON k = a "
                    "GROUP BY a"):
        if low != 1 or high != n or distinct != n:
            problems.append(f"author {author.hex()[:12]}: seq {low}..{high}, {n} rows, {distinct} distinct seqs")
    duplicate_ids = query(target, "SELECT count(*) - count(DISTINCT id) FROM events")[0][0]
    if duplicate_ids:
        problems.append(f"{duplicate_ids} event ids stored more than once")
    return problems


def log_text(node: LocalNode) -> str:
    if node.log_path is None or not node.log_path.exists():
        return ""
    return node.log_path.read_text(encoding="utf-8", errors="replace")


_LINK_UP = re.compile(r"^\S+ \S+ INFO peer~[0-9a-f]+ connected \((?:outbound|inbound)\)$", re.M)
_LINK_DOWN = re.compile(r"^\S+ \S+ INFO peer~[0-9a-f]+ disconnected$", re.M)


def open_links(node: LocalNode) -> int:
    """Links the node's log shows as open now (each is logged once connected, once disconnected)."""
    text = log_text(node)
    return len(_LINK_UP.findall(text)) - len(_LINK_DOWN.findall(text))


DIRECT = urllib.request.ProxyHandler({})  # loopback: never through a proxy


def api(node: LocalNode, path: str, body: dict | None = None) -> object:
    request = urllib.request.Request(
        f"http://127.0.0.1:{node.port}{path}", data=json.dumps(body).encode() if body is not None else None,
        method="POST" if body is not None else "GET",
        headers={"Authorization": f"Bearer {node.admin_token()}", "Content-Type": "application/json"})
    with urllib.request.build_opener(DIRECT).open(request, timeout=10) as reply:
        return json.loads(reply.read())


def dashboard_pages(node: LocalNode, paths: list[str]) -> str:
    """The admin's view of `paths` (logged in with a one-time link, as a coordinator)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(DIRECT, urllib.request.HTTPCookieProcessor(jar))
    token, _ = login_links.create(node.home.path)
    base = f"http://127.0.0.1:{node.port}"
    status, at, _ = open_link(opener, f"{base}/login/link?token={token}")
    assert status == 200 and at.rstrip("/") == base, at  # logged in, on the overview
    pages = []
    for path in paths:
        with opener.open(base + path, timeout=10) as reply:
            pages.append(reply.read().decode())
    return "\n".join(pages)


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of a process from /proc, or None if it is gone."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    return fields[0], int(fields[1]), int(fields[19])


def descendants(pid: int) -> dict[int, int]:
    """The processes below `pid` (its signature workers, ...): pid -> start time (to tell reuse)."""
    table = {int(e): st for e in os.listdir("/proc") if e.isdigit() and (st := _proc_stat(int(e))) is not None}
    found: dict[int, int] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, (_, ppid, start) in table.items():
            if ppid == parent and child not in found:
                found[child] = start
                frontier.append(child)
    return found


def still_running(procs: dict[int, int]) -> list[int]:
    return [pid for pid, start in procs.items()
            if (st := _proc_stat(pid)) is not None and st[2] == start and st[0] != "Z"]


def kill_all(procs: dict[int, int]) -> None:
    for pid in still_running(procs):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Cluster:
    """Networks of local nodes for one test, and every process started for them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.nodes: list[LocalNode] = []
        self.started: list[tuple[LocalNode, subprocess.Popen]] = []
        self.orphans: dict[int, int] = {}  # children of nodes killed by a test, reparented away from them

    def network(self, groups: Sequence[tuple[str, str]], *, name: str = "solnet local network",
                folder: str = "net") -> list[LocalNode]:
        nodes = localnet.create_network(self.root / folder, groups, PASSPHRASE, network_name=name)
        self.nodes += nodes
        return nodes

    def adopt(self, nodes: Sequence[LocalNode]) -> None:
        """Nodes made elsewhere (copies of a template): their processes are stopped at the end too."""
        self.nodes += nodes

    def start(self, node: LocalNode, *, sync_interval: float = SYNC_INTERVAL_S, wait: bool = True,
              extra_env: dict[str, str] | None = None, preexec_fn: Callable[[], None] | None = None,
              extra_args: Sequence[str] = ()) -> subprocess.Popen:
        """`solnet run` for `node`; `extra_args` are more of its options (e.g. --public-dashboard)."""
        proc = localnet.start(node, PASSPHRASE, sync_interval=sync_interval, extra_env=extra_env,
                              preexec_fn=preexec_fn, extra_args=extra_args)
        self.started.append((node, proc))
        # Listening is what its own log says, since this start: on a crowded machine another process
        # may hold the port it was given. Waited for as long as the start advances (a loaded machine).
        if wait and (why := localnet.wait_started(node)) is not None:
            pytest.fail(f"{why}\n{self.log_tails()}")
        return proc

    def start_all(self, nodes: Sequence[LocalNode], **kw: Any) -> None:
        """Start listeners before the nodes that dial them (in a line: from the far end)."""
        for node in reversed(nodes):
            self.start(node, **kw)

    def kill(self, node: LocalNode) -> int:
        """kill -9 the node; its child processes are remembered (see `orphans_left`) and killed at teardown."""
        assert node.proc is not None
        children = descendants(node.proc.pid)
        node.proc.kill()
        code = node.proc.wait(10)
        self.orphans.update(children)
        return code

    def orphans_left(self, timeout: float) -> list[int]:
        """Children of killed nodes still running after `timeout` seconds (they should exit by themselves)."""
        localnet.wait_until(lambda: not still_running(self.orphans), timeout)
        return still_running(self.orphans)

    def wait(self, predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
        """Poll `predicate` until true; fail once `timeout` seconds have passed as the nodes (and
        this test) had them (progress.RunClock): the time a loaded machine kept them from running
        does not count, the time they did nothing in does (a fixed wall-clock bound failed a
        healthy network when 8 test runs shared 2 cores)."""
        if why := progress.wait_run_time(predicate, timeout, interval=interval):
            pytest.fail(f"timed out waiting for: {what}: {why}\n{self.log_tails()}")

    def log_tails(self, lines: int = 25) -> str:
        return "\n".join(log_tail(node, lines) for node in self.nodes if node.log_path is not None)

    def converged(self, nodes: Sequence[LocalNode]) -> bool:
        first = event_ids(nodes[0])
        return all(event_ids(n) == first for n in nodes[1:])

    def teardown(self) -> list[str]:
        """Stop every process; what went wrong on the way (a node that did not stop cleanly)."""
        problems = []
        kill_all(self.orphans)  # a test already judged them
        children: dict[int, int] = {}
        for node, proc in self.started:
            if proc.poll() is None:
                children.update(descendants(proc.pid))
                try:
                    proc.send_signal(signal.SIGCONT)
                except ProcessLookupError:
                    pass
                node.proc = proc
                code = localnet.stop(node, STOP_TIMEOUT_S)
                if code != 0:
                    problems.append(f"{node.name} exited {code} on SIGTERM at teardown")
        for node, proc in self.started:
            if proc.poll() is None:  # last resort; never leave a process behind
                proc.kill()
                proc.wait(5)
        localnet.wait_until(lambda: not still_running(children), 5)
        stray = still_running(children)
        kill_all(children)
        if stray:
            problems.append(f"child processes of stopped nodes still ran 5 s later: {stray}")
        left = [f"{node.name} pid {proc.pid}" for node, proc in self.started if proc.poll() is None]
        assert not left, f"processes left running: {left}"
        return problems


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """Nodes started for a test are all stopped when it ends, pass or fail."""
    c = Cluster(tmp_path)
    try:
        yield c
    finally:
        problems = c.teardown()
    assert not problems, "\n".join(problems) + "\n" + c.log_tails()
