"""A key in two hands (a seized phone's home copied): what a peer's heads show of this device's
chain is this device's own events only up to where the other hands' branch begins. A round that
brought the other branch past this home's head (the peer held the copy's seq 1 and 2 where this
home had its own seq 1), or at its head's seq (whose prev proved the fork one seq lower), noted
this home's seq 1 as held by the peer, which held the copy's: the record of what a peer holds
(node/own_unsent.py, read by `status` and by `solnet revoke` of this device) went one seq too far."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from cli_in_process import run as _run, sigpipe_kept  # noqa: F401 (the fixture)
from node import own_unsent
from node.home import PASSPHRASE_ENV, Home
from round_cut import publish_offline_needs as _publish
from served_nodes import PASSPHRASE, calais, network  # noqa: F401 (the fixtures)


def _fork_and_held(path: Path) -> tuple[int | None, int]:
    """Where this home's own device forked (None: not known to), and the record of what a peer holds."""
    home = Home(path)
    store = home.store()
    try:
        return store.fork_points().get(bytes.fromhex(home.config().device_id)), own_unsent.held(store)
    finally:
        store.close()


async def _sync(home: Path, port: int) -> None:
    await asyncio.wait_for(asyncio.to_thread(_run, "--home", str(home), "sync", f"127.0.0.1:{port}"), 60)


@pytest.mark.parametrize("own", [1, 2], ids=["past-our-head", "at-our-head"])
async def test_the_other_hands_branch_is_not_noted_as_held(network, calais, monkeypatch, tmp_path, own) -> None:
    """`own`: this home signs 1 or 2 events where the copy signed 2: the copy's seq 2 comes past this
    home's head, or as fork evidence at its head's seq (whose prev proves the fork from seq 1)."""
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "0")
    _node, served = calais
    home = network[1].home.path
    copy = tmp_path / "bristol-copy"
    shutil.copytree(home, copy)  # the seized phone's home, copied
    _publish(copy, "1")
    _publish(copy, "2")
    await _sync(copy, served.port)  # Calais holds the copy's seq 1 and 2
    for quantity in ("5", "6")[:own]:  # this home's own, offline
        _publish(home, quantity)
    await _sync(home, served.port)
    fork, held = _fork_and_held(home)
    assert fork == 1, "the copy's seq 2 proved the fork from seq 1"
    assert held == 0, "Calais holds the copy's seq 1, not this home's"
