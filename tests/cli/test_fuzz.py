"""Every subcommand, driven with what people (and scripts) get wrong: missing, empty, binary, huge
and wrong-typed arguments, and files that are missing, folders, empty, binary, huge or of the
wrong kind. Each invocation is a real `solnet` process; none may end in a traceback, and each
exit code must be one of the README's table (0 done, 1 refused, 2 usage, 3 home, 4 storage).

The invocations run against copies of one populated network, a few at a time in parallel; the
ones that would run for good (`run`, `demo`) only ever get arguments they must refuse, and
`run` also a port this test holds, so even an argument wrongly accepted ends in a refusal.
"""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import cli as solnet_cli

HUGE = "x" * 100_000  # a single argv string is limited to 128 KiB on Linux
BINARY = os.fsdecode(b"\xff\xfe\x80bin")  # not UTF-8
CONTROL = "bad\x1b[31m\x07\u202etext"  # UTF-8, with a terminal escape, a bell and a bidi override
TABLE = {0, 1, 2, 3, 4}
WORKERS = 4
TIMEOUT_S = 60  # one invocation; each refuses or finishes in well under a second on a quiet machine


def subcommands() -> set[str]:
    parser = solnet_cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


@pytest.fixture
def places(populated, tmp_path, cli):
    """Homes and files to drive the commands with."""
    files = tmp_path / "files"
    files.mkdir()
    (files / "empty").write_bytes(b"")
    (files / "binary").write_bytes(os.urandom(4096) + b"\x00\xff" * 100)
    (files / "huge").write_bytes(os.urandom(3 * 1024 * 1024))
    (files / "folder").mkdir()
    (files / "text").write_text("solnet-invite-v1:" + "A" * 50 + "\n")
    prepared = tmp_path / "prepared"  # made its keys, not in a network yet
    shutil.copytree(populated.b, prepared, ignore=shutil.ignore_patterns("solnet.db*"))
    bundle = files / "a.bundle"
    cli.run(populated.a, "export", bundle)
    invite = files / "invite.txt"
    cli.run(populated.a, "invite", "ab" * 32, "--out", invite)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    yield {"home": populated.a, "prepared": prepared, "files": files, "bundle": bundle, "invite": invite,
           "busy": f"127.0.0.1:{busy.getsockname()[1]}", "ids": populated.published, "tmp": tmp_path}
    busy.close()


