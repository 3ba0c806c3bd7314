"""Log out everywhere: `solnet end-sessions` on a home whose node runs ends every dashboard session
and deletes the unused login links (with --api-token, the HTTP API's token is a new one at once),
and `solnet passphrase` ends the sessions and links too. Until 2026-12-06 a session cookie copied
from a coordinator's laptop (or the browser of one who left) stayed the admin for 12 hours, and an
API token for good, whatever was done short of a restart: `passphrase` said so, nothing ended them."""
from __future__ import annotations

import http.client
import http.cookiejar
import json
import time
import urllib.error
import urllib.request

from link_login import open_link
from local_cluster import DIRECT, cli, cli_json
from node import login_links

NEW = "seven blankets for the port, at dawn"


def _logged_in_browser(node) -> tuple[urllib.request.OpenerDirector, str]:
    opener = urllib.request.build_opener(DIRECT, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    base = f"http://127.0.0.1:{node.port}"
    token, _ = login_links.create(node.home.path)
    status, at, _ = open_link(opener, f"{base}/login/link?token={token}")
    assert status == 200 and at.rstrip("/") == base, at  # logged in, on the overview
    return opener, base


def _is_admin(opener: urllib.request.OpenerDirector, base: str) -> bool:
    """Whether the browser's session still opens the overview (else it is sent to the login)."""
    with opener.open(base + "/", timeout=10) as reply:
        return reply.url.rstrip("/") == base


def _api_status(base: str, token: str) -> int:
    request = urllib.request.Request(base + "/api/v1/status", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.build_opener(DIRECT).open(request, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_end_sessions_logs_every_browser_out_and_spends_the_links(cluster) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    stolen, base = _logged_in_browser(calais)
    other, _ = _logged_in_browser(calais)
    unused = cli_json(calais, "dashboard-link", "--base-url", base, "--valid-for", "12h")["url"]
    old_token = cli(calais, "admin-token").stdout.strip()
    assert _is_admin(stolen, base) and _is_admin(other, base) and _api_status(base, old_token) == 200

    done = cli_json(calais, "end-sessions")
    assert done["sessions_ended"] == 2 and done["login_links_deleted"] == 1 and done["node_running"], done
    assert not _is_admin(stolen, base) and not _is_admin(other, base)
    later = urllib.request.build_opener(DIRECT, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    assert open_link(later, unused)[1].rstrip("/") != base  # the link sent earlier logs no one in
    assert _api_status(base, old_token) == 200  # the API's token is changed only when asked

    done = cli_json(calais, "end-sessions", "--api-token")
    assert done["api_token_changed"] and _api_status(base, old_token) == 403
    new_token = cli(calais, "admin-token").stdout.strip()
    assert new_token != old_token and _api_status(base, new_token) == 200


def test_a_new_passphrase_ends_the_running_nodes_sessions(cluster, tmp_path) -> None:
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    browser, base = _logged_in_browser(calais)
    new_file = tmp_path / "new-passphrase"
    new_file.write_text(NEW + "\n")
    new_file.chmod(0o600)
    done = json.loads(cli(calais, "passphrase", "--new-file", str(new_file), "--json").stdout)
    assert not _is_admin(browser, base)  # the cookie of before opens nothing now
    assert done["sessions_ended"] == 1 and done["node_running"], done


def test_an_alert_stream_opened_with_the_old_token_ends_and_gets_nothing_more(cluster) -> None:
    """A stream of the API's alerts (a script's, a stolen token's) went on for up to an hour after
    the token changed: every alert, its place and words, to a token that opened nothing else."""
    [calais] = cluster.network([("Calais", "calais")])
    cluster.start(calais, sync_interval=3600)
    token = cli(calais, "admin-token").stdout.strip()
    stream = http.client.HTTPConnection("127.0.0.1", calais.port, timeout=30)
    try:
        stream.request("GET", "/api/v1/alerts/stream", headers={"Authorization": f"Bearer {token}"})
        reply = stream.getresponse()
        assert reply.status == 200 and reply.readline().startswith(b"retry:")
        cli_json(calais, "end-sessions", "--api-token")
        cli(calais, "publish", "alert", "--region", "calais", "--type", "raid", "--location", "Rue Dunkerque 3",
            "--text", "police at the squat", "--offline")
        received, ended = b"", False
        deadline = time.monotonic() + 40  # (a keep-alive comes every 15 s: each read returns by then)
        while not ended and b"Rue Dunkerque" not in received and time.monotonic() < deadline:
            chunk = reply.read1(4096)
            ended, received = not chunk, received + chunk
        assert b"Rue Dunkerque" not in received, received
        assert ended, f"the stream of the old token was still open 40 s on: {received!r}"
    finally:
        stream.close()
