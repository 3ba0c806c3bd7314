"""The dashboard's panic wipe stops a `solnet sync` running beside the node on its home. A one-shot
sync may run beside a running node (a first sync from another peer, minutes on a Pi): it holds the
unlocked keys and stores into the database. `solnet wipe` stopped it, the dashboard's wipe stopped
only the node itself, so the sync went on with the keys in its memory after "the keys are
destroyed". Real process: the sync dials a listener on 127.0.0.1 that accepts and never answers."""
from __future__ import annotations

import asyncio

from one_shot_sync import one_shot_sync
from page_text import PASSPHRASE, csrf_of
from solnet_errors import EXIT_INTERRUPTED
from test_http import get, post


async def test_the_dashboard_wipe_stops_a_one_shot_sync_beside_the_node(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    home = sample.nodes[0].home.path
    with one_shot_sync(home, PASSPHRASE) as sync:  # marked: unlocking its keys or syncing
        _, form, _ = await get(node.client, "/admin/wipe")
        status, html, _ = await post(node.client, "/admin/wipe", {"confirm": "WIPE", "csrf": csrf_of(form)})
        assert status == 200, html
        # Stopped by the wipe (SIGTERM, which the sync answers in words: cli.py `_mark_stoppable`), not
        # ended by its own timeout with the silent peer later on (that is exit 1, "could not reach")
        assert await asyncio.to_thread(sync.wait, 60) == EXIT_INTERRUPTED
        assert "a panic wipe of this home stops it" in sync.stderr.read().decode()