def invocations(p: dict) -> list[tuple[str | None, list[str]]]:
    """(home, argv) pairs; home None means: a fresh folder of the invocation's own."""
    home, prepared, f = str(p["home"]), str(p["prepared"]), p["files"]
    files = [str(f / n) for n in ("empty", "binary", "huge", "folder", "text")] + [
        str(f / "missing" / "file"), "", BINARY, HUGE, "/dev/zero"]
    an_id = p["ids"]["action"]
    bad_ids = ["", "0", "zz" * 32, an_id[:5], BINARY, CONTROL, HUGE, an_id + "00", "…"]
    numbers = ["", "abc", "-1", "0", "1e999", "99999999999999999999", CONTROL]
    out: list[tuple[str | None, list[str]]] = []

    def add(h: str | None, *argv: str) -> None:
        out.append((h, list(argv)))

    # the command line itself
    for argv in ([], ["--bogus"], ["nosuchcommand"], ["--home"], ["--version"], [BINARY], [HUGE]):
        add(home, *argv)
    for bad_home in ("", "/dev/null", str(f / "binary"), HUGE, BINARY, str(f / "folder")):
        add(bad_home, "status")
    # init: on a home that holds a node, and in fresh folders
    add(home, "init", "--group", "X", "--region", "x")
    for argv in ([], ["--group", ""], ["--region", ""], ["--group", "X", "--region", ""],
                 ["--group", HUGE, "--region", "x"], ["--group", BINARY, "--region", BINARY],
                 ["--group", "X", "--region", "X Y!"], ["--device-of", ""], ["--device-of", "zz"],
                 ["--device-of", HUGE], ["--device-of", "ab" * 32, "--new-network"],
                 ["--device-of", "ab" * 32, "--region", BINARY]):
        add(None, "init", *argv)
    add(home, "id", "--device", "extra")
    # membership
    for cmd in ("vouch", "invite"):
        add(home, cmd)
        for value in bad_ids + ["solnet-device-v2:zz", "solnet-device-v2:" + "ab" * 32]:
            add(home, cmd, value, "--out", str(p["tmp"] / "token.txt"))
        for target in files:
            add(home, cmd, "cd" * 32, "--out", target)
    add(home, "revoke")
    for value in bad_ids:
        add(home, "revoke", value)
    for seq in numbers:
        add(home, "revoke", "ef" * 32, "--from-seq", seq)
    add(home, "accept")  # the founder: it joined through no one
    for value in bad_ids + ["ab" * 32]:
        add(home, "accept", value)
    add(prepared, "accept")
    add(prepared, "join")
    for target in files + [str(p["bundle"])]:
        add(prepared, "join", target)
    add(home, "join", str(p["invite"]))
    # events
    add(home, "publish")
    for argv in (["rally"], [""], [BINARY], [HUGE], ["alert"], ["alert", "--text"], ["need", "--quantity", "abc"],
                 ["need", "--category", "tents", "--quantity", "-1", "--region", "calais"],
                 ["need", "--category", BINARY, "--quantity", "1", "--region", "calais"],
                 ["need", "--category", CONTROL, "--quantity", "1", "--region", "calais"],
                 ["need", "--category", "tents", "--quantity", "1", "--region", "calais", "--notes", HUGE],
                 ["action", "--title", HUGE, "--region", "calais", "--starts-at", "2030-01-01T10:00", "--type", "protest"],
                 ["action", "--title", "x", "--region", "calais", "--starts-at", BINARY, "--type", "protest"],
                 ["alert", "--region", "calais", "--type", "raid", "--text", "x", "--expires-in", "99999d"],
                 ["alert", "--region", "calais", "--type", "raid", "--text", BINARY],
                 ["support.claim", "--request", an_id], ["support.claim", "--request", ""],
                 ["support.request", "--region", "calais", "--type", "housing", "--people", "1", "--urgency", "low",
                  "--private", "x", "--to", "zz"],
                 ["fundraiser.update", "--fundraiser", an_id[:6], "--raised", "1.234"],
                 ["redact", "--ids", ",".join(["", "", ""])], ["need", "--as", "nobody"], ["need", "--unknown"]):
        add(home, "publish", *argv)
    for argv in (["--kind", ""], ["--kind", "alerts"], ["--kind", BINARY], ["--author", "zz"],
                 ["--author", an_id[:6]], ["--author", HUGE]) + tuple(["--limit", n] for n in numbers):
        add(home, "ls", *argv)
    add(home, "show")
    for value in bad_ids:
        add(home, "show", value)
    for name in ("", "nope", BINARY, HUGE):
        add(home, "view", name)
    add(home, "view", "actions", "--region", BINARY)
    add(home, "view", "needs", "--region", CONTROL)
    add(home, "ls", "--kind", CONTROL)
    add(home, "status", "--json")
    add(home, "redact")
    for value in bad_ids:
        add(home, "redact", value)
    add(home, "rebuild", "--json")
    # bundles
    add(home, "export")
    for target in [str(f / "folder"), str(f / "missing" / "x.bundle"), "", HUGE, BINARY]:
        add(home, "export", target)
    for since in ("", "yesterday", BINARY, HUGE, "2030-13-45"):
        add(home, "export", str(p["tmp"] / "since.bundle"), "--since", since)
    add(home, "export", str(p["tmp"] / "sealed.bundle"), "--encrypt")  # no passphrase, no terminal
    add(home, "import")
    for target in files + [str(p["invite"])]:
        add(home, "import", target)
    # running a node: only ever arguments it must refuse
    busy = p["busy"]
    for argv in (["--listen", busy], ["--listen", ""], ["--listen", "x"], ["--listen", HUGE], ["--listen", BINARY],
                 ["--listen", "127.0.0.1:99999"], ["--listen", busy, "--peer", ""], ["--listen", busy, "--peer", BINARY],
                 ["--listen", busy, "--peer", HUGE], ["--listen", busy, "--sync-interval", "abc"],
                 ["--listen", busy, "--sync-interval", "-1"], ["--listen", busy, "--sync-interval", "1e999"], ["--listen", busy, "--proxy", "http://x"],
                 ["--listen", busy, "--proxy", BINARY]):
        add(home, "run", *argv)
    add(prepared, "run", "--listen", busy)
    for argv in (["rm"], ["add"], ["add", ""], ["add", BINARY], ["add", HUGE], ["rm", "127.0.0.1:1"], ["bogus"],
                 ["ls", "extra"], ["block"], ["block", BINARY], ["block", HUGE], ["block", "abcdef"],
                 ["unblock", "127.0.0.1:1"], ["unblock", "f" * 64], ["unblock", BINARY]):
        add(home, "peers", *argv)
    for argv in ([], [""], [BINARY], [HUGE], ["127.0.0.1:1"], ["x.onion:1"], ["127.0.0.1:1", "--proxy", "bad"]):
        add(home, "sync", *argv)
    for argv in ([""], ["http://127.0.0.1:9050"], [BINARY], [HUGE], ["socks5://[::1"]):
        add(home, "proxy", *argv)
    for argv in (["--base-url", ""], ["--base-url", BINARY], ["--valid-for", ""], ["--valid-for", "99d"],
                 ["--valid-for", "0m"], ["--valid-for", HUGE]):
        add(home, "dashboard-link", *argv)
    for argv in (["--duration", "-1"], ["--duration", "abc"], ["--base-port", "abc"], ["--base-port", "1"],
                 ["--base-port", "99999"]):
        add(home, "demo", *argv)
    for argv in ([], [""], [BINARY], [HUGE], [str(f / "text")], ["site", "--base-url", "ftp://x"],
                 ["site", "--lang", "de"], ["site", "--base-url", BINARY]):
        add(home, "export-site", *argv)
    for argv in (["--on-alert", ""], ["--on-alert", "'unclosed"], ["--on-alert", "/no/such/program"],
                 ["--on-alert", BINARY], ["--alert-region", "calais"], ["--on-alert", "true", "--on-alert-timeout", "abc"],
                 ["--on-alert", "true", "--on-alert-timeout", "-1"], ["--on-alert", "true", "--on-alert-limit", "-1"],
                 ["--on-alert", "true", "--on-alert-limit", "ten"]):
        add(home, "run", "--listen", busy, *argv)
    # a new passphrase from files that hold none (never a file holding one: every invocation shares the home)
    for target in [str(f / n) for n in ("empty", "binary", "huge", "folder")] + [
            str(f / "missing" / "file"), "", BINARY, HUGE, "/dev/zero"]:
        add(home, "passphrase", "--new-file", target)
    add(home, "passphrase", "extra")
    add(home, "end-sessions", "extra")
    add(home, "end-sessions")  # (no node runs: it says so)
    # the panic wipe, never confirmed
    for argv in ([], ["--all"], ["--all", "extra"]):
        add(home, "wipe", *argv)
    add(home, "admin-token", "--json")
    return out


