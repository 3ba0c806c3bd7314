"""The panic wipe stops a `solnet import` or `solnet export` running on the home. An import opens the
database, then waits at its bundle passphrase prompt (or stores a large bundle for minutes on a Pi):
the wipe did not know of it, so what the import stored afterwards (the nodes' addresses of the
bundle's announcements, its sealed parts) was in the database the wipe had just emptied of them, and
a card taken after the wipe gave up where the network's nodes are. An export unlocks the keys, then
waits at its prompt: it kept them past the wipe and signed a bundle with them afterwards. Real
processes: each waits at its prompt in a pty."""
from __future__ import annotations

import json
import os
import select
import subprocess
import time
from pathlib import Path

import pytest

from node.demo import localnet
from node.home import PASSPHRASE_ENV

pytestmark = pytest.mark.integration  # `solnet import` as a process

PASS = "wipe during an import: tests only"
BUNDLE_PASS = "the bundle's own passphrase, tests only"
ADDRESS = "calais-node.example.org:7731"


def _solnet(home: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run([*localnet.solnet_command(), "--home", str(home), *args], env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return done


def _read_until(fd: int, wanted: bytes, proc: subprocess.Popen, timeout: float) -> bytes:
    seen, deadline = b"", time.monotonic() + timeout
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0 and proc.poll() is None, seen
        if select.select([fd], [], [], left)[0]:
            seen += os.read(fd, 4096)
    return seen


def _at_prompt(home: Path, args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    """`solnet ARGS` on `home` in a pty, once it waits at its bundle passphrase prompt; and the pty."""
    import pty

    parent, child = pty.openpty()
    proc = subprocess.Popen([*localnet.solnet_command(), "--home", str(home), *args], stdin=child, stdout=child,
                            stderr=child, env=env)
    os.close(child)
    try:
        _read_until(parent, b"Bundle passphrase", proc, 30)
    except BaseException:
        proc.kill()
        proc.wait(10)
        os.close(parent)
        raise
    return proc, parent


def _answer_and_end(proc: subprocess.Popen, parent: int, answers: int) -> None:
    """Type the bundle passphrase as often as asked (on the code before, the command went on: a new
    bundle passphrase is asked twice), reading what the command says meanwhile; wait for its end."""
    try:
        for _ in range(answers):
            try:
                os.write(parent, BUNDLE_PASS.encode() + b"\n")
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and select.select([parent], [], [], 0.2)[0]:
                    if not os.read(parent, 4096):
                        break
            except OSError:  # the command has ended (the pty is closed)
                break
        assert proc.wait(30) is not None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        os.close(parent)


def test_the_wipe_stops_an_import_waiting_at_its_prompt(tmp_path: Path) -> None:
    calais, brighton = localnet.create_network(tmp_path, [("Calais", "calais"), ("Brighton", "brighton")], PASS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    _solnet(calais.home.path, "publish", "node.announce", "--addresses", ADDRESS, "--offline",
            env={**env, PASSPHRASE_ENV: PASS})
    bundle = tmp_path / "calais.bundle"
    _solnet(calais.home.path, "export", "--encrypt", str(bundle),
            env={**env, PASSPHRASE_ENV: PASS, "SOLNET_BUNDLE_PASSPHRASE": BUNDLE_PASS})

    home = brighton.home.path
    importing, parent = _at_prompt(home, ["import", str(bundle)], env)  # the database open, the import waiting
    wiped = _solnet(home, "wipe", "--yes", "--json", env=env)
    stopped = json.loads(wiped.stdout).get("stopped_import_pid")
    _answer_and_end(importing, parent, 1)
    after = b"".join(f.read_bytes() for f in sorted(home.glob("solnet.db*")))
    kept_address = ADDRESS.encode() in after
    assert not kept_address  # the node's address the wipe forgets stayed forgotten
    assert stopped == importing.pid  # and the wipe says it stopped the import


def test_the_wipe_stops_an_export_that_holds_the_keys_at_its_prompt(tmp_path: Path) -> None:
    [calais] = localnet.create_network(tmp_path, [("Calais", "calais")], PASS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    bundle = tmp_path / "calais.bundle"
    exporting, parent = _at_prompt(calais.home.path, ["export", "--encrypt", str(bundle)],
                                   {**env, PASSPHRASE_ENV: PASS})  # the keys unlocked, the export waiting
    wiped = _solnet(calais.home.path, "wipe", "--yes", "--json", env=env)
    stopped = json.loads(wiped.stdout).get("stopped_export_pid")
    _answer_and_end(exporting, parent, 2)  # (asked twice: a new bundle passphrase)
    assert not bundle.exists() and not bundle.with_name(bundle.name + ".tmp").exists()  # nothing signed after the wipe
    assert stopped == exporting.pid


def test_the_wipe_stops_every_export_of_the_home_not_only_the_first(tmp_path: Path) -> None:
    """Two exports at their prompts: the second found the one shared mark taken, ran unmarked, and
    outlived the wipe with the keys, writing its bundle after "keystore: overwritten and deleted"."""
    [calais] = localnet.create_network(tmp_path, [("Calais", "calais")], PASS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    bundles = [tmp_path / "first.bundle", tmp_path / "second.bundle"]
    first = _at_prompt(calais.home.path, ["export", "--encrypt", str(bundles[0])], {**env, PASSPHRASE_ENV: PASS})
    try:
        second = _at_prompt(calais.home.path, ["export", "--encrypt", str(bundles[1])], {**env, PASSPHRASE_ENV: PASS})
    except BaseException:
        _answer_and_end(*first, 0)
        raise
    wiped = _solnet(calais.home.path, "wipe", "--yes", "--json", env=env)
    stopped = {c["pid"] for c in json.loads(wiped.stdout).get("stopped_commands", [])}
    for proc, parent in (first, second):
        _answer_and_end(proc, parent, 2)
    assert [b.name for b in bundles if b.exists()] == []  # no bundle signed after the wipe
    assert stopped == {first[0].pid, second[0].pid}


def test_an_export_killed_by_the_wipe_is_said_with_the_file_it_may_have_left(tmp_path: Path) -> None:
    """An export that cannot act on SIGTERM (in an fsync to a slow USB stick; here: stopped) is
    killed after 5 s: its FILE.tmp may hold the whole log. The wipe said "it leaves no unfinished
    bundle"; now it says it killed it and names FILE.tmp to destroy."""
    import signal

    [calais] = localnet.create_network(tmp_path, [("Calais", "calais")], PASS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    bundle = tmp_path / "stick" / "calais.bundle"
    bundle.parent.mkdir()
    exporting, parent = _at_prompt(calais.home.path, ["export", "--encrypt", str(bundle)], {**env, PASSPHRASE_ENV: PASS})
    try:
        os.kill(exporting.pid, signal.SIGSTOP)  # (it cannot act on the wipe's SIGTERM)
        said = _solnet(calais.home.path, "wipe", "--yes", env=env).stdout
    finally:
        _answer_and_end(exporting, parent, 0)
    line = next(line for line in said.splitlines() if "solnet export" in line)
    assert "no unfinished bundle" not in line
    assert f"{bundle}.tmp" in line and "KILLED" in line and "shred -u" in line


def test_an_import_stopped_by_the_wipe_at_its_prompt_leaves_the_terminal_echoing(tmp_path: Path) -> None:
    """`solnet import` had no SIGTERM handler: killed inside getpass, it left its terminal with echo
    off (what is typed next, unseen). Now it ends through getpass's cleanup, as an export does."""
    import pty
    import termios

    [calais] = localnet.create_network(tmp_path, [("Calais", "calais")], PASS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    bundle = tmp_path / "calais.bundle"
    _solnet(calais.home.path, "export", "--encrypt", str(bundle),
            env={**env, PASSPHRASE_ENV: PASS, "SOLNET_BUNDLE_PASSPHRASE": BUNDLE_PASS})
    parent, child = pty.openpty()
    try:
        importing = subprocess.Popen([*localnet.solnet_command(), "--home", str(calais.home.path), "import",
                                      str(bundle)], stdin=child, stdout=child, stderr=child, env=env)
        try:
            _read_until(parent, b"Bundle passphrase", importing, 30)
            assert not termios.tcgetattr(child)[3] & termios.ECHO  # (at the prompt: echo off)
            _solnet(calais.home.path, "wipe", "--yes", env=env)
            assert importing.wait(30) is not None
        finally:
            if importing.poll() is None:
                importing.kill()
                importing.wait(10)
        echoing = bool(termios.tcgetattr(child)[3] & termios.ECHO)
    finally:
        os.close(child)
        os.close(parent)
    assert echoing


def test_the_readme_says_the_wipe_stops_an_export_too() -> None:
    """The README's `wipe` row named `solnet sync` and `solnet import` only: the export, which holds
    the keys, is stopped too."""
    readme = Path(__file__).resolve().parents[2] / "README.md"
    row = next(line for line in readme.read_text(encoding="utf-8").splitlines() if line.startswith("| `wipe "))
    assert "`solnet export`" in row.split(", then ")[0]
