"""Opening a login link spends nothing: link previewers (a messenger's preview of the link sent by
Signal) and mail scanners fetch a link by themselves, with a HEAD or a GET. Such a fetch spent the
link, was given the admin's session and the browser's year-long mark, and the person it was for was
refused (until 2026-12-06). Now the link opens a page (a heading, a "Log in" button, in the reader's
language) and only the button's POST, a form like every other (CSRF token, this origin), uses it."""
from __future__ import annotations

from link_login import link_form, use_link
from node import login_links
from node.dashboard import access
from page_text import csrf_of, visible_text

CSRF_REFUSAL = "did not come from this dashboard"


async def test_a_head_or_get_of_a_link_leaves_it_to_its_person(sample, start_node, http) -> None:
    node = await start_node(sample.nodes[0])
    token, _ = login_links.create(node.node.home.path, ttl_s=3600)
    link = f"{node.url}/login/link?token={token}"
    names = access.cookie_names(node.url.removeprefix("http://"))
    # A previewer: a HEAD, then GETs in both languages, with no cookie kept between them
    async with node.client.session.head(link, allow_redirects=False) as r:
        assert r.status == 200 and names.browser not in r.cookies, r.headers
    for lang, heading, button in (("en", "Log in with this link", "Log in"),
                                  ("fr", "Se connecter avec ce lien", "Se connecter")):
        node.client.session.cookie_jar.clear()
        async with node.client.get(f"/login/link?token={token}&lang={lang}", allow_redirects=False) as r:
            html = await r.text()
            assert r.status == 200 and names.browser not in r.cookies
        text = visible_text(html)
        assert f"<h1>{heading}</h1>" in html and f'<button type="submit">{button}</button>' in html, text
        assert "already used" not in text and "déjà servi" not in text
        assert link_form(html) == {"csrf": csrf_of(html), "token": token}
    async with node.client.get("/publish", allow_redirects=False) as r:
        assert r.status == 303, "opening the link logged nobody in"
    assert len(list((node.node.home.path / login_links.FOLDER).iterdir())) == 1, "the link is still there"

    # The person's own browser: the page, then its button, logs in (session and mark), once
    status, headers, _ = await use_link(http, link)
    assert status == 303 and headers["Location"] == "/"
    async with http.get(f"{node.url}/publish", allow_redirects=False) as r:
        assert r.status == 200
    assert {c.key for c in http.cookie_jar} >= {names.session, names.browser}
    node.client.session.cookie_jar.clear()
    status, _, html = await use_link(node.client, f"/login/link?token={token}")
    assert status == 403 and "already used or has expired" in html


async def test_the_links_button_needs_the_pages_csrf_token_and_origin(sample, start_node) -> None:
    """Another site's page cannot send a link it holds (its own node's, say) to log a visitor in."""
    node = await start_node(sample.nodes[0])
    token, _ = login_links.create(node.node.home.path)
    async with node.client.get(f"/login/link?token={token}") as r:
        fields = link_form(await r.text())
    assert fields is not None
    for data, headers in (({"token": token}, {}), ({**fields, "csrf": "0" * 64}, {}),
                          (fields, {"Origin": "https://elsewhere.example"})):
        async with node.client.post("/login/link", data=data, headers=headers, allow_redirects=False) as r:
            assert r.status == 403 and CSRF_REFUSAL in await r.text(), data
    async with node.client.post("/login/link", data=fields, allow_redirects=False) as r:
        assert r.status == 303, "the refused sends did not spend the link"
