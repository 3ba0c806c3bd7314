"""What a visitor who has not logged in learns from the node's port, which the dashboard shares with
peer sync (peers and scanners reach it): not which group runs the node, not its device id, not how
many events it stored. Until 2026-12-05 every page (the login page, a 404) had the group's name in
its title and header, its stored-event counter in `data-since` (an outsider polling it counted
every event stored, sealed ones too, and when), and a session cookie named after the device id's
first 12 hex digits. Real nodes served on ports of 127.0.0.1, asked as a scanner would."""
from __future__ import annotations

import re

import aiohttp
import pytest

from node.dashboard import AccessOptions, access
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
    keys = sample.nodes[0].home.keys(PASSPHRASE)
    assert access.cookie_names(keys.device.derive) == access.cookie_names(keys.device.derive), "a mark outlives a restart"

