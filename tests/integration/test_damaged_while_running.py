"""A node whose database is damaged under it while it runs (an SD card's bad sectors): everyone who
asks is told so, in their own terms, with what mends it. Walked end to end with real processes.

Until 2026-12-03 the API answered every request 507 "this node's disk is full (or its database
cannot be written); free some space" (freeing space mends nothing), the dashboard a JSON 500 meant
for programs, `solnet status` failed with the damage error although its advice says that
`solnet status` shows the group id the rebuild needs, and a peer dialling in was told "the peer
refused us or is not a member of this network".
"""
from __future__ import annotations

import html
import http.cookiejar
import json
import sqlite3
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from local_cluster import DIRECT, Cluster, cli, publish_action
from link_login import open_link
from node import login_links
from node.demo.localnet import LocalNode

pytestmark = pytest.mark.integration

DAMAGED = ("database_damaged", "this node's database is damaged")


def damage_under(node: LocalNode, *, everything: bool = False) -> None:
    """Overwrite the start of every page of the events table and its indexes (`everything`: of
    every table but the schema), then commit a change of nothing through another connection: the
    running node sees the file changed, drops the pages it holds in memory and reads the damaged ones."""
    db: Path = node.home.db_path
    with sqlite3.connect(db) as other:
        other.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the main file
        size = other.execute("PRAGMA page_size").fetchone()[0]
        which = ("name != 'sqlite_schema'" if everything else
                 "name = 'events' OR name IN (SELECT name FROM sqlite_master WHERE tbl_name = 'events')")
        pages = [n for (n,) in other.execute(f"SELECT pageno FROM dbstat WHERE {which}")]
        version = other.execute("PRAGMA user_version").fetchone()[0]
    assert len(pages) > 3, pages
    with open(db, "r+b") as f:
        for n in pages:
            f.seek((n - 1) * size)
            f.write(b"\xa5" * 64)
    with sqlite3.connect(db) as other:
        other.execute(f"PRAGMA user_version = {version}")


def request(url: str, body: dict | None = None, token: str | None = None,
            opener: urllib.request.OpenerDirector | None = None) -> tuple[int, str, str]:
    """(status, content type, text) of a GET, or of a POST of `body` as JSON."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None, headers=headers)
    try:
        with (opener or urllib.request.build_opener(DIRECT)).open(req, timeout=10) as reply:
            return reply.status, reply.headers.get_content_type(), reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read().decode()


def test_a_database_damaged_under_a_running_node_is_said_to_each_who_asks(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    for i in range(30):
        publish_action(calais, f"Action {i}")
    cluster.start(calais, sync_interval=3600)
    base, token = f"http://127.0.0.1:{calais.port}", calais.admin_token()
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(DIRECT, urllib.request.HTTPCookieProcessor(jar))
    link, _ = login_links.create(calais.home.path)
    assert open_link(browser, f"{base}/login/link?token={link}")[:2] == (200, f"{base}/")  # a coordinator, logged in
    assert request(f"{base}/api/v1/events?limit=5", token=token)[0] == 200

    damage_under(calais)

    # The API: 503 database_damaged, for reads and writes (not 507 "free some space")
    deadline = time.monotonic() + 30
    while (answer := request(f"{base}/api/v1/events?limit=5", token=token))[0] == 200:
        assert time.monotonic() < deadline, "the node still reads the events it held before the damage"
        time.sleep(0.05)
    code, kind, text = answer
    assert (code, kind) == (503, "application/json"), answer
    assert (json.loads(text)["error"]["code"], DAMAGED[1]) == (DAMAGED[0], DAMAGED[1]) and DAMAGED[1] in text, text
    body = {"kind": "need", "fields": {"category": "water", "region": "calais", "quantity": "3"}}
    code, _, text = request(f"{base}/api/v1/events", body, token=token)
    assert code == 503 and json.loads(text)["error"]["code"] == "database_damaged", (code, text)
    assert "disk is full" not in text and "free some space" not in text, text

    # The dashboard: a page in the reader's language, not JSON
    for lang, words in (("en", "This node's database is damaged"), ("fr", "La base de données de ce nœud est endommagée")):
        code, kind, page = request(f"{base}/?lang={lang}", opener=browser)
        page = html.unescape(page)
        assert (code, kind) == (503, "text/html") and words in page and "solnet status" in page, (code, kind, page[:400])

    # `solnet status` beside the running node: the damage, what to do, and the ids the rebuild needs
    said = cli(calais, "status", ok=False)
    out = said.stdout
    assert said.returncode == 4, said  # a failure for whoever checks the exit code
    assert f"WARNING: the database {calais.home.db_path} is damaged" in out and "solnet join FILE" in out, out
    assert f"group id:  {calais.home.config().group_id}" in out, out
    facts = json.loads(cli(calais, "status", "--json", ok=False).stdout)["node"]
    assert facts["running"] and facts["database_damaged"] is True, facts
    assert facts["storage_problem"].startswith(f"the database {calais.home.db_path} is damaged"), facts

    # A peer dialling in is told the node cannot check it now (not that it is no member)
    done = cli(bristol, "sync", calais.address, ok=False)
    assert done.returncode != 0, done
    assert "the peer cannot check this device now: its database cannot be used" in done.stderr, done.stderr
    assert "not a member" not in done.stderr, done.stderr

    # The operator reads it in the log, as an error, once (not once per request)
    log = calais.log_path.read_text()
    assert log.count("ERROR the database") == 1 and "solnet join FILE" in log, log[-3000:]
    assert "disk is full" not in log, log[-3000:]

    # Damaged further, so that not even the counts can be read: the running node's answer is then
    # the home's ids and what to do, as from the files
    damage_under(calais, everything=True)
    said = cli(calais, "status", ok=False)
    assert said.returncode == 4 and said.stdout.startswith(f"Calais (calais): the database {calais.home.db_path} "
                                                           "is damaged"), said
    assert f"group id:  {calais.home.config().group_id}" in said.stdout and "solnet join FILE" in said.stdout, said
    answered = json.loads(cli(calais, "status", "--json", ok=False).stdout)  # by the node (its port), not the files
    assert answered["node"]["port"] == calais.port and answered["database_damaged"], answered
    assert calais.proc.poll() is None, "the node died of it"
