"""The dashboard's cookies say Secure when the browser reached it over HTTPS, a reverse proxy's that
adds TLS included (the README's way to reach a node from afar). Behind one, the node sees plain
HTTP and set its login cookie without Secure: a coordinator who then typed the node's name without
https:// (the browser tries http:// first) sent the cookie in the clear to whoever was on the way,
who became the node's admin. The requests here carry what a browser and the proxy send (the Host
of the public name, Sec-Fetch-Site, X-Forwarded-Proto) to a node served on a real port."""
from __future__ import annotations

import aiohttp

from link_login import link_form
from node import login_links
from node.dashboard.access import cookies_secure

PUBLIC_NAME = "solidarity-node.example.org"  # the proxy's name: port 443, so the Host has no port


async def _logged_in_cookies(node, headers: dict[str, str]) -> list[str]:
    """Log in with a fresh link, every request carrying `headers`; the Set-Cookie lines of the login."""
    token, _ = login_links.create(node.node.home.path)
    # (no cookie jar: it would keep no Secure cookie for a plain-HTTP address; the cookie sent by hand)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        async with http.get(f"{node.url}/login/link?token={token}", headers=headers, allow_redirects=False) as r:
            assert r.status == 200, await r.text()
            fields = link_form(await r.text())
            session = r.cookies
        assert fields is not None
        cookie = "; ".join(f"{k}={m.value}" for k, m in session.items())
        async with http.post(f"{node.url}/login/link", data=fields, allow_redirects=False,
                             headers={**headers, "Origin": "null", "Cookie": cookie}) as r:
            assert r.status == 303 and r.headers["Location"] == "/", await r.text()
            return r.headers.getall("Set-Cookie")


def _flags(line: str) -> set[str]:
    return {part.strip().split("=", 1)[0].lower() for part in line.split(";")[1:]}


async def test_a_login_through_an_https_proxy_sets_secure_cookies(sample, serve_node) -> None:
    node = await serve_node(sample.nodes[0])
    through_proxy = {"Host": PUBLIC_NAME, "X-Forwarded-Proto": "https", "Sec-Fetch-Site": "same-origin"}
    cookies = await _logged_in_cookies(node, through_proxy)
    assert len(cookies) == 2  # the session and the browser's mark
    assert all("secure" in _flags(c) and "httponly" in _flags(c) for c in cookies), cookies


async def test_the_browsers_own_word_counts_behind_a_proxy_that_says_nothing(sample, serve_node) -> None:
    node = await serve_node(sample.nodes[0])
    cookies = await _logged_in_cookies(node, {"Host": PUBLIC_NAME, "Sec-Fetch-Site": "same-origin"})
    assert cookies and all("secure" in _flags(c) for c in cookies), cookies


async def test_loopback_and_plain_http_keep_cookies_without_secure(sample, serve_node) -> None:
    """`ssh -L` to 127.0.0.1 (a browser sends Fetch metadata there too), and a page over plain HTTP:
    a Secure cookie would be refused there, and nobody could log in."""
    node = await serve_node(sample.nodes[0])
    host = node.url.removeprefix("http://")
    for headers in ({"Host": host, "Sec-Fetch-Site": "same-origin"}, {"Host": "raspberrypi.local:7700"}):
        cookies = await _logged_in_cookies(node, headers)
        assert cookies and not any("secure" in _flags(c) for c in cookies), (headers, cookies)


def test_hosts_a_browser_trusts_over_plain_http_get_no_secure() -> None:
    fetch = {"Sec-Fetch-Site": "same-origin"}
    for host in ("127.0.0.1:7700", "[::1]:7700", "localhost:7700", "dash.localhost", "abcdefgh.onion", "ABC.ONION.", ""):
        assert not cookies_secure(False, {**fetch, "Host": host}), host
    for host in ("node.example.org", "192.168.1.20:7700", "[2001:db8::1]:443"):
        assert cookies_secure(False, {**fetch, "Host": host}), host
        assert not cookies_secure(False, {"Host": host}), host  # no word of HTTPS from anyone
    assert cookies_secure(True, {"Host": "127.0.0.1:7700"})  # the node's own TLS
