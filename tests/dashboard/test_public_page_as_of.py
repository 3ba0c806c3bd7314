"""The public page says until when its facts were heard from the network, never why.

A node that had heard from no other node for a day served "No public alert right now." to people
with no node of their own (a migrant checking where the police are): calm read from a node that
knew nothing. It now says "No public alert known as of <when it last heard>", and its time at the
top; the word "cut off" (that this node has lost its links, which its readers, the police among
them, need not know) is never on it, and a cut-off's time is to the hour."""
from __future__ import annotations

from page_text import visible_text
from test_http import get

from node import public_site
from node.clock import now_ms
from node.dashboard import AccessOptions
from node.dashboard.i18n import fallback_time

DAY_MS = 86_400_000


async def test_the_public_page_says_as_of_when_it_last_heard_from_the_network(sample, start_node) -> None:
    node = await start_node(sample.nodes[0], AccessOptions(public=True))
    running = node.node
    running._started_ms = now_ms()  # its peer loops run, no link yet: not cut off
    _, page, _ = await get(node.client, "/public/?lang=en")
    said = visible_text(page)
    assert "No public alert known as of " in said, said
    # a day with no link: the time it last heard, to the hour, in both languages
    running._started_ms = now_ms() - DAY_MS
    heard = running.cut_off_since()
    assert heard is not None
    shown = fallback_time(heard - heard % 3_600_000)
    for path, lang, words in (("/public/", "en", "No public alert known as of "), ("/public/alerts", "fr",
                                                                                     "Aucune alerte publique connue au ")):
        _, page, _ = await get(node.client, f"{path}?lang={lang}")
        said = visible_text(page)
        assert words + shown in said, said
        assert "cut off" not in said.lower() and "coupé" not in said.lower(), said
        assert "right now" not in said and "en ce moment" not in said, said


def test_as_of_is_now_to_the_minute_or_the_hour_before_the_cut() -> None:
    now = 1_780_000_000_000 + 1_234_567
    assert public_site.as_of(None, now) == now - now % 60_000
    assert public_site.as_of(now - DAY_MS, now) == (now - DAY_MS) - (now - DAY_MS) % 3_600_000
