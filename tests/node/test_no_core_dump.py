"""A process that unlocks the keystore never leaves its memory (the seeds, the passphrase) in a core
file: a running node's core limit is 0 (soft: no core file) even when it was started with core dumps on
(systemd's LimitCORE=infinity), and it is not dumpable (node/no_core_dump.py)."""
from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from node.demo import localnet

pytestmark = pytest.mark.integration  # `solnet run` as a process

PASS = "core dump test passphrase"


def _cores_on() -> None:
    # (the soft limit up to the hard one: raising the hard one needs CAP_SYS_RESOURCE)
    resource.setrlimit(resource.RLIMIT_CORE, (resource.getrlimit(resource.RLIMIT_CORE)[1],) * 2)


def _core_limit(pid: int) -> list[str]:
    line = next(x for x in Path(f"/proc/{pid}/limits").read_text().splitlines() if x.startswith("Max core file size"))
    return line.split()[4:6]


def test_a_running_node_has_no_core_limit_and_is_not_dumpable(tmp_path: Path) -> None:
    [calais] = localnet.create_network(tmp_path, [("Calais", "calais")], PASS)
    proc = localnet.start(calais, PASS, preexec_fn=_cores_on)
    try:
        assert (why := localnet.wait_started(calais)) is None, why
        assert _core_limit(proc.pid)[0] == "0", Path(f"/proc/{proc.pid}/limits").read_text()
    finally:
        localnet.stop(calais)
    # Whoever unlocks the keys (here a plain process reading them, as every command does) is marked
    # not dumpable before the passphrase is read
    said = subprocess.run(
        [sys.executable, "-c", "import ctypes; from node.home import Home; from node.no_core_dump import PR_GET_DUMPABLE;"
         f"Home({str(calais.home.path)!r}).keys({PASS!r});"
         "print(ctypes.CDLL(None).prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))"],
        capture_output=True, text=True, timeout=60, preexec_fn=_cores_on, cwd=Path(__file__).resolve().parents[2],
        env={k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")})
    assert said.returncode == 0 and said.stdout.split() == ["0"], (said.stdout, said.stderr)


def _limit_at_prompt(args: list[str], prompt: bytes, env: dict[str, str]) -> list[str]:
    """The core limit of a `solnet` command while it waits at its prompt (in a terminal: a pty)."""
    import pty
    import select
    import time

    parent, child = pty.openpty()
    proc = subprocess.Popen([str(Path(sys.executable).with_name("solnet")), *args], stdin=child, stdout=child,
                            stderr=child, env=env, preexec_fn=_cores_on)
    os.close(child)
    seen, deadline = b"", time.monotonic() + 30
    try:
        while prompt not in seen:
            left = deadline - time.monotonic()
            assert left > 0 and proc.poll() is None, seen
            if select.select([parent], [], [], left)[0]:
                seen += os.read(parent, 4096)
        return _core_limit(proc.pid)
    finally:
        proc.kill()
        proc.wait(10)
        os.close(parent)


def test_a_command_holding_a_passphrase_before_it_unlocks_dumps_no_core(tmp_path: Path) -> None:
    """$SOLNET_PASSPHRASE is in a command's memory from its start, and a passphrase typed at `init`'s
    prompt before any keystore exists: a Ctrl-\\ (SIGQUIT) or a crash while `solnet wipe` asked to go on
    wrote a core file holding the passphrase (shown by hand: core_pattern "core", ulimit -c unlimited)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    home = tmp_path / "home"
    made = subprocess.run([str(Path(sys.executable).with_name("solnet")), "--home", str(home), "init", "--group", "G",
                           "--region", "calais"], env={**clean, "SOLNET_PASSPHRASE": PASS}, capture_output=True,
                          timeout=60)
    assert made.returncode == 0, made.stderr
    assert _limit_at_prompt(["--home", str(home), "wipe"], b"Type WIPE", {**clean, "SOLNET_PASSPHRASE": PASS})[0] == "0"
    assert _limit_at_prompt(["--home", str(tmp_path / "other"), "init", "--group", "G", "--region", "calais"],
                            b"Passphrase for this node's keys", clean)[0] == "0"


def test_private_details_read_from_standard_input_dump_no_core(tmp_path: Path) -> None:
    """`solnet publish ... --private -` reads a case's details (a name, an age, a place) at its prompt,
    with no passphrase in its environment, and hands them to the running node if one serves the home
    (no keys unlocked here at all): a Ctrl-\\ (SIGQUIT) or a crash while they were typed or while the
    node signed wrote them to a core file."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    [calais] = localnet.create_network(tmp_path, [("Calais", "calais")], PASS)
    args = ["--home", str(calais.home.path), "publish", "support.request", "--region", "calais", "--type", "housing",
            "--people", "1", "--urgency", "high", "--to", "Calais", "--private", "-"]
    assert _limit_at_prompt(args, b"Private details", clean)[0] == "0"
