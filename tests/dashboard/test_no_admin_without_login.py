"""Nobody becomes the dashboard's admin by where a request seems to come from (issue 9, item 1).

A Tor onion service, socat, stunnel or `ssh -L` delivers every remote visitor from 127.0.0.1, and
the client writes Host and the forwarding headers. So a real node (in this process, its app
served on a real port of 127.0.0.1, as `solnet run` serves it) is asked directly and through a
plain TCP relay on 127.0.0.2, with every Host and forwarding
header variant, by raw HTTP requests (so a header can also be absent): no private text, no publish,
no wipe. Then a one-time link from `solnet dashboard-link` logs in once, through the relay, and
its session can do all of it; a used or expired link cannot."""
from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import aiohttp
import pytest

from link_login import use_link
from page_text import PASSPHRASE, PRIVATE, csrf_of
from node import login_links
from node.demo import localnet
from node.dashboard import AccessOptions, access

RELAY_HOST = "127.0.0.2"
CSRF_REFUSAL = "did not come from this dashboard"
IO_TIMEOUT_S = 10.0


# --- a plain TCP relay, as socat or a Tor onion service: every visitor arrives from 127.0.0.1 -------
@dataclass
class Relay:
    server: asyncio.Server
    tasks: set[asyncio.Task] = field(default_factory=set)

    @property
    def port(self) -> int:
        return self.server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{RELAY_HOST}:{self.port}"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


@pytest.fixture
async def relay_to() -> AsyncIterator[Callable[[int], object]]:
    relays: list[Relay] = []

    async def start(port: int) -> Relay:
        async def on_client(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
            node_r, node_w = await asyncio.open_connection("127.0.0.1", port)
            both = [asyncio.create_task(_pipe(client_r, node_w)), asyncio.create_task(_pipe(node_r, client_w))]
            relay.tasks.update(both)
            await asyncio.gather(*both)
            relay.tasks.difference_update(both)

        relay = Relay(await asyncio.start_server(on_client, RELAY_HOST, 0))
        relays.append(relay)
        return relay

    try:
        yield start
    finally:
        for relay in relays:
            relay.server.close()
            for task in list(relay.tasks):
                task.cancel()
            await relay.server.wait_closed()


# --- raw HTTP/1.1, so every header is exactly what the test says (or absent) -------------------------
@dataclass
class Answer:
    status: int
    headers: dict[str, list[str]]
    body: str

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


async def raw(host: str, port: int, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Answer:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        # HTTP/1.1 must name a Host (aiohttp answers 400 without one); HTTP/1.0 may leave it out.
        version = "HTTP/1.1" if "Host" in headers else "HTTP/1.0"
        lines = [f"{method} {path} {version}", *(f"{k}: {v}" for k, v in headers.items()), "Connection: close"]
        if method == "POST":
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), IO_TIMEOUT_S)  # to EOF: Connection: close
    finally:
        writer.close()
    head, _, payload = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed: dict[str, list[str]] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed.setdefault(name.strip().lower(), []).append(value.strip())
    if "chunked" in parsed.get("transfer-encoding", [""])[0]:
        payload = _unchunk(payload)
    return Answer(int(status_line.split()[1]), parsed, payload.decode("utf-8", "replace"))


def _unchunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2:]
    return out


def keep_cookies(answer: Answer, jar: dict[str, str]) -> None:
    """Keep the cookies an answer sets, as a browser would."""
    for value in answer.headers.get("set-cookie", []):
        name, _, rest = value.partition("=")
        jar[name] = rest.split(";")[0]


def cookie_header(jar: dict[str, str]) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}


# --- the variants ------------------------------------------------------------------------------------
def hosts(port: int, relay: Relay) -> list[str | None]:
    return ["127.0.0.1", f"127.0.0.1:{port}", "localhost", f"localhost:{port}", "[::1]", f"[::1]:{port}",
            f"{RELAY_HOST}:{relay.port}", "evil.example", None]


