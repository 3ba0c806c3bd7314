"""What a visitor who has not logged in learns from the node's port, which the dashboard shares with
peer sync (peers and scanners reach it): not which group runs the node, not its device id, not how
many events it stored. Until 2026-12-05 every page (the login page, a 404) had the group's name in
its title and header, its stored-event counter in `data-since` (an outsider polling it counted
every event stored, sealed ones too, and when), and a session cookie named after the device id's
first 12 hex digits. Real nodes served on ports of 127.0.0.1, asked as a scanner would."""
from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest

from node import publishing
from node.dashboard import AccessOptions, access
from node.log import now_ms
from page_text import PASSPHRASE

PAGES = ("/login", "/no/such/page", "/login?next=%2Fgroups", "/", "/groups")


def _leaks(text: str, group: str, device: str) -> list[str]:
    """What in `text` (a page or its headers) names the node or counts its events."""
    found = [word for word in (group, device[:8], device[-8:]) if word.lower() in text.lower()]
    return found + re.findall(r"data-since=\"[^\"]*\"", text)


@pytest.mark.parametrize("public", [False, True], ids=["private", "public-dashboard"])
async def test_pages_before_login_name_no_group_device_or_count(sample, serve_node, public: bool) -> None:
    calais = sample.nodes[0]
    group, device = calais.home.config().group_name, calais.home.config().device_id
    running = await serve_node(calais, AccessOptions(public=public))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as scanner:  # each knock anew
        for path in PAGES:
            async with scanner.get(running.url + path, allow_redirects=False) as r:
                body = await r.text()
                headers = "\n".join(f"{k}: {v}" for k, v in r.headers.items())
                assert r.status in (200, 303, 404), (path, r.status)
                assert not _leaks(body, group, device), (path, _leaks(body, group, device))
                assert not _leaks(headers, group, device), (path, headers)
                assert r.status == 303 or "· solnet</title>" in body, path

    # The admin still sees whose node it is, and the page's live updates start from its counter.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as admin:
        await running.log_in(admin)
        async with admin.get(running.url + "/groups") as r:
            body = await r.text()
        assert f"· {group} · solnet</title>" in body
        assert f'data-since="{running.node.last_stored_n}"' in body


async def test_two_nodes_in_one_browser_stay_logged_in_with_cookies_not_named_after_devices(
        sample, serve_node, http) -> None:
    """Both nodes answer on 127.0.0.1: the browser sends each the other's cookies, so each names its
    own after itself, by a keyed hash of its device key, never by its device id."""
    nodes = [await serve_node(node) for node in sample.nodes]
    for running in nodes:
        await running.log_in(http)
    for running, node in zip(nodes, sample.nodes):
        async with http.get(running.url + "/publish", allow_redirects=False) as r:
            assert r.status == 200, f"{node.name} logged out by the other node's login"
    names = {c.key for c in http.cookie_jar}
    devices = [node.home.config().device_id for node in sample.nodes]
    assert len([n for n in names if n.startswith("solnet_session_")]) == 2, names
    assert len([n for n in names if n.startswith("solnet_browser_")]) == 2, names
    assert not [n for n in names for d in devices if d[:6] in n or d[-6:] in n], (names, devices)
    assert access.cookie_names("127.0.0.1:7000") == access.cookie_names("127.0.0.1:7000"), "a mark outlives a restart"


async def test_cookie_names_do_not_link_a_nodes_addresses_nor_name_its_software(sample, serve_node) -> None:
    """The cookies' names were a keyed hash of the device key, the same at every address and every
    start: anyone reaching the port linked a node's onion address to its clearnet one (asking each, or
    the clearnet port with the onion as Host), and knew it again at a new address. They are a hash
    of the Host alone now: one node at two Host names gives two unrelated names, two nodes at one Host
    the same one (nothing of the node in it). And no `Server: Python/3.11 aiohttp/...` header."""
    calais, bristol = [await serve_node(node) for node in sample.nodes]

    async def knock(running, host: str) -> tuple[str, str]:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as scanner:
            async with scanner.get(running.url + "/login", headers={"Host": host}) as r:
                assert r.status == 200
                [cookie] = r.headers.getall("Set-Cookie")
                return cookie.split("=", 1)[0], r.headers.get("Server", "")

    onion = "abcdefghijklmnopqrstuvwxyz234567abcdefghijklmnopqrstuvw.onion"
    at_onion, server = await knock(calais, onion)
    at_clearnet, _ = await knock(calais, "203.0.113.5:8080")
    assert at_onion.startswith("solnet_session_") and at_clearnet.startswith("solnet_session_")
    assert at_onion != at_clearnet  # one node, two addresses: not linked by its cookie
    assert (await knock(bristol, onion))[0] == at_onion  # another node at that address: the same name
    assert (await knock(calais, onion.upper()))[0] == at_onion  # (a host name's case is no other address)
    assert "aiohttp" not in server.lower() and "python" not in server.lower(), server


