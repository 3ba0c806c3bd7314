"""A visitor who is not logged in is given a cookie by the login pages alone (their forms' CSRF token
is bound to the session). With --public-dashboard, /favicon.ico (which browsers fetch by themselves),
/public without its slash and any mistyped address answered 404 with a session cookie, and with
?lang= a year-long "solnet_lang" too: the phone of someone who only read the public pages kept a
trace of a solnet node. Every answer an anonymous visitor can reach is checked, on a public and on a
private dashboard; the login still works from a browser that had no cookie."""
from __future__ import annotations

import re

import pytest

from node.dashboard import AccessOptions
from test_http import get, post

ANONYMOUS_GETS = ("/favicon.ico", "/favicon.ico?lang=fr", "/public", "/public?lang=fr", "/public/nothing",
                  "/public/nothing?lang=fr", "/nothing?lang=fr", "/public/", "/public/?lang=fr",
                  "/public/alerts?lang=fr", "/public/alerts.atom", "/public/actions.atom",
                  "/public/fundraisers.atom", "/public/calendar.ics", "/public/calendar/calais.ics",
                  "/public/calendar/nowhere.ics?lang=fr", "/static/app.js", "/static/style.css",
                  "/static/nothing.js?lang=fr", "/", "/?lang=fr", "/groups?lang=fr", "/publish?lang=fr",
                  "/publish/need?lang=fr", "/event/" + "ab" * 32 + "?lang=fr", "/fragment/overview?lang=fr",
                  "/fragment/alerts", "/fragment/event/" + "ab" * 32, "/live?lang=fr", "/admin/wipe?lang=fr",
                  "/logout?lang=fr", "/healthz")
ANONYMOUS_OTHERS = (("POST", "/"), ("POST", "/public/"), ("PUT", "/login"), ("DELETE", "/login/link?lang=fr"),
                    ("POST", "/logout"), ("POST", "/admin/wipe"), ("POST", "/static/app.js"),
                    ("POST", "/favicon.ico"))


@pytest.mark.parametrize("public", [True, False])
async def test_no_answer_to_an_anonymous_visitor_sets_a_cookie_but_the_login_pages(sample, start_node,
                                                                                  public) -> None:
    node = await start_node(sample.nodes[0], AccessOptions(public=public))
    jar = node.client.session.cookie_jar
    for method, path in [*(("GET", p) for p in ANONYMOUS_GETS), *ANONYMOUS_OTHERS]:
        jar.clear()
        async with node.client.request(method, path, allow_redirects=False) as answer:
            assert answer.status < 500, (method, path, answer.status)
            assert answer.headers.getall("Set-Cookie", []) == [], (method, path, answer.status,
                                                                  answer.headers.getall("Set-Cookie", []))
    # the login pages keep their session (and the language asked for): their forms need it
    for path in ("/login?lang=fr", "/login/link?token=" + "x" * 10):
        jar.clear()
        _, _, answer = await get(node.client, path)
        assert any(c.startswith("solnet_session") for c in answer.headers.getall("Set-Cookie", [])), path
    # a form sent from a session the node no longer knows: the login page it gets can be sent
    jar.clear()
    status, page, answer = await post(node.client, "/publish/need", {"category": "tents", "csrf": "stale"},
                                      headers={"Origin": node.url})
    assert status == 401 and any(c.startswith("solnet_session") for c in answer.headers.getall("Set-Cookie", []))
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    status, page, _ = await post(node.client, "/login", {"csrf": csrf, "passphrase": "wrong", "next": "/"},
                                 headers={"Origin": node.url})
    assert status != 403, (status, page)  # (403: the form's token was refused)
    # and a visitor who had no cookie logs in as ever
    jar.clear()
    await node.log_in()
    status, _, _ = await get(node.client, "/")
    assert status == 200
