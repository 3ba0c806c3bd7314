"""A changed byte in what a node keeps beside its signed events (a failing SD card): each peer's
last health, the running node's facts, a peer's refusal of this device as revoked, the trust
graph's summary kept for `solnet status`. Nothing signs
or hashes them; one that no longer parses stopped `solnet run` at its start, and `solnet status`,
`solnet peers` and `solnet publish` (after storing the event) with a Python traceback. Now such a
fact counts as not kept, and the node writes it again in its turn. Real processes, a real file."""
from __future__ import annotations

import http.cookiejar
import json
import sqlite3
import urllib.request

import pytest

from local_cluster import DIRECT, Cluster, cli, log_text
from link_login import open_link
from node import login_links

pytestmark = pytest.mark.integration


def flip(text: str) -> bytes:
    """`text` with its first '"' turned into '#', as one bit flipped in the file would change it."""
    return text.replace('"', "#", 1).encode()


@pytest.mark.parametrize("damage", ["json", "hex"])
def test_a_changed_byte_in_a_nodes_own_facts_stops_no_command_and_not_the_node(cluster: Cluster, damage: str) -> None:
    """`json`: a changed byte that leaves no JSON; `hex`: one inside a key's hex, which still parses."""
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    cli(calais, "peers", "add", f"127.0.0.1:{bristol.port}")
    key = bytes(bristol.keys.device.public).hex()
    damaged = flip if damage == "json" else (lambda text: text.replace(key, "q" + key[1:]).encode())
    with sqlite3.connect(calais.home.db_path) as db:
        db.execute("UPDATE peers SET state=?", (damaged(json.dumps({"name": "Bristol", "connected": False,
                                                                     "device": key})).decode(),))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('runtime', ?)", (flip(json.dumps({"saved": 1, "pid": 1})),))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('refused_as_revoked', ?)", (damaged(json.dumps(
            {"by": key, "group": key, "name": None, "at": 1})),))
    assert cli(calais, "status", ok=False).returncode == 0  # keeps the trust graph's summary for the next status
    with sqlite3.connect(calais.home.db_path) as db:
        (summary,) = db.execute("SELECT value FROM meta WHERE key='status_summary'").fetchone()
        db.execute("UPDATE meta SET value=? WHERE key='status_summary'", (flip(summary.decode()),))
    for command in (("status",), ("status", "--json"), ("peers",), ("peers", "--json")):
        said = cli(calais, *command, ok=False)
        assert said.returncode == 0 and "Traceback" not in said.stderr, (command, said.stderr)
    with sqlite3.connect(calais.home.db_path) as db:  # written again (it was read the slow way ever after)
        json.loads(db.execute("SELECT value FROM meta WHERE key='status_summary'").fetchone()[0])
    said = cli(calais, "peers")
    assert f"127.0.0.1:{bristol.port}" in said.stdout and "never connected" in said.stdout, said.stdout
    said = cli(calais, "peers", "block", f"127.0.0.1:{bristol.port}", ok=False)
    assert said.returncode == 0 and said.stdout.startswith("Blocked"), said.stderr
    cli(calais, "peers", "unblock", f"127.0.0.1:{bristol.port}")
    said = cli(calais, "publish", "need", "--category", "water", "--quantity", "3", "--region", "calais",
               "--offline", ok=False)
    assert said.returncode == 0 and said.stdout.startswith("Published need"), said.stderr
    cluster.start(calais)  # it starts (Cluster.start fails the test if it exits), and serves
    assert cli(calais, "status", "--json", ok=False).returncode == 0
    # The dashboard's overview too (it names the group of a kept refusal from its id)
    browser = urllib.request.build_opener(DIRECT, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    link, _ = login_links.create(calais.home.path)
    status, at, page = open_link(browser, f"http://127.0.0.1:{calais.port}/login/link?token={link}")
    assert (status, at) == (200, f"http://127.0.0.1:{calais.port}/") and "Traceback" not in page


def test_a_changed_byte_in_a_blocked_key_does_not_cut_the_node_off(cluster: Cluster) -> None:
    """The peers a user blocked are kept as JSON too. One changed byte inside a blocked key's hex
    still parses, and every sync handshake then failed (ValueError, answered 500), in and out: the
    node was cut off from every member. Now what no longer reads as written counts no more, and the
    node and `solnet peers` say the list is damaged and what to do."""
    calais, bristol, dover = cluster.network([("Calais", "calais"), ("Bristol", "bristol"), ("Dover", "dover")])
    dover_group = dover.home.config().group_id
    cli(calais, "peers", "block", dover_group)
    with sqlite3.connect(calais.home.db_path) as db:
        (kept,) = db.execute("SELECT value FROM meta WHERE key='peer_blocks'").fetchone()
        db.execute("UPDATE meta SET value=? WHERE key='peer_blocks'",
                   (kept.replace(dover_group.encode(), b"q" + dover_group[1:].encode()),))
    cluster.start(calais, sync_interval=3600)
    done = cli(bristol, "sync", calais.address, ok=False)
    assert done.returncode == 0, done.stderr  # a member still links with it
    assert "the list of removed and blocked peers in this node's database is damaged" in log_text(calais)
    said = cli(calais, "peers", ok=False)
    assert said.returncode == 0 and "Traceback" not in said.stderr, said.stderr
    assert "the list of removed and blocked peers in this node's database is damaged" in said.stderr, said.stderr
