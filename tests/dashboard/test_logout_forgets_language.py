"""A logout forgets the language cookie, as it forgets the browser's mark: "solnet_lang" (the same
name whichever node set it) stayed in the laptop's cookie jar for a year after "Log out", saying
that this browser used a solnet dashboard and in which language. The page after the logout still
says "logged out" in the language it was in, without remembering it; the session cookie is a new,
empty one that ends with the browser."""
from __future__ import annotations

from page_text import csrf_of
from test_http import get, post


async def test_a_logout_deletes_the_language_cookie_and_says_it_in_that_language(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    _, html, _ = await get(node.client, "/?lang=fr")  # remembered in its cookie
    assert "solnet_lang" in {c.key for c in node.client.session.cookie_jar}
    status, _, answer = await post(node.client, "/logout", {"csrf": csrf_of(html)})
    assert status == 303
    forgotten = {c.split("=", 1)[0] for c in answer.headers.getall("Set-Cookie", []) if "Max-Age=0" in c}
    assert "solnet_lang" in forgotten, answer.headers.getall("Set-Cookie", [])
    status, page, after = await get(node.client, answer.headers["Location"])
    assert status == 200 and "Vous êtes déconnecté." in page
    assert not [c for c in after.headers.getall("Set-Cookie", []) if c.startswith("solnet_lang=")]
    held = {c.key for c in node.client.session.cookie_jar}
    assert not {k for k in held if k == "solnet_lang" or k.startswith("solnet_browser_")}, held
