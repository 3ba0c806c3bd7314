"""Panic wipe: destroy a node's keys and private data in seconds.

What goes: the keystore, the config (it names the group and holds its ids) and the API's admin
token and unused dashboard login links (each overwritten with random bytes, synced, then deleted),
every private part (the bodies that hold a sealed part: support requests, case notes; the events
for chosen groups), the peer list (peer addresses say where other members are), and runtime facts; with `everything`, the whole home, database included. Public events stay by
default: every other node holds them too, and without the keys nobody can add to them in this
node's name. A running node on the same home is stopped first, since it holds the keys in memory.

Flash storage (SD cards, SSDs) may keep old copies of overwritten blocks in spare areas: the
overwrite makes recovery harder, it cannot make it impossible. The keystore was encrypted
under the passphrase all along; the wipe removes even that ciphertext.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from events.kinds import KINDS
from events.sealed import SEALED_KIND
from node.home import Home
from node.login_links import FOLDER as LOGIN_LINKS
from node.store import Store


@dataclass
class WipeReport:
    stopped_pid: int | None = None
    files_destroyed: list[str] = field(default_factory=list)
    private_parts_dropped: int = 0
    peers_forgotten: int = 0
    everything: bool = False
    seconds: float = 0.0


def _shred(path: Path) -> bool:
    """Overwrite a file with random bytes, sync, delete. False if it was not there."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    with open(path, "r+b", buffering=0) as f:
        remaining = size
        while remaining > 0:
            chunk = os.urandom(min(remaining, 1 << 20))
            f.write(chunk)
            remaining -= len(chunk)
        os.fsync(f.fileno())
    path.unlink()
    return True


def _stop_running_node(home: Home) -> int | None:
    """SIGTERM the `solnet run` serving this home, if one is alive; its pid."""
    if not home.db_path.exists():
        return None
    store = Store(home.db_path)
    try:
        raw = store.get_meta("runtime")
    finally:
        store.close()
    pid = json.loads(raw).get("pid") if raw else None
    if not pid or pid == os.getpid():
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return None
    if b"solnet" not in cmdline or str(home.path).encode() not in cmdline and b"SOLNET_HOME" not in cmdline:
        return None  # not our node: a pid reused by something else
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):  # up to 5 s for a clean stop
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
    return pid


def wipe(home: Home, *, everything: bool = False) -> WipeReport:
    started = time.monotonic()
    report = WipeReport(everything=everything)
    report.stopped_pid = _stop_running_node(home)
    for path in (home.keystore_path, home.config_path, home.admin_salt_path, home.old_admin_token_path):
        if _shred(path):
            report.files_destroyed.append(path.name)
    # Leftovers of interrupted writes (keystore.tmp, config.json.tmp, .admin-token.PID.tmp).
    for leftover in sorted(home.path.glob("*.tmp")) + sorted(home.path.glob(".admin-token*.tmp")):
        _shred(leftover)
    for link in sorted((home.path / LOGIN_LINKS).glob("*")):  # unused dashboard login links
        _shred(link)
    shutil.rmtree(home.path / LOGIN_LINKS, ignore_errors=True)
    if home.db_path.exists():
        store = Store(home.db_path)
        try:
            with store.write():
                private_kinds = [k.name for k in KINDS.values() if k.field("sealed") is not None]
                report.private_parts_dropped, report.peers_forgotten = store.forget_private_and_local(
                    private_kinds, sealed_kinds=(SEALED_KIND,))
            store.reclaim()
        finally:
            store.close()
    if everything:
        for f in sorted(home.path.glob("solnet.db*")):
            if _shred(f):
                report.files_destroyed.append(f.name)
        shutil.rmtree(home.path, ignore_errors=True)
    report.seconds = time.monotonic() - started
    return report
