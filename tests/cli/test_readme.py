"""The README's tutorial runs as pasted, and shows what the program prints.

The shell blocks marked `<!-- README test: NAME -->` (the five-minute network, a bundle across,
two running nodes) run in order, line by line, in one empty folder with real `solnet` processes
on 127.0.0.1, as a person would paste them: `export` lines set the environment of the lines after
them, every other line runs in bash and must succeed without a traceback. The only changes: the
ports 7700 and 7701 become free ports, and the bundle passphrase a person would type at the
prompt comes from the environment. `solnet ... run` lines start in the background (a terminal of
their own in the README), are waited for until they serve (bounded), and are stopped with Ctrl-C
at the end. The dates need no substitution: the README computes them with `date`.

The blocks marked `<!-- README output: COMMAND -->` are what COMMAND printed in the README; they
must match what it prints here, line for line, dates, times and ids aside.
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from node.demo import localnet

README = Path(__file__).resolve().parents[2] / "README.md"
TESTED = re.compile(r"<!-- README test: (?P<name>[\w-]+) -->\n```bash\n(?P<body>.*?)```", re.S)
SHOWN = re.compile(r"<!-- README output: (?P<command>.+?) -->\n```text\n(?P<body>.*?)```", re.S)
BLOCKS = ("setup", "publish", "bundle", "nodes", "with-nodes")
COMMAND_TIMEOUT_S = 90  # a publish may wait up to 30 s for a just-started node's first sync
SERVE_TIMEOUT_S = 60
STOP_TIMEOUT_S = 20


@dataclass
class Ran:
    command: str
    stdout: str


def commands(body: str) -> list[str]:
    """The block's commands: continuation lines joined, blank lines and whole-line comments dropped."""
    joined = re.sub(r"\\\n\s*", "", body)
    return [line for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def as_pattern(shown: str) -> re.Pattern[str]:
    """A line the README shows, as a pattern: local dates and times, short and full ids may differ."""
    pattern = re.escape(shown.rstrip())
    pattern = re.sub(r"\d{4}\\-\d{2}\\-\d{2}\\ \d{2}:\d{2}", r"\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}", pattern)
    pattern = re.sub(r"[0-9a-f]{64}", "[0-9a-f]{64}", pattern)
    pattern = re.sub(r"[0-9a-f]{12}…", "[0-9a-f]{12}…", pattern)
    return re.compile(pattern)


def readme_blocks() -> dict[str, list[str]]:
    text = README.read_text(encoding="utf-8")
    return {m["name"]: commands(m["body"]) for m in TESTED.finditer(text)}


def test_the_readme_marks_the_tutorial_blocks():
    """The test below proves something only if it finds the blocks: each is marked once, in order."""
    text = README.read_text(encoding="utf-8")
    assert [m["name"] for m in TESTED.finditer(text)] == list(BLOCKS)
    assert [m["command"] for m in SHOWN.finditer(text)] == ["solnet --home bristol import calais.bundle",
                                                             "solnet --home bristol view actions",
                                                             "solnet --home bristol status"]


def test_the_tutorial_runs_as_pasted(tmp_path, cli):
    ports = dict(zip(("7700", "7701"), map(str, localnet.free_ports(2))))
    env = {k: v for k, v in cli.base_env().items() if not k.startswith("SOLNET_")}
    env.pop("TZ", None)  # the README's dates and the program's are both in the machine's time zone
    env["PATH"] = f"{cli.SOLNET.parent}{os.pathsep}{env.get('PATH', '')}"
    env["SOLNET_BUNDLE_PASSPHRASE"] = "typed at the prompt"  # what a person types when asked
    ran: list[Ran] = []
    nodes: list[tuple[str, subprocess.Popen, Path]] = []
    try:
        for name in BLOCKS:
            for line in readme_blocks()[name]:
                line = re.sub(r"\b(7700|7701)\b", lambda m: ports[m.group(1)], line)
                if line.startswith("export "):
                    key, _, value = line[len("export "):].partition("=")
                    env[key] = shlex.split(value, comments=True)[0]
                elif re.match(r"solnet .* run\b", line):
                    nodes.append(start_node(line, env, tmp_path, len(nodes)))
                else:
                    ran.append(run_line(line, env, tmp_path))
        outputs: dict[str, str] = {}
        for r in ran:
            outputs.setdefault(r.command, r.stdout)  # the README shows where the tutorial first runs it
        text = README.read_text(encoding="utf-8")
        for shown in SHOWN.finditer(text):
            expected = shown["body"].rstrip("\n").splitlines()
            actual = outputs[shown["command"]].rstrip("\n").splitlines()
            assert len(actual) == len(expected), (shown["command"], actual)
            for want, got in zip(expected, actual):
                assert as_pattern(want).fullmatch(got), f"{shown['command']}: README shows\n{want}\nbut it prints\n{got}"
        after = [r.stdout for r in ran if r.command == "solnet --home bristol status"]
        assert "node: running" in after[-1], after[-1]
        assert "Eviction at the port" in [r.stdout for r in ran if r.command == "solnet --home bristol view alerts"][-1]
    finally:
        for _, proc, _ in nodes:
            stop_node(proc)
    for line, proc, log in nodes:
        assert proc.returncode == 0, f"`{line}` exited {proc.returncode}:\n{log.read_text()}"
        assert "Traceback" not in log.read_text()


def run_line(line: str, env: dict[str, str], folder: Path) -> Ran:
    proc = subprocess.run(["bash", "-c", line], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT_S, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, (
        f"the README's `{line}` exited {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}")
    command = line.split("#")[0].strip()
    return Ran(command, proc.stdout)


def start_node(line: str, env: dict[str, str], folder: Path, number: int) -> tuple[str, subprocess.Popen, Path]:
    """A `solnet run` line, started as in a terminal of its own; returns once it serves."""
    log = folder / f"node-{number}.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(["bash", "-c", f"exec {line}"], cwd=folder, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + SERVE_TIMEOUT_S
    while "running; peers connect to" not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_node(proc)
            pytest.fail(f"the README's `{line}` did not start serving:\n{log.read_text()}")
        time.sleep(0.1)
    return line, proc, log


def stop_node(proc: subprocess.Popen) -> None:
    """Ctrl-C, as a person stops it; killed if it does not stop in time (the test then fails)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT_S)


def test_the_readme_says_what_the_restore_safeguard_cannot_catch():
    """A round with one peer that lacks the newest events cannot tell a restored home it is behind:
    the README says so, and what to do, rather than present the safeguard as a guarantee."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "A peer that has not yet received the newest events" in text
    assert "sync first with the peers that were online when the backup's device last published" in text
    assert "this device's key signed two different events at seq N" in text


def test_the_readme_and_run_help_say_that_only_a_proxy_hides_a_node_from_members(cli):
    """The README said "where members must not learn where a node is, announce an onion address, or
    nothing": any member can announce an address it watches, every running node dials announced
    addresses, so the member learns the IP address of a node that announced nothing. Only dialling
    through a proxy (Tor) hides it."""
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert "announce an onion address, or nothing." not in text
    assert ("Such a node announces an onion address or nothing, AND dials through Tor (`solnet run --proxy "
            "socks5://127.0.0.1:9050`") in text
    assert ("Without a proxy, every node you dial, addresses any member announced included, sees your address."
            in text)
    shown = " ".join(cli.run(None, "run", "--help").stdout.split())
    assert ("announce an onion address or nothing AND give --proxy (Tor): without a proxy, every node this one "
            "dials, addresses any member announced included, sees its address") in shown, shown
    assert ("Without one, every node this one dials, addresses any member announced included, sees this node's IP "
            "address: Tor hides it") in shown, shown
