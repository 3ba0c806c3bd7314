"""A `solnet sync` whose confirming round is cut keeps what its first, complete round learned
(node/net/links.py `sync_once`): the peer's heads said it held this device's events below those the
round streamed. RoundCut was raised before the round was counted, so the record of what a peer
holds (node/own_unsent.py) never rose, and a replaced phone's status went on saying no peer was
known to hold events its peer had long held. What the cut round streamed is not noted as held."""
from __future__ import annotations

import asyncio

from cli_in_process import run as _run, sigpipe_kept  # noqa: F401 (the fixture)
from node.home import PASSPHRASE_ENV
from round_cut import cut_confirming_round, own_head_and_held, publish_offline_needs
from served_nodes import PASSPHRASE, calais, network  # noqa: F401 (the fixtures)


async def test_a_sync_cut_in_its_confirming_round_keeps_what_the_first_round_learned(network, calais, monkeypatch,
                                                                                      tmp_path) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "0")
    _node, served = calais
    home = network[1].home.path
    for quantity in ("5", "7"):
        publish_offline_needs(home, quantity)
        if quantity == "5":  # a bundle carries the first to Calais: held there, no record of it here
            assert _run("--home", str(home), "export", str(tmp_path / "bristol.bundle")) in (0, None)
            assert _run("--home", str(network[0].home.path), "import", str(tmp_path / "bristol.bundle")) in (0, None)
    assert own_head_and_held(home) == (2, 0)
    rounds = cut_confirming_round(monkeypatch)
    code = await asyncio.wait_for(asyncio.to_thread(_run, "--home", str(home), "sync",
                                                    f"127.0.0.1:{served.port}"), 60)
    assert code not in (0, None) and len(rounds) == 2  # cut: said so
    # The first round streamed the second need: its peer's heads said it held all before it
    assert own_head_and_held(home) == (2, 1)
