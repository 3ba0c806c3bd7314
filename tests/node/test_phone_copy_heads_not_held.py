"""A key in two hands: what a peer's heads say it holds of this device's chain counts only if the
event at that seq is this device's own (node/net/peer_link.py `_own_seen`), and nothing counts while
a fork of this device is known (node/own_unsent.py `note`, `held`). A peer holding a copied home's
seq 1 to 3 was taken, from its head's seq alone, as holding this home's seq 1 (or 2): a forked phone's
`status` named nothing of them, though no peer held them. And a member's node answering Same to any
Offer was taken as holding all this device signed: it silenced every warning of a revoked phone."""
from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from cli_in_process import run as _run, sigpipe_kept  # noqa: F401 (the fixture)
from node import own_unsent
from node.home import PASSPHRASE_ENV, Home
from node.net.peer_link import PeerLink
from round_cut import cut_confirming_round, publish_offline_needs as _publish
from served_nodes import PASSPHRASE, calais, network  # noqa: F401 (the fixtures)
from sync.antientropy import frontier_digest
from sync.link import LinkProtocol
from sync.messages import Offer


def _record(path: Path) -> tuple[int, tuple[int, int] | None, int | None]:
    """The record of what a peer holds (as kept), the span `status` names, and the own fork point."""
    home = Home(path)
    device = bytes.fromhex(home.config().device_id)
    store = home.store()
    try:
        return own_unsent.held(store), own_unsent.unsent_span(store, device), store.fork_points().get(device)
    finally:
        store.close()


async def _sync(home: Path, port: int) -> int | None:
    return await asyncio.wait_for(asyncio.to_thread(_run, "--home", str(home), "sync", f"127.0.0.1:{port}"), 60)


@pytest.mark.parametrize("copied", [3, 2], ids=["at-our-head", "below-our-head"])
async def test_a_peer_holding_the_copys_branch_is_not_taken_as_holding_ours(network, calais, monkeypatch,
                                                                              tmp_path, copied, capsys) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "0")
    _node, served = calais
    real_round = PeerLink.run_round
    home = network[1].home.path
    copy = tmp_path / "bristol-copy"
    shutil.copytree(home, copy)  # the seized phone's home, copied
    _publish(copy, *("1", "2", "3")[:copied])
    assert await _sync(copy, served.port) in (0, None)  # Calais holds the copy's seq 1 to `copied`
    _publish(home, "5", "6", "7")  # this home's own, offline
    rounds = cut_confirming_round(monkeypatch)
    assert await _sync(home, served.port) not in (0, None) and len(rounds) == 2
    monkeypatch.setattr(PeerLink, "run_round", real_round)
    held, span, fork = _record(home)
    assert held == 0, "Calais holds the copy's events, never this home's"
    if copied == 3:  # this home's seq 1 is below the fork point: it may count, and is named as not known held
        assert fork is not None and span == (1, 1)
    for _ in range(2):  # Calais refuses the device as forked by now
        await _sync(home, served.port)
    assert _record(home)[0] == 0
    capsys.readouterr()
    _run("--home", str(home), "status", "--json")
    said = json.loads(capsys.readouterr().out)
    named = [s["from_seq"] for s in (said["unsent_own"], said["taken_out_own"]) if s]
    assert named and min(named) == 1, "status names this home's seq 1 on: no peer holds it"
    if copied == 3:  # forked at seq 2: what it signed from there is held back by the fork, kept here, not dropped
        assert said["taken_out_own"] == {"from_seq": 2, "to_seq": 3, "kept_here": True, "forked": True}, said
        _run("--home", str(home), "status")
        text = capsys.readouterr().out
        assert "do not reach the network for now: this device's key forked at seq 2" in text, text
        assert "dropped" not in text, text


async def test_a_member_answering_same_to_any_offer_is_not_taken_as_holding_this_devices_events(
        network, calais, monkeypatch) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "0")
    _node, served = calais
    home = network[1].home.path
    _publish(home, "5", "6")  # offline: Calais holds neither
    real = LinkProtocol.heads_loaded

    def same_to_any(self: LinkProtocol, heads, *args, **kwargs):  # an infiltrator's node (Calais's, here)
        self._offer = Offer(frontier_digest(heads), self._offer.count)
        return real(self, heads, *args, **kwargs)
    monkeypatch.setattr(LinkProtocol, "heads_loaded", same_to_any)
    assert await _sync(home, served.port) in (0, None)
    assert _record(home)[:2] == (0, (1, 2)), "the peer showed no head of this device: nothing is known held"
