"""After "Log out" the page says so (a status the screen reader hears, where the focus goes): the
bare login form it gave before left a blind coordinator to guess whether the button had worked."""
from __future__ import annotations

import re

from page_text import csrf_of
from test_http import get, post

FLASH = re.compile(r'<p class="flash" id="flash" role="status" tabindex="-1" data-focus[^>]*>([^<]*)</p>')


async def test_a_logout_lands_on_a_login_page_that_says_so(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    for lang, said in (("en", "You are logged out."), ("fr", "Vous êtes déconnecté.")):
        await node.log_in()
        _, html, _ = await get(node.client, f"/?lang={lang}")
        status, _, answer = await post(node.client, "/logout", {"csrf": csrf_of(html)})
        assert status == 303, status
        status, page, _ = await get(node.client, answer.headers["Location"])
        assert status == 200 and 'action="/login"' in page, page[:500]
        assert FLASH.findall(page) == [said], FLASH.findall(page)
        assert (await get(node.client, "/publish"))[0] == 303  # logged out indeed
    _, plain, _ = await get(node.client, "/login")  # only after a logout
    assert not FLASH.findall(plain)


async def test_a_live_session_is_not_told_it_is_logged_out(sample, start_node) -> None:
    """/login?left=1 opened again (the back button, the history) by a browser still logged in said
    "You are logged out." to it: the login page shows it as to any logged-in visitor."""
    node = await start_node(sample.nodes[0])
    await node.log_in()
    status, page, _ = await get(node.client, "/login?left=1")
    assert status == 200 and not FLASH.findall(page), FLASH.findall(page)
    assert "You are logged out." not in page and 'action="/logout"' in page
    assert (await get(node.client, "/publish"))[0] == 200  # logged in indeed
