"""A panic wipe from the dashboard makes the browser forget the node as the node forgets its keys:
its session, its year-long mark of a browser that logged in here (node/dashboard/access.py), its
language cookie, and what the pages kept in the browser's storage (the alert notification choices,
with the regions watched). Until 2026-12-06 the mark and the language cookie stayed on the laptop a
year after the wipe, named after the node's address, and the storage stayed too. A logout drops the
storage as well (it already dropped the mark)."""
from __future__ import annotations

from page_text import csrf_of
from test_http import get, post


def _forgotten(answer) -> set[str]:
    """The cookies an answer deletes."""
    return {c.split("=", 1)[0] for c in answer.headers.getall("Set-Cookie", []) if "Max-Age=0" in c}


async def test_the_panic_wipe_deletes_the_browsers_cookies_and_storage_of_this_node(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, form, _ = await get(node.client, "/admin/wipe?lang=fr")  # a language remembered in its cookie
    held = {c.key for c in node.client.session.cookie_jar}
    assert {"solnet_lang"} | {k for k in held if k.startswith(("solnet_session_", "solnet_browser_"))} == held
    assert len(held) == 3, held
    status, html, answer = await post(node.client, "/admin/wipe", {"confirm": "EFFACER", "csrf": csrf_of(form)})
    assert status == 200, html
    assert _forgotten(answer) == held
    assert answer.headers["Clear-Site-Data"] == '"storage"'
    assert not list(node.client.session.cookie_jar)
    assert 'action="/logout"' not in html  # no "Log out" button on a page whose node is gone


async def test_a_logout_drops_what_the_pages_kept_in_the_browsers_storage(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, html, _ = await get(node.client, "/")
    status, _, answer = await post(node.client, "/logout", {"csrf": csrf_of(html)})
    assert status == 303
    assert answer.headers["Clear-Site-Data"] == '"storage"'