FORWARDING: list[dict[str, str]] = [
    {},
    {"X-Forwarded-For": "127.0.0.1"},
    {"X-Forwarded-Host": "127.0.0.1"},
    {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Host": "localhost", "X-Forwarded-Proto": "http"},
    {"Forwarded": "for=127.0.0.1;host=127.0.0.1;proto=http"},
    {"Forwarded": 'for="[::1]"', "X-Real-IP": "::1", "X-Forwarded-For": "::1"},
    {"X-Real-IP": "127.0.0.1"},
]


def _form(fields: dict[str, str]) -> bytes:
    return urlencode(fields).encode()


@pytest.mark.parametrize("public", [False, True], ids=["login-only", "public-pages"])
@pytest.mark.slow
async def test_no_address_or_header_makes_an_admin(sample, serve_node, relay_to, public: bool) -> None:
    node = await serve_node(sample.nodes[0], AccessOptions(public=public))
    running, home = node.node, sample.nodes[0].home
    port = running.bound_port
    relay = await relay_to(port)
    support = sample.ids["support"]
    events_before = await running.db(running.log.store.count)
    reads = ["/", f"/event/{support}", f"/fragment/event/{support}", "/fragment/overview", "/fragment/alerts", "/groups",
             "/publish", "/publish/support.request", "/admin/wipe", f"/api/v1/events/{support}?private=true"]
    tried = 0
    for route, (host, target) in {"direct": ("127.0.0.1", port), "relay": (RELAY_HOST, relay.port)}.items():
        for host_header in hosts(port, relay):
            for forwarding in FORWARDING:
                where = f"{route}, Host {host_header!r}, {forwarding}"
                headers = {**({"Host": host_header} if host_header is not None else {}), **forwarding}
                jar: dict[str, str] = {}
                for path in reads:
                    answer = await raw(host, target, "GET", path, {**headers, **cookie_header(jar)})
                    keep_cookies(answer, jar)
                    assert PRIVATE not in answer.body, f"private text of {path} shown ({where})"
                    assert "Decrypted in memory" not in answer.body, where
                    # Every page of the network's own is the admin's, public pages served or not.
                    assert answer.status in (303, 401, 403), f"{path} answered {answer.status} ({where})"
                    if answer.status == 303:
                        public_home = public and path == "/"  # a public visitor is sent to the public pages
                        assert (answer.header("Location") == "/public/" if public_home
                                else answer.header("Location").startswith("/login?next=")), where
                    tried += 1
                # The best an outsider can do: a session of its own and that session's CSRF token,
                # so what refuses the forms below is the missing login, not the CSRF check.
                login = await raw(host, target, "GET", "/login", {**headers, **cookie_header(jar)})
                keep_cookies(login, jar)
                assert jar, where
                cookies, token = cookie_header(jar), csrf_of(login.body)
                published = await raw(host, target, "POST", "/publish/support.request", {**headers, **cookies}, _form({
                    "csrf": token, "region": "calais", "type": "housing", "people": "1", "urgency": "low"}))
                assert published.status in (303, 403) and "/event/" not in (published.header("Location") or ""), where
                assert CSRF_REFUSAL not in published.body, where
                wiped = await raw(host, target, "POST", "/admin/wipe", {**headers, **cookies}, _form({
                    "csrf": token, "confirm": "WIPE", "everything": "yes"}))
                assert wiped.status in (303, 403) and CSRF_REFUSAL not in wiped.body, f"wipe: {wiped.status} ({where})"
                assert home.keystore_path.exists() and home.db_path.exists() and not node.wiped, where
                tried += 2
    assert await running.db(running.log.store.count) == events_before, "a refused form stored an event"
    assert tried == 2 * 9 * len(FORWARDING) * (len(reads) + 2)
    home.keys(PASSPHRASE)  # the keystore is whole and opens


@pytest.mark.integration
async def test_a_login_link_from_the_cli_logs_in_once_through_the_relay(sample, serve_node, relay_to, http) -> None:
    node = await serve_node(sample.nodes[0])
    running, home = node.node, sample.nodes[0].home
    relay = await relay_to(running.bound_port)
    made = await asyncio.to_thread(cli_json, home.path, "dashboard-link", "--base-url", relay.url + "/")
    link = made["url"]
    assert re.fullmatch(re.escape(relay.url) + r"/login/link\?token=[A-Za-z0-9_-]{43}", link), link
    assert made["expires"] > time.time() * 1000 + 60_000

    status, headers, _ = await use_link(http, link)
    assert status == 303 and headers["Location"] == "/", "logged in, and the token leaves the address bar"
    cookie = headers["Set-Cookie"]
    name = access.cookie_names(urlsplit(relay.url).netloc).session  # the Host the browser asked
    assert cookie.startswith(f"{name}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    async with http.get(f"{relay.url}/event/{sample.ids['support']}") as r:
        assert r.status == 200 and PRIVATE in await r.text()
    async with http.get(f"{relay.url}/publish/action") as r:
        token = csrf_of(await r.text())
    before = await running.db(running.log.store.count)
    async with http.post(f"{relay.url}/publish/action", allow_redirects=False, data={
            "csrf": token, "title": "Relay 5", "region": "calais", "type": "class", "starts_at": "2031-07-01T10:00"}) as r:
        assert r.status == 303 and r.headers["Location"].startswith("/event/")
    assert await running.db(running.log.store.count) == before + 1

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as other:
        status, _, html = await use_link(other, link)
        assert status == 403 and "already used or has expired" in html, "a second use"
        async with other.get(f"{relay.url}/publish", allow_redirects=False) as r:
            assert r.status == 303, "the second visitor is not logged in"

    async with http.get(f"{relay.url}/admin/wipe") as r:
        token = csrf_of(await r.text())
    async with http.post(f"{relay.url}/admin/wipe", data={"csrf": token, "confirm": "wipe", "everything": "yes"}) as r:
        assert r.status == 200 and "The keystore was overwritten and deleted." in await r.text()
    assert not home.path.exists(), "the wipe of the logged-in admin removed the whole home"
    await asyncio.wait_for(_until(lambda: bool(node.wiped)), 5)


async def test_an_expired_or_made_up_link_logs_nobody_in(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    home = sample.nodes[0].home
    expired, _ = login_links.create(home.path, now_ms=int(time.time() * 1000) - login_links.TTL_S * 1000 - 1)
    fresh, _ = login_links.create(home.path)
    for token in (expired, fresh[:-1] + ("A" if fresh[-1] != "A" else "B"), "", "../keystore", "x" * 5000):
        # (what has no token's form was never made here: said as a link broken when copied)
        words = "already used or has expired" if login_links.well_formed(token) else "incomplete or altered"
        status, _, html = await use_link(node.client, "/login/link?" + urlencode({"token": token}))
        assert status == 403 and words in html, token[:20]
        async with node.client.get("/publish", allow_redirects=False) as r:
            assert r.status == 303
    status, _, _ = await use_link(node.client, f"/login/link?token={fresh}")
    assert status == 303, "the guesses above did not spend the real link"


NOBODY = 65534
SYSTEM_PYTHON = "/usr/bin/python3"  # readable by every user (the venv may not be)


@pytest.mark.skipif(os.getuid() != 0 or not os.path.exists(SYSTEM_PYTHON), reason="needs root to act as another user")
async def test_a_link_another_user_wrote_into_a_writable_home_logs_nobody_in(sample, start_node) -> None:
    """A home others may write to (a shared group's folder, a restored backup): another user of the
    machine can make the login-links folder and a link file of a token of their own. Only a link
    this node's user made logs in."""
    home = sample.nodes[0].home.path
    node = await start_node(sample.nodes[0])
    shutil.rmtree(home / login_links.FOLDER, ignore_errors=True)  # no link made yet
    os.chmod(home, 0o777)
    token = "A" * 43
    now = int(time.time() * 1000)
    folder = os.open(home, os.O_PATH | os.O_DIRECTORY)
    try:
        forge = "\n".join([
            "import os", f"d = '/proc/self/fd/{folder}/{login_links.FOLDER}'", "os.mkdir(d, 0o777)",
            f"open(d + '/{login_links._name(token)}', 'w').write('{now + 300_000} {now}\\n')", ""])
        done = await asyncio.to_thread(subprocess.run, [SYSTEM_PYTHON, "-I", "-c", forge], user=NOBODY,
                                       pass_fds=(folder,), capture_output=True, text=True, timeout=30)
    finally:
        os.close(folder)
    assert done.returncode == 0, done.stderr
    status, _, _ = await use_link(node.client, f"/login/link?token={token}")
    assert status == 403, "another user's link logged in as this node's admin"
    async with node.client.get("/publish", allow_redirects=False) as r:
        assert r.status == 303
    with pytest.raises(login_links.ForeignFolder, match=re.escape(f"chmod 700 {home}")):
        login_links.create(home)  # `solnet dashboard-link` says why it makes none, and what to do


async def test_racing_visits_with_one_link_make_one_session(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    token, _ = login_links.create(sample.nodes[0].home.path)

    async def visit() -> int:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
            return (await use_link(s, f"{node.url}/login/link?token={token}"))[0]
    assert sorted(await asyncio.gather(*(visit() for _ in range(8)))) == [303] + [403] * 7


@pytest.mark.integration
async def test_dashboard_link_finds_the_running_node_by_itself(sample, serve_node) -> None:
    node = await serve_node(sample.nodes[0])
    made = await asyncio.to_thread(cli_json, sample.nodes[0].home.path, "dashboard-link")
    assert made["url"].startswith(f"{node.url}/login/link?token=")


@pytest.mark.integration
def test_run_says_how_to_log_in_and_prints_no_secret(sample, tmp_path) -> None:
    calais = sample.nodes[0]
    proc = localnet.start(calais, PASSPHRASE, extra_args=["--dashboard-require-login"], log_dir=tmp_path)
    try:
        assert (why := localnet.wait_started(calais)) is None, why
        assert localnet.wait_until(lambda: "dashboard:" in calais.log_path.read_text() or proc.poll() is not None, 30)
        assert proc.poll() is None, calais.log_path.read_text()
    finally:
        localnet.stop(calais)
    out = calais.log_path.read_text()
    assert f"dashboard: http://{calais.address}/" in out and f"solnet --home {calais.home.path} dashboard-link" in out
    assert "--dashboard-require-login does nothing" in out, "the old option is accepted, with a warning"
    assert "token=" not in out and PASSPHRASE not in out
    assert not (calais.home.path / login_links.FOLDER).exists(), "running a node makes no login link"


def cli_json(home: Path, *args: str) -> dict:
    """`solnet --home HOME ARGS --json` as its own process (it needs no passphrase)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOLNET_")}
    proc = subprocess.run([*localnet.solnet_command(), "--home", str(home), *args, "--json"], capture_output=True,
                          text=True, timeout=60, env=env, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


async def _until(predicate) -> None:
    while not predicate():
        await asyncio.sleep(0.05)
