"""A login link that was already used says what its receiver can do (in English and French): a
second coordinator who got it by Signal has neither the node's shell nor its passphrase, so "run
`solnet dashboard-link` on the node's machine, or log in with the passphrase" left them nothing to
do; and a link they had not used before was used by someone else, who holds a session now:
the page says to tell whoever sent it, and the README says how that admin ends it."""
from __future__ import annotations

from node import login_links
from link_login import use_link
from page_text import visible_text


async def test_a_spent_link_tells_its_receiver_whom_to_ask_and_what_it_may_mean(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    for lang, ask, warn in (("en", "ask whoever sent it to you for a new one", "someone else may have"),
                            ("fr", "demandez-en un autre à qui vous l’a envoyé", "quelqu’un d’autre l’a peut-être fait")):
        token, _ = login_links.create(node.node.home.path, ttl_s=12 * 3600)
        status, _, _ = await use_link(node.client, f"/login/link?token={token}")
        assert status == 303  # the first use: someone (not necessarily the one it was for)
        node.client.session.cookie_jar.clear()
        status, _, html = await use_link(node.client, f"/login/link?token={token}&lang={lang}")
        text = visible_text(html)
        assert status == 403
        assert ask in text and warn in text, text


async def test_a_link_cut_short_when_copied_says_so_and_raises_no_alarm(sample, start_node) -> None:
    """A link cut short (a terminal wrapped it, a copy missed its end) or with a character too was
    never made here, so nobody used it: it said "someone else may have opened it ... tell whoever
    sent it at once", a false alarm whose remedy (README) is restarting the node. The link still
    works once copied whole."""
    node = await start_node(sample.nodes[0])
    token, _ = login_links.create(node.node.home.path, ttl_s=12 * 3600)
    for lang, says, alarm in (("en", "incomplete or altered", "someone else may have"),
                              ("fr", "incomplet ou modifié", "quelqu’un d’autre l’a peut-être fait")):
        for broken in (token[:30], token + "x", ""):
            status, _, html = await use_link(node.client, f"/login/link?token={broken}&lang={lang}")
            text = visible_text(html)
            assert status == 403
            assert says in text and alarm not in text, text
    status, _, _ = await use_link(node.client, f"/login/link?token={token}")
    assert status == 303  # the whole link, opened after the broken ones, logs in
