"""Cuts `solnet sync`'s confirming round as it begins (the path fails): for the tests of what a sync
cut there keeps (node/net/links.py `sync_once`)."""
from __future__ import annotations

import pytest

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
