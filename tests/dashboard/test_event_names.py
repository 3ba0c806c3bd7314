"""Events are named for people, in the page's language: a link to the event another names (an update's
alert, a pledge's fundraiser) says what it is, not '1a2b3c4d5e6f…' (a screen reader read out hex), and
an event page without a title is titled by its kind and what tells it apart ('Alert: raid, calais,
...'), not by its kind alone (ten tabs all called 'Alert')."""
from __future__ import annotations

import html as html_lib
import re

from node import publishing
from page_text import PASSPHRASE, PRIVATE

HEX_RE = re.compile(r"[0-9a-f]{12}")


async def _page(node, event_id: str, lang: str = "en") -> str:
    async with node.client.get(f"/event/{event_id}?lang={lang}") as r:
        assert r.status == 200, r.status
        return await r.text()


def _title(page: str) -> str:
    return html_lib.unescape(re.search(r"<title>([^<]*)</title>", page)[1]).split(" · ")[0]


def _links_to(page: str, event_id: str) -> list[str]:
    return [html_lib.unescape(t) for t in re.findall(rf'<a href="/event/{event_id}"[^>]*>([^<]*)</a>', page)]


async def test_a_reference_is_a_link_named_by_what_it_names(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    alert, fund = sample.ids["alert"], sample.ids["fundraiser"]
    update = await node.node.publish("alert.update", {"alert": alert, "status": "update", "text": "gone"})
    pledge = await node.node.publish("fundraiser.update", {"fundraiser": fund, "raised": "20"})

    page = await _page(node, update.id.hex())
    [name] = _links_to(page, alert)
    assert name.startswith("Alert: raid, calais, Zone 7, ") and not HEX_RE.search(name), name
    assert f"</a> <span class=\"mono ref-id\">{alert[:12]}…</span>" in page  # the id kept, beside the name
    [name] = _links_to(await _page(node, update.id.hex(), "fr"), alert)
    assert name.startswith("Alerte\u202f: descente de police, calais, Zone 7, "), name

    assert _links_to(await _page(node, pledge.id.hex()), fund) == ["Kit 2031"]


async def test_an_untitled_events_page_is_titled_by_what_tells_it_apart(sample, start_node) -> None:
    node = await start_node(sample.nodes[0])
    await node.log_in()
    other = await node.node.publish("alert", {"region": "dover", "type": "raid", "text": "x"}, expires_in="6h")
    first, second = _title(await _page(node, sample.ids["alert"])), _title(await _page(node, other.id.hex()))
    assert first.startswith("Alert: raid, calais, Zone 7, 20") and first.endswith(" UTC"), first
    assert second.startswith("Alert: raid, dover, 20") and first != second, (first, second)
    assert _title(await _page(node, sample.ids["action"])) == "Manif 42"  # a title is the name

    # One with private details is titled by its kind and id alone (test_browser_keeps_nothing_sealed)
    support = _title(await _page(node, sample.ids["support"], "fr"))
    assert support.startswith("Demande de soutien avec détails privés "), support
    assert "Amira" not in support and PRIVATE not in support  # the private part is never a name
    # An update is titled by what it updates
    update = await node.node.publish("alert.update", {"alert": sample.ids["alert"], "status": "all_clear"})
    said = _title(await _page(node, update.id.hex()))
    assert said.startswith("Alert update or all clear: all clear, raid, calais, Zone 7, "), said


def _link_names(page: str, css: str) -> dict[str, set[str]]:
    """Each link of the `css` lists ("could go to", "could come from") by the event it goes to: the
    names it has on the page (its text, tags taken out)."""
    names: dict[str, set[str]] = {}
    for part in re.findall(rf'class="item-meta {css}">(.*?)</(?:p|div)>', page, re.S):
        for target, text in re.findall(r'<a href="/event/([0-9a-f]{64})">(.*?)</a>', part, re.S):
            names.setdefault(target, set()).add(" ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", text)).split()))
    return names


async def test_links_to_offers_alike_have_names_as_different_as_their_places(sample, start_node) -> None:
    """A group's two offers of 2 places in one region were 'Calais (calais, 2 places for ...)' twice
    under "could go to", each to another offer; the same under a need's "could come from". ("Could go
    to" now has one line per group, its best offer: one group's offers cannot fill every place; and
    not the requesting group's own: Bristol's offers, as a peer brings them.)"""
    bristol, keys = sample.nodes[1].home.log(), sample.nodes[1].home.keys(PASSPHRASE)
    try:
        for _ in range(2):
            publishing.publish(bristol, keys, "support.offer", {"region": "calais", "type": "safeguarding_minor",
                                                                "capacity": "2"})
        made = list(bristol.store.iter_wire())
    finally:
        bristol.store.close()
    calais = sample.nodes[0].home.log()
    calais.ingest(made)
    calais.store.close()
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for _ in range(2):
        await node.node.publish("offer", {"category": "tents", "quantity": "5", "region": "calais"})
    async with node.client.get("/") as r:
        overview = await r.text()
    pages = [overview, await _page(node, sample.ids["support"]), await _page(node, sample.ids["need"], "fr")]
    for page in (overview, pages[1]):
        assert len(_link_names(page, "can-go")) == 1  # one line of Bristol's, though it made two offers
    for page, css in ((overview, "matches"), (pages[2], "matches")):
        names = _link_names(page, css)
        assert len(names) >= 2 and all(len(said) == 1 for said in names.values()), (css, names)
        said = [next(iter(s)) for s in names.values()]
        assert len(set(said)) == len(said), (css, said)