# The invocations are dealt into a few groups, each its own test, so that none comes near the
# per-test timeout on a slow machine (all of them together take ~2 minutes on 2 cores).
GROUPS = 6


def test_every_subcommand_is_driven(places):
    cases = invocations(places)
    covered = {argv[0] for _, argv in cases if argv and argv[0] in subcommands()}
    assert covered == subcommands(), f"not driven: {subcommands() - covered}"
    assert 150 <= len(cases) <= 400, len(cases)


@pytest.mark.parametrize("group", range(GROUPS))
def test_every_subcommand_survives_bad_input(places, cli, tmp_path, group):
    cases = [(i, h, a) for i, (h, a) in enumerate(invocations(places)) if i % GROUPS == group]

    def drive(number: int, home: str | None, argv: list[str]) -> str | None:
        folder = home if home is not None else str(tmp_path / f"fresh-{number}")
        env = cli.base_env()
        try:
            proc = subprocess.run([str(cli.SOLNET), "--home", folder, *argv], capture_output=True, cwd=tmp_path,
                                  timeout=TIMEOUT_S, env=env, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return f"{shown(argv)}: still running after {TIMEOUT_S} s"
        stderr = proc.stderr.decode("utf-8", "replace")
        if b"Traceback" in proc.stderr or b"Unclosed" in proc.stderr or proc.returncode not in TABLE:
            return f"{shown(argv)} (home {shown([folder])}): exit {proc.returncode}\n{stderr[-1500:]}"
        if proc.returncode != 0 and not any(line.startswith("solnet") for line in stderr.splitlines()):
            return f"{shown(argv)}: exit {proc.returncode} without saying why: {stderr[-300:]!r}"
        return None

    with ThreadPoolExecutor(WORKERS) as pool:
        problems = [p for p in pool.map(lambda c: drive(*c), cases) if p]
    assert not problems, f"{len(problems)} of {len(cases)} invocations went wrong:\n\n" + "\n\n".join(problems)


def shown(argv: list[str]) -> str:
    return " ".join(a if len(a) < 60 else a[:20] + f"...({len(a)} chars)" for a in argv).encode(
        "utf-8", "backslashreplace").decode()