async def _sealed_need_to_come(sample) -> bytes:
    """Calais's home with a public alert of its own and Bristol's membership; Bristol's need sealed
    to its own group, which Calais lacks yet (its wire, to be stored while Calais's node runs)."""
    calais, bristol = sample.nodes
    for node in sample.nodes:  # a public alert of Calais's; a need of Bristol's sealed to itself
        log, keys = node.home.log(), node.home.keys(PASSPHRASE)
        try:
            if node is calais:
                publishing.publish(log, keys, "alert", {"region": "calais", "type": "raid", "text": "Bus stop 4",
                                                        "public": "yes"}, expires_in="6h")
            else:
                sealed = publishing.publish(log, keys, "need", {"category": "tents", "quantity": "2",
                                                                "region": "bristol"}, to=[node.home.config().group_id])
                known = [w for w in log.store.iter_wire() if w != sealed.encode()]  # its membership
        finally:
            log.store.close()
    log = calais.home.log()
    try:
        log.ingest(known)
    finally:
        log.store.close()
    return sealed.encode()


async def _store_seen(running, wire: bytes) -> None:
    """`wire` stored by the running node, and noticed (the public data is read again at the next request)."""
    before = running.node.last_stored_n
    [stored] = await running.node.db(running.node.log.ingest, [wire])
    assert stored.status == "accepted", stored
    async with asyncio.timeout(5):
        while running.node.last_stored_n == before:
            await asyncio.sleep(0.01)


async def test_a_sealed_event_arriving_leaves_the_public_feeds_updated_as_it_was(sample, start_node, http,
                                                                               monkeypatch) -> None:
    """The feeds' <updated> was when the public data was last read, which happens as soon as any row
    is stored: anyone polling a feed learnt when events not public, sealed ones too, came in. It is
    the newest entry's now, and 1970 for an empty feed."""
    from node.dashboard import public_cache

    monkeypatch.setattr(public_cache, "MIN_AGE_S", 0.0)  # a new row is read at the next request
    sealed = await _sealed_need_to_come(sample)
    running = await start_node(sample.nodes[0], AccessOptions(public=True))

    async def updated(feed: str) -> list[str]:
        async with http.get(f"{running.url}/public/{feed}") as r:
            assert r.status == 200
            return re.findall(r"<updated>([^<]*)</updated>", await r.text())

    alerts, funds = await updated("alerts.atom"), await updated("fundraisers.atom")
    assert len(alerts) > 1 and alerts[0] == max(alerts[1:]), alerts  # the feed's: its newest entry's
    assert funds == ["1970-01-01T00:00:00+00:00"], funds  # the sample's fundraiser is not public: none
    await _store_seen(running, sealed)
    assert await updated("alerts.atom") == alerts and await updated("fundraisers.atom") == funds


async def test_a_sealed_event_arriving_leaves_the_public_pages_time_as_it_was(sample, start_node, http,
                                                                            monkeypatch) -> None:
    """The public pages said "As of" when the public data was last read, which happens as soon as any
    row is stored: anyone polling /public/ learnt when events not public, sealed ones too, came in.
    They say when their newest item was posted now. (The sealed event comes two minutes after the
    first reading, by the clock the public data is read with: the pages show minutes.)"""
    from node import public_site
    from node.dashboard import public_cache

    monkeypatch.setattr(public_cache, "MIN_AGE_S", 0.0)  # a new row is read at the next request
    sealed = await _sealed_need_to_come(sample)
    running = await start_node(sample.nodes[0], AccessOptions(public=True))
    later = 0
    monkeypatch.setattr(public_site, "now_ms", lambda: now_ms() + later)

    async def said(page: str) -> str:
        async with http.get(f"{running.url}/public/{page}") as r:
            assert r.status == 200
            [line] = re.findall(r'<p class="hint">([^<]*)</p>', await r.text())
            return line

    pages = {page: await said(page) for page in ("", "alerts")}
    later = 120_000
    await _store_seen(running, sealed)
    assert {page: await said(page) for page in pages} == pages
    assert all(line.startswith("Latest news here: ") for line in pages.values()), pages
