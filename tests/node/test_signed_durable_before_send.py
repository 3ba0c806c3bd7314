"""`solnet sync` and `solnet export` send this home's events off the machine with no node running:
what this home signed (its marks, node/own_marks.py, and the database's write-ahead log) is put on
the disk once, before anything is sent (a publish syncs its commit, not the marks file: a power cut
right after a send could otherwise lose the marks of events peers or a USB stick already hold)."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

from cli_in_process import run as _run, sigpipe_kept  # noqa: F401 (the fixture)
from node.home import PASSPHRASE_ENV
from node.net import Node
from served_nodes import PASSPHRASE, calais, network  # noqa: F401 (the fixtures)

SIGNED, WAL = "solnet.db-signed", "solnet.db-wal"

def _watch(monkeypatch, said: list[str]) -> None:
    """Every fsync of this process, by the name of the file, into `said`."""
    real = os.fsync

    def fsync(fd: int) -> None:
        said.append(Path(os.readlink(f"/proc/self/fd/{fd}")).name)
        real(fd)
    monkeypatch.setattr(os, "fsync", fsync)

def _published(home: Path, region: str) -> None:
    code = _run("--home", str(home), "publish", "need", "--category", "blankets", "--quantity", "5",
                "--region", region, "--offline")
    assert code in (0, None)
    assert (home / SIGNED).stat().st_size > 0

def test_export_puts_what_was_signed_on_the_disk_before_the_bundle(network, monkeypatch, tmp_path) -> None:
    import node.bundle

    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    home = network[0].home.path
    _published(home, "calais")
    said: list[str] = []
    _watch(monkeypatch, said)
    real = node.bundle.export_bundle
    monkeypatch.setattr(node.bundle, "export_bundle", lambda *a, **k: said.append("SENT") or real(*a, **k))
    assert _run("--home", str(home), "export", str(tmp_path / "out.bundle")) in (0, None)
    assert "SENT" in said
    before = said[:said.index("SENT")]
    assert before.count(SIGNED) == 1 and before.count(WAL) == 1, said

async def test_sync_puts_what_was_signed_on_the_disk_before_it_dials(network, calais, monkeypatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "0")
    _node, served = calais
    home = network[1].home.path
    _published(home, "bristol")  # (in the main thread: the command sets a signal's handler)
    said: list[str] = []
    _watch(monkeypatch, said)
    real = Node.sync_once

    async def sync_once(self, *a, **k):
        said.append("SENT")
        return await real(self, *a, **k)
    monkeypatch.setattr(Node, "sync_once", sync_once)
    code = await asyncio.wait_for(asyncio.to_thread(_run, "--home", str(home), "sync", f"127.0.0.1:{served.port}"), 60)
    assert code in (0, None)
    assert "SENT" in said
    before = said[:said.index("SENT")]
    assert before.count(SIGNED) == 1 and before.count(WAL) == 1, said
