"""A new link whose peers each know a peer holds their device's events (node/own_unsent.py `held`,
node-wide and kept across links) opens its first round with the digest alone: no heads either way,
and `solnet sync` says it is already in sync. The ask for heads (node/net/peer_link.py `_ask_heads`)
went by what this link's peer had shown, none on a new link: any node with events of its own traded
all its heads at every new link's first round (a relay reconnects each minute; 230 KB each way at
5,000 authors) and at every one-shot sync."""
from __future__ import annotations

import asyncio
import json

from cli_in_process import run as _run, sigpipe_kept  # noqa: F401 (the fixture)
from node.home import PASSPHRASE_ENV
from round_cut import own_head_and_held, publish_offline_needs
from served_nodes import PASSPHRASE, calais, network  # noqa: F401 (the fixtures)
from sync.link import LinkProtocol


async def test_a_new_link_in_sync_with_the_record_caught_up_sends_no_heads(network, calais, monkeypatch,
                                                                             capsys) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "0")
    _node, served = calais
    home = network[1].home.path
    publish_offline_needs(home, "5")

    def sync() -> dict:
        capsys.readouterr()
        code = _run("--home", str(home), "sync", f"127.0.0.1:{served.port}", "--json")
        assert code in (0, None)
        return json.loads(capsys.readouterr().out)

    await asyncio.wait_for(asyncio.to_thread(sync), 60)  # the phone's events reach Calais, and it hears so
    head, held = own_head_and_held(home)
    assert head > 0 and held == head, (held, head)

    asked: list[bool] = []
    real_start, real_loaded = LinkProtocol.start_round, LinkProtocol.heads_loaded

    # (ask_heads recorded; the protocol's later arguments, such as takes_below, passed on as given)
    def start_round(self, heads, first=lambda a: False, forks=None, watch=b"", ask_heads=False, *rest, **more):
        asked.append(ask_heads)
        return real_start(self, heads, first, forks, watch, ask_heads, *rest, **more)

    def heads_loaded(self, heads, first=lambda a: False, forks=None, watch=b"", ask_heads=False, *rest, **more):
        asked.append(ask_heads)
        return real_loaded(self, heads, first, forks, watch, ask_heads, *rest, **more)

    monkeypatch.setattr(LinkProtocol, "start_round", start_round)
    monkeypatch.setattr(LinkProtocol, "heads_loaded", heads_loaded)
    said = await asyncio.wait_for(asyncio.to_thread(sync), 60)  # a new link, nothing differs
    assert asked and not any(asked), "neither side asks for heads: each knows a peer holds its events"
    assert said["already_in_sync"] is True, said
