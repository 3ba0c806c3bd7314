"""`solnet sync --json` said `lag` but not the authors whose events the peer held and this node did
not know yet (a new group's devices before their vouches arrive), whose events count in no lag,
though `solnet peers` and the dashboard say them: it now carries `unknown_authors`. Two real nodes
(Calais served on 127.0.0.1, Bristol's home syncing with the command in this process); Dover, a new
group Calais admitted, is known to Calais only."""
from __future__ import annotations

import asyncio
import json

from cli_in_process import run as _run, sigpipe_kept  # noqa: F401 (the fixture)
from node.home import PASSPHRASE_ENV
from served_nodes import PASSPHRASE, network, served_node  # noqa: F401 (the fixture)
from test_live_lag import _dover_joins_calais


async def test_sync_json_counts_the_authors_this_node_did_not_know(network, monkeypatch, capsys, tmp_path) -> None:
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "0")
    _dover_joins_calais(tmp_path, network[0], 3)
    home = network[1].home.path
    async with served_node(network[0]) as (_, served):
        code = await asyncio.wait_for(asyncio.to_thread(
            _run, "--home", str(home), "sync", f"127.0.0.1:{served.port}", "--json"), 60)
    assert code in (0, None)
    said = json.loads(capsys.readouterr().out)
    assert said["complete"] and said["unknown_authors"] >= 1, said  # Dover's group key and device
    assert said["received"] >= 3 + said["lag"], said  # Dover's events came, counted in no lag
