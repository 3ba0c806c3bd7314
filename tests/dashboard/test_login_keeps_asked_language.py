"""A page asked for in a language (`/groups?lang=fr`, a bookmark or a link in a French message) by a
browser not logged in is sent to the login page in that language: the redirect dropped it (it sets no
cookie), and a coordinator whose browser says English got an English login page for a French link.
The page it comes back to after the login is the one asked for, with its language."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from test_http import get


async def test_a_page_asked_in_french_sends_to_a_french_login_page(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    headers = {"Accept-Language": "en-GB,en;q=0.9"}
    status, _, answer = await get(node.client, "/groups?lang=fr", headers=headers)
    assert status in (302, 303), status
    where = answer.headers["Location"]
    assert parse_qs(urlsplit(where).query)["next"] == ["/groups?lang=fr"], where
    status, page, _ = await get(node.client, where, headers=headers)
    assert status == 200 and '<html lang="fr"' in page and "Connexion" in page, page[:300]
    # without a language asked for, the browser's still decides (another browser: the French login page's
    # cookie remembers French in this one, as an asked language is)
    node.client.session.cookie_jar.clear()
    status, _, answer = await get(node.client, "/groups", headers=headers)
    status, page, _ = await get(node.client, answer.headers["Location"], headers=headers)
    assert '<html lang="en"' in page
