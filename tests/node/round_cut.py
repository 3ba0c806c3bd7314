"""Cuts `solnet sync`'s confirming round as it begins (the path fails): for the tests of what a sync
cut there keeps (node/net/links.py `sync_once`); reads what a home knows a peer holds of its events; and
publishes a phone's needs without a node (`--offline`), the events these tests follow."""
from __future__ import annotations

from pathlib import Path

import pytest

from cli_in_process import run
from node import own_unsent
from node.home import Home
from node.net.peer_link import PeerLink


def cut_confirming_round(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """From now on, the second round of every link is cut as it begins; the rounds run so far."""
    rounds: list[int] = []
    real = PeerLink.run_round

    async def run_round(self: PeerLink):
        rounds.append(1)
        if len(rounds) == 2:  # the confirming round: the path cuts the link as it begins
            await self.link.close("timeout", "cut on the path (the test)")
        return await real(self)
    monkeypatch.setattr(PeerLink, "run_round", run_round)
    return rounds


def own_head_and_held(path: Path) -> tuple[int, int]:
    """This home's own device's head, and the record of what a peer holds of its events."""
    home = Home(path)
    device = bytes.fromhex(home.config().device_id)
    store = home.store()
    try:
        head = next((seq for author, seq, _ in store.heads() if author == device), 0)
        return head, own_unsent.held(store)
    finally:
        store.close()


def publish_offline_needs(home: Path, *quantities: str) -> None:
    """A need per quantity, signed by `home` with no node running (`solnet publish ... --offline`)."""
    for quantity in quantities:
        code = run("--home", str(home), "publish", "need", "--category", "blankets", "--quantity", quantity,
                   "--region", "bristol", "--offline")
        assert code in (0, None)
