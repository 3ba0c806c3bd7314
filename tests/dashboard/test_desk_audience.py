"""The coordinator's desk (the overview's "Network at a glance", `solnet view regions`) says what it
adds up from events for chosen groups only, as every other view does: a desk read aloud at a
meeting or copied to a wider chat must not pass off a planned blockade or a fund a few groups
were told of as something everyone may know."""
from __future__ import annotations

import re
import time
from datetime import datetime, timezone

from chosen_groups import publish_for_bristol
from page_text import PASSPHRASE, desk_cell, visible_text
from node import publishing, render
from node.audience import Opener, opened_rows
from node.clock import now_ms
from node.views import group_names, view

TOMORROW = datetime.fromtimestamp(time.time() + 86400, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def _publish_for_bristol(calais, bristol) -> bytes:
    """On Calais's home, once it holds Bristol's membership: an action tomorrow, an offer and a
    fundraiser in Bristol's region, for Bristol (and Calais) only, beside the open offer of blankets
    the sample has there."""
    return publish_for_bristol(calais, bristol, [
        ("action", {"title": "Blockade 7", "region": "bristol", "type": "direct_action", "starts_at": TOMORROW}),
        ("offer", {"category": "blankets", "quantity": "5", "region": "bristol"}),
        ("fundraiser", {"title": "Fund 9", "goal": "900", "currency": "GBP", "region": "bristol"})])[0]


def _bristol_row(html: str) -> str:
    row = re.search(r'<tr data-key="region-bristol".*?</tr>', html, re.S)
    assert row, html
    return " ".join(visible_text(row.group(0)).split())


async def test_the_desk_marks_what_is_for_chosen_groups_only(sample, start_node) -> None:
    _publish_for_bristol(*sample.nodes)
    node = await start_node(sample.nodes[0])
    await node.log_in()
    async with node.client.get("/", headers={"Accept-Language": "en"}) as r:
        row = _bristol_row(await r.text())
    assert "Blockade 7" in row and "Blockade 7 " in row and "Shared only with Calais and Bristol" in row, row
    # the sample's 40 open, 5 for Bristol; a pause before the note (test_shared_note_apart.py)
    assert "blankets: 45 items , 1 of 2 for chosen groups only" in row, row
    assert "for chosen groups only" in row.split("Blockade 7")[1], row  # the fund, after the action
    async with node.client.get("/", headers={"Accept-Language": "fr"}) as r:
        row = _bristol_row(await r.text())
    assert "1 sur 2 pour des groupes choisis seulement" in row and "Partagé seulement avec Calais et Bristol" in row, row


async def test_the_event_page_says_with_whom_in_the_words_of_ls_and_view(sample, start_node) -> None:
    """The page of an event for chosen groups says with whom as `solnet ls`, `show` and `view` do
    ('Calais and Bristol'): it said 'Calais, Bristol', where the commands said 'Calais and Bristol'."""
    action = _publish_for_bristol(*sample.nodes)
    log = sample.nodes[0].home.log()
    try:
        names = group_names(log)
        row = log.store.event_row(action)
        opened = opened_rows(log, Opener(sample.nodes[0].home.keys(PASSPHRASE).device_encryption))
        [item] = [a for a in view(log, "actions", now=now_ms(), opened=opened) if a["id"] == action]
    finally:
        log.store.close()
    shared = render.shared_text(item["shared_with"], names)
    assert shared == "Calais and Bristol"
    assert render.event_line(row, "Calais", item, inner_kind="action", shared=shared).endswith(
        "[shared with Calais and Bristol only]")
    assert render.view_line("actions", item, names).split("\n")[0].endswith("[shared with Calais and Bristol only]")
    node = await start_node(sample.nodes[0])
    await node.log_in()
    for lang, said in (("en", "Shared only with Calais and Bristol"), ("fr", "Partagé seulement avec Calais et Bristol")):
        async with node.client.get(f"/event/{action.hex()}", headers={"Accept-Language": lang}) as r:
            page = " ".join(visible_text(await r.text()).split())
        assert said in page, page


def test_view_regions_marks_what_is_for_chosen_groups_only(sample) -> None:
    _publish_for_bristol(*sample.nodes)
    log = sample.nodes[0].home.log()
    try:
        opened = opened_rows(log, Opener(sample.nodes[0].home.keys(PASSPHRASE).device_encryption))
        [bristol] = view(log, "regions", region="bristol", now=now_ms(), opened=opened, peers=[])
        names = group_names(log)
        text = render.view_line("regions", bristol, names)
        offers = [render.view_line("needs", i, names) for i in view(log, "needs", region="bristol", now=now_ms(),
                                                                     opened=opened)]
    finally:
        log.store.close()
    assert "  offers: 45 items of blankets [1 of 2 for chosen groups only]" in text.splitlines(), text
    assert "Blockade 7 (direct action) [shared with Calais and Bristol only]" in text, text
    assert "money: raised 0.00 GBP of 900.00 GBP (0%) [for chosen groups only]" in text, text
    # the listing itself says with whom, in the words `solnet ls` uses ("A, B only" before)
    assert any(o.endswith("[shared with Calais and Bristol only]") for o in offers), offers


async def _desk_after_21(sample, start_node, kind: str):
    """The node of the sample's Calais, started once it has published 21 of `kind` (need or offer)
    in Bristol, logged in; and its overview in English."""
    log, keys = sample.nodes[0].home.log(), sample.nodes[0].home.keys(PASSPHRASE)
    try:
        for i in range(21):
            publishing.publish(log, keys, kind, {"category": "food", "quantity": str(i + 1), "unit": "boxes",
                                                 "region": "bristol"})
    finally:
        log.store.close()
    node = await start_node(sample.nodes[0])
    await node.log_in()
    async with node.client.get("/", headers={"Accept-Language": "en"}) as r:
        return node, await r.text()


async def test_the_desk_says_where_it_added_up_the_newest_rows_only(sample, start_node) -> None:
    """The desk adds up each region's newest 20 rows per part; with more, its sums were short with
    no word (300 offers of food showed as 5,247 boxes of 45,150), where `view regions` and the API
    say `capped`. The cell says it now ("newest only", the desk once what it means), in the reader's language."""
    node, html = await _desk_after_21(sample, start_node, "offer")
    assert "(newest only)" in _bristol_row(html), _bristol_row(html)
    assert "counted from the newest entries only" in html
    calais = re.search(r'<tr data-key="region-calais".*?</tr>', html, re.S).group(0)
    assert "newest only" not in calais  # a region under the bound: its sums are whole
    async with node.client.get("/", headers={"Accept-Language": "fr"}) as r:
        french = await r.text()
        assert "(plus récentes seulement)" in _bristol_row(french)
        assert "compté sur les entrées les plus récentes seulement" in french


async def test_the_desk_says_its_offers_are_whole_when_only_its_needs_were_cut(sample, start_node) -> None:
    """21 needs in Bristol, beside the sample's open offer of blankets there: the needs' sums are of
    the newest 20, the offers' of them all. The Offered cell said "counted from the newest entries
    only" too (needs and offers were one part of `capped`), and the API said `capped: ['needs']`."""
    _, html = await _desk_after_21(sample, start_node, "need")
    assert "(newest only)" in desk_cell(html, "bristol", "Still needed")
    offered = desk_cell(html, "bristol", "Offered")
    assert "blankets" in offered and "newest only" not in offered, offered


async def test_could_go_to_marks_a_place_that_cannot_read_the_private_details(tmp_path, start_node) -> None:
    """Calais's request, its private details sealed to Bristol: the overview and the request's page
    said it "could go to" Cardiff first (the most places), though Cardiff cannot read who the people
    are; they say so now, in the reader's language, Bristol first."""
    from node.demo import localnet

    calais, bristol, cardiff = localnet.create_network(
        tmp_path, [("Calais", "calais"), ("Bristol", "bristol"), ("Cardiff", "cardiff")], PASSPHRASE)
    log, keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:
        for other, capacity in ((cardiff, "9"), (bristol, "2")):
            theirs = other.home.log()
            try:
                publishing.publish(theirs, other.home.keys(PASSPHRASE), "support.offer",
                                   {"region": other.region, "type": "housing", "capacity": capacity})
                log.ingest(list(theirs.store.iter_wire()))
            finally:
                theirs.store.close()
        request = publishing.publish(log, keys, "support.request", {
            "region": "calais", "type": "housing", "people": "2", "urgency": "high"},
            private="Two minors, arrived Tuesday", to=["Bristol"]).id.hex()
    finally:
        log.store.close()
    node = await start_node(calais)
    await node.log_in()
    for path in ("/", f"/event/{request}"):
        for lang, words in (("en", "cannot read its private details"), ("fr", "ne peut pas lire ses détails privés")):
            async with node.client.get(path, headers={"Accept-Language": lang}) as r:
                text = " ".join(visible_text(await r.text()).split())
            places = text.split("Pourrait aller vers" if lang == "fr" else "Could go to", 1)[1][:200]
            assert places.index("Bristol") < places.index("Cardiff"), (path, places)
            assert f"Cardiff ( cardiff , " in places and f") ({words})" in places.split("Cardiff", 1)[1], (path, places)
            assert words not in places.split("Cardiff", 1)[0], (path, places)


async def test_the_groups_page_names_each_device_and_says_which_is_this_node(tmp_path, start_node) -> None:
    """A phone certified with a name ("phone 2"): the groups page showed two bare ids for Calais,
    and the coordinator could not tell the seized phone from the node itself."""
    from node import membership
    from node.demo import localnet
    from node.home import Home

    calais, _bristol = localnet.create_network(tmp_path, [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
    group = bytes.fromhex(calais.home.config().group_id)
    config, phone_keys = membership.prepare_device(Home(tmp_path / "phone"), group, None, None, PASSPHRASE)
    request = membership.parse_device_request(membership.device_request(config, phone_keys), group)
    log, keys = calais.home.log(), calais.home.keys(PASSPHRASE)
    try:
        membership.vouch_device(log, keys, request, [], name="phone 2", offline=True)
    finally:
        log.store.close()
    node = await start_node(calais)
    await node.log_in()
    for lang, this in (("en", "this node"), ("fr", "ce nœud")):
        async with node.client.get("/groups", headers={"Accept-Language": lang}) as r:
            text = " ".join(visible_text(await r.text()).split())
        assert f"{config.device_id[:12]}… “ phone 2 ” —" in text, text  # (visible_text spaces the bdi)
        assert f"{calais.home.config().device_id[:12]}… ({this}) —" in text, text
