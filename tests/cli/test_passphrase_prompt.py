"""The passphrase typed at a terminal: a mistyped one is asked again, three tries in all. The
`solnet` process runs on a pseudo-terminal of its own (pty.fork), as in a person's terminal."""
from __future__ import annotations

import os
import pty
import select
import signal
import time
from pathlib import Path

PROMPT = b"Passphrase for this node's keys: "
STEP_TIMEOUT_S = 60  # each unlock derives a 64 MiB Argon2id key: slow on a busy machine, but bounded


class Terminal:
    """`solnet ARGS` on a pseudo-terminal: read what it prints, type answers."""

    def __init__(self, solnet: Path, env: dict[str, str], *args: str) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: its terminal is the pty, as for a person
            try:
                os.execve(str(solnet), [str(solnet), *args], env)
            finally:
                os._exit(127)
        self.seen = b""

    def wait_for(self, text: bytes) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while text not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"waited {STEP_TIMEOUT_S} s for {text!r}; the terminal shows:\n{self.seen.decode()}"
            if select.select([self.fd], [], [], min(left, 1.0))[0]:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:  # the child closed the terminal (EIO)
                    chunk = b""
                assert chunk, f"the command ended before {text!r}; the terminal shows:\n{self.seen.decode()}"
                self.seen += chunk

    def type_at_prompt(self, typed: str) -> None:
        """Wait for the next passphrase prompt and type `typed` (and Enter)."""
        self.wait_for(PROMPT)
        self.seen = self.seen.replace(PROMPT, b"<asked>", 1)  # the next wait is for the next prompt
        os.write(self.fd, typed.encode() + b"\n")

    def finish(self) -> tuple[int, str]:
        """The exit code and everything it printed."""
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while True:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                break
            assert time.monotonic() < deadline, f"still running:\n{self.seen.decode()}"
            if select.select([self.fd], [], [], 0.2)[0]:
                try:
                    self.seen += os.read(self.fd, 4096)
                except OSError:
                    pass
        try:
            while select.select([self.fd], [], [], 0)[0]:
                chunk = os.read(self.fd, 4096)
                if not chunk:
                    break
                self.seen += chunk
        except OSError:
            pass
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status), self.seen.decode(errors="replace")


def prompt_env(cli) -> dict[str, str]:
    env = cli.base_env()
    del env["SOLNET_PASSPHRASE"]
    return env


NEED = ("publish", "need", "--category", "tents", "--quantity", "3", "--region", "calais")


def test_a_mistyped_passphrase_is_asked_again(network, cli):
    before = len(cli.run_json(network.a, "ls"))
    term = Terminal(cli.SOLNET, prompt_env(cli), "--home", str(network.a), *NEED)
    for typed in ("nine tents for the jungel", "nine tents", cli.PASSPHRASE):
        term.type_at_prompt(typed)
    code, shown = term.finish()
    assert code == 0 and "Published need" in shown, shown
    assert shown.count("Wrong passphrase, try again.") == 2, shown
    assert len(cli.run_json(network.a, "ls")) == before + 1


def test_three_wrong_passphrases_and_nothing_is_done(network, cli):
    before = len(cli.run_json(network.a, "ls"))
    term = Terminal(cli.SOLNET, prompt_env(cli), "--home", str(network.a), *NEED)
    for attempt in range(3):
        term.type_at_prompt(f"not it {attempt}")
    code, shown = term.finish()
    assert code == 3, shown
    assert shown.count("Wrong passphrase, try again.") == 2 and "wrong passphrase, 3 times" in shown, shown
    # at a prompt: words for typing it (Caps Lock, the passphrase chosen at init); the environment variable
    # is not in play there, and restoring a backup for a mistyped passphrase risks a fork
    assert "Caps Lock" in shown and "solnet init" in shown, shown
    assert "SOLNET_PASSPHRASE" not in shown and "backup" not in shown, shown
    assert "Traceback" not in shown
    assert len(cli.run_json(network.a, "ls")) == before


def test_an_empty_or_short_passphrase_for_a_new_node_is_asked_again_and_nothing_is_left(cli, tmp_path):
    """At `init` the passphrase is chosen: an empty one (Enter pressed) or a short one is refused in
    those words (a copy of the folder could be opened by trying passphrases), not as a "wrong
    passphrase" for a keystore that does not exist yet, and no folder is left."""
    home = tmp_path / "lille"
    term = Terminal(cli.SOLNET, prompt_env(cli), "--home", str(home), "init", "--group", "Lille", "--region", "lille")
    for typed in ("", "tents12", "lille2026"):
        term.type_at_prompt(typed)
    code, shown = term.finish()
    assert code == 3 and shown.count("at least 12 are needed") == 3, shown
    assert "The passphrase is 0 characters long" in shown and "The passphrase is 7 characters long" in shown, shown
    assert "the passphrase is 9 characters long" in shown and "nothing was written" in shown, shown
    assert "wrong passphrase" not in shown and not home.exists(), shown


def test_a_short_passphrase_from_the_environment_is_refused_for_a_new_node(cli, tmp_path):
    home = tmp_path / "lille"
    refused = cli.run(home, "init", "--group", "Lille", "--region", "lille", env={"SOLNET_PASSPHRASE": "lille"},
                      ok=False)
    assert refused.returncode == 3 and "at least 12 are needed" in refused.stderr, refused.stderr
    assert not (home / "keystore").exists()


def test_a_node_at_its_passphrase_prompt_is_starting_not_stopped(network, cli):
    """`solnet run` takes seconds before it serves (the prompt, Argon2id, on a Pi ~5 s): meanwhile
    `status` says the node is starting, not "not running (start it with `solnet run`)", which
    sent people to start a second one; and a second `solnet run` on the home is refused at once."""
    term = Terminal(cli.SOLNET, prompt_env(cli), "--home", str(network.a), "run", "--listen", "127.0.0.1:0")
    try:
        term.wait_for(PROMPT)
        shown = cli.run(network.a, "status").stdout
        assert f"node: starting (pid {term.pid})" in shown and "not running" not in shown, shown
        node = cli.run_json(network.a, "status")["node"]
        assert node["running"] is False and node["starting"] is True and node["pid"] == term.pid, node
        link = cli.run(network.a, "dashboard-link").stdout
        assert "is starting" in link and "No node runs" not in link, link
        second = cli.run(network.a, "run", "--listen", "127.0.0.1:0", ok=False)
        assert second.returncode == 3 and f"is starting on {network.a} (pid {term.pid})" in second.stderr, second.stderr
        term.type_at_prompt(cli.PASSPHRASE)
        term.wait_for(b"Ctrl-C stops it.")
        node = cli.run_json(network.a, "status")["node"]
        assert node["running"] is True and not node.get("starting"), node
    finally:
        os.kill(term.pid, signal.SIGINT)
        code, shown = term.finish()
    assert code == 0 and "stopped cleanly" in shown, shown
    node = cli.run_json(network.a, "status")["node"]
    assert node["running"] is False and not node.get("starting"), node
