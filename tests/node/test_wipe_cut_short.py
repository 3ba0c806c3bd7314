"""A panic wipe cut short after the keys went (the plug pulled, a power cut, a kill: on a Pi its
database part takes longest) left the private parts and the peer list on the disk, and the home
said "wiped: ... its event log of public events is left" to every command. It now says the wipe
was cut short and that `solnet wipe` finishes it; once finished, it says "wiped" again."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest

from node.demo import localnet
from test_wipe import PASS, _network_with_a_private_request, _solnet

pytestmark = pytest.mark.integration  # `solnet wipe` as a process, killed


def test_a_wipe_killed_after_the_keys_says_so_and_a_second_wipe_finishes_it(tmp_path: Path) -> None:
    calais, bristol, sealed = _network_with_a_private_request(tmp_path)
    home = calais.home
    _solnet(home.path, "peers", "add", f"127.0.0.1:{bristol.port}")
    with closing(sqlite3.connect(home.db_path, isolation_level=None)) as holder:
        # Another connection holds the write lock: the wipe's database part waits there, its keys gone
        holder.execute("BEGIN EXCLUSIVE")
        wiping = subprocess.Popen([*localnet.solnet_command(), "--home", str(home.path), "wipe", "--yes"],
                                  env={**os.environ, "SOLNET_PASSPHRASE": PASS}, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            assert localnet.wait_until(lambda: not home.keystore_path.exists() or wiping.poll() is not None, 30, 0.02)
            assert wiping.poll() is None, "the wipe ended before the test could cut it short"
            os.kill(wiping.pid, signal.SIGKILL)  # the power cut
        finally:
            wiping.kill()
            wiping.wait(10)
        holder.execute("ROLLBACK")
    assert sealed[-64:] in b"".join(f.read_bytes() for f in home.path.glob("solnet.db*"))  # still there

    said = _solnet(home.path, "status", ok=False)
    assert said.returncode == 3 and "was cut short" in said.stderr and "was wiped:" not in said.stderr, said.stderr
    assert f"Run `solnet --home {home.path} wipe` again now" in said.stderr, said.stderr

    _solnet(home.path, "wipe", "--yes")
    for f in home.path.glob("solnet.db*"):
        data = f.read_bytes()
        assert sealed[-64:] not in data and f"127.0.0.1:{bristol.port}".encode() not in data, f.name
    said = _solnet(home.path, "status", ok=False)
    assert "was wiped:" in said.stderr and "cut short" not in said.stderr, said.stderr


def _cut_after(home: Path, files: list[str], overwritten: str | None = None) -> None:
    """The state a wipe killed at a given point leaves: begun (its mark), `files` gone, and
    `overwritten` holding random bytes (shredded, not yet deleted)."""
    (home / "wipe.unfinished").touch()
    for name in files:
        for f in home.glob(name):
            f.unlink()
    if overwritten is not None:
        (home / overwritten).write_bytes(os.urandom((home / overwritten).stat().st_size))


def test_a_wipe_cut_while_shredding_the_config_does_not_say_restore_it(tmp_path: Path) -> None:
    """Killed with config.json overwritten and not yet deleted, the home said "config.json is damaged
    ... restore it from a backup; the keys are in `keystore` beside it, untouched": gone, they were."""
    calais, _, _ = _network_with_a_private_request(tmp_path)
    _cut_after(calais.home.path, ["keystore"], overwritten="config.json")
    said = _solnet(calais.home.path, "status", ok=False)
    assert "was cut short" in said.stderr and "damaged" not in said.stderr and "untouched" not in said.stderr, said.stderr
    _solnet(calais.home.path, "wipe", "--yes")
    assert "was wiped:" in _solnet(calais.home.path, "status", ok=False).stderr


def test_a_wipe_all_cut_after_the_database_went_can_be_finished(tmp_path: Path) -> None:
    calais, _, _ = _network_with_a_private_request(tmp_path)
    _cut_after(calais.home.path, ["keystore", "config.json", "solnet.db*"])
    said = _solnet(calais.home.path, "status", ok=False)
    assert "was cut short" in said.stderr, said.stderr
    _solnet(calais.home.path, "wipe", "--yes", "--all")
    assert not calais.home.path.exists()
