"""The panic wipe stops a `solnet import` running on the home. An import opens the database, then
waits at its bundle passphrase prompt (or stores a large bundle for minutes on a Pi): the wipe did
not know of it, so what the import stored afterwards (the nodes' addresses of the bundle's
announcements, its sealed parts) was in the database the wipe had just emptied of them, and a card
taken after the wipe gave up where the network's nodes are. Real processes: the import waits at its
prompt in a pty."""
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


def test_the_wipe_stops_an_import_waiting_at_its_prompt(tmp_path: Path) -> None:
    import pty

    calais, brighton = localnet.create_network(tmp_path, [("Calais", "calais"), ("Brighton", "brighton")], PASS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    _solnet(calais.home.path, "publish", "node.announce", "--addresses", ADDRESS, "--offline",
            env={**env, PASSPHRASE_ENV: PASS})
    bundle = tmp_path / "calais.bundle"
    _solnet(calais.home.path, "export", "--encrypt", str(bundle),
            env={**env, PASSPHRASE_ENV: PASS, "SOLNET_BUNDLE_PASSPHRASE": BUNDLE_PASS})

    home = brighton.home.path
    parent, child = pty.openpty()
    importing = subprocess.Popen([*localnet.solnet_command(), "--home", str(home), "import", str(bundle)],
                                 stdin=child, stdout=child, stderr=child, env=env)  # no bundle passphrase: it asks
    os.close(child)
    try:
        _read_until(parent, b"Bundle passphrase", importing, 30)  # the database open, the import waiting
        wiped = _solnet(home, "wipe", "--yes", "--json", env=env)
        stopped = json.loads(wiped.stdout).get("stopped_import_pid")
        try:  # (on the code before: the import was not stopped, and stored its bundle once answered)
            os.write(parent, BUNDLE_PASS.encode() + b"\n")
        except OSError:
            pass
        assert importing.wait(30) is not None
    finally:
        if importing.poll() is None:
            importing.kill()
            importing.wait(10)
        os.close(parent)
    after = b"".join(f.read_bytes() for f in sorted(home.glob("solnet.db*")))
    kept_address = ADDRESS.encode() in after
    assert not kept_address  # the node's address the wipe forgets stayed forgotten
    assert stopped == importing.pid  # and the wipe says it stopped the import
