"""A network grown by referral (the founders admitted Calais, Calais admitted 80 groups; no flood)
is one lineage, so nearly every capped listing has one lineage over its few. Its rows fill all the
lineage could be given, so its other rows take no place from another lineage; but within it the
groups take turns down the admission tree (node/fair_share.py): at limit 50, the newest need of
each of the 50 groups whose needs are newest, not four of each of the 13 newest groups. Held.listed
reads of each group only the rows that could win a turn: the first of each group none of whose
rows came first (one row a group), not each group's few (320 rows for the API's needs at limit 50,
790 a page of the overview), and not none (the groups of a full lineage skipped: their turns lost)."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from crypto.keys import SigningKey
from node import fair_share
from node.dashboard import pages
from node.log import now_ms
from node.views import URGENT_ROWS, view
from node_fixtures import Author, Net, wires

GROUPS, NEEDS = 80, 4


def _network(net: Net, now: int) -> tuple[list[Author], list[tuple[int, bytes]]]:
    """The founders admitted Calais; Calais admitted GROUPS groups, each posting NEEDS needs (group
    k's i-th at now - 100_000 + k * 10 + i). Of each need: its group's number and its id."""
    calais = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(calais.key.public), "role": "group"})
    calais.sign("group.profile", {"name": "Calais", "region": "calais"})
    cphone = net.device_of(calais)
    authors, signed = [net.group, net.device, calais, cphone], []
    for k in range(GROUPS):
        g = Author(SigningKey.generate(), net.genesis.network_id)
        cphone.sign("member.vouch", {"subject": bytes(g.key.public), "role": "group"})
        g.sign("group.profile", {"name": f"G{k}", "region": "calais"})
        phone = net.device_of(g)
        authors += [g, phone]
        for i in range(NEEDS):
            signed.append((k, phone.sign("need", {"category": "tents", "quantity": 1 + i, "region": "calais"},
                                         ts=now - 100_000 + k * 10 + i).id))
    return authors, signed


def test_a_referral_networks_listings_take_turns_and_read_a_row_a_group(net: Net, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    now = now_ms()
    authors, signed = _network(net, now)
    events = [e for a in authors for e in a.made]
    read: list[tuple[int, int]] = []  # of each walk of every group's first rows: its per_group, the rows it read
    walk = type(net.new_log(tmp_path / "probe.db").store).rows_of_each_group
    seen = []
    for n, order in enumerate((events, events[::-1], random.Random(5).sample(events, len(events)))):
        log = net.new_log(tmp_path / f"referral{n}.db")
        log.ingest(wires(order))
        monkeypatch.setattr(type(log.store), "rows_of_each_group",
                            lambda self, *a, **k: read.append((k["per_group"], len(rows := walk(self, *a, **k))))
                            or rows)
        read.clear()
        listed = {x["id"] for x in view(log, "needs", now=now, limit=50, peers=[])}
        # the newest need of each of the 50 groups whose needs are newest (G30..G79): their turns
        assert listed == {signed[k * NEEDS + NEEDS - 1][1] for k in range(GROUPS - 50, GROUPS)}
        # one row of each group none of whose needs is among the newest 50 (G0..G66), no more
        assert sum(r for _, r in read) <= GROUPS - 13 and all(few == 1 for few, r in read if r)
        api_rows = sum(r for _, r in read)
        read.clear()
        page = pages.overview(log, None, now)
        assert len(page["needs"]["items"]) == pages.MAX_ITEMS
        page_rows = sum(r for _, r in read)
        # (was 790 reading each group's few; 150 skipping every group; and the desk's one region,
        # its needs cell cut, looks for the urgent among its newest URGENT_ROWS: views.urgent_too)
        assert page_rows <= 150 + GROUPS + URGENT_ROWS
        with monkeypatch.context() as m:  # as when each group's few is read: the same listing
            m.setattr(fair_share, "full_lineages", lambda *a: set())
            assert {x["id"] for x in view(log, "needs", now=now, limit=50, peers=[])} == listed
        seen.append((listed, api_rows, page_rows))
        log.store.close()
    assert seen[0] == seen[1] == seen[2]
    print("rows read: API needs at 50:", seen[0][1], "overview:", seen[0][2])


@pytest.mark.parametrize("seed", range(4))
def test_reading_only_rows_that_could_win_a_turn_lists_what_reading_each_groups_few_lists(
        net: Net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    """Random admission trees (groups admitted by the founders or by a group admitted before, some
    chained deep), some admitted by two; each group with 0 to 12 needs at random times: every capped listing is the one
    read with each group's few (the rows not read win no turn, and move none)."""
    rnd, now = random.Random(seed), now_ms()
    authors, phones = [net.group, net.device], [net.device]
    for k in range(rnd.randrange(20, 45)):
        g = Author(SigningKey.generate(), net.genesis.network_id)
        for admitter in {id(a): a for a in (rnd.choice(phones[-3:] if rnd.random() < 0.3 else phones)
                                         for _ in range(rnd.choice((1, 1, 2))))}.values():
            admitter.sign("member.vouch", {"subject": bytes(g.key.public), "role": "group"})
        phone = net.device_of(g)
        authors += [g, phone]
        phones.append(phone)
        for i in range(rnd.choice((0, 1, 2, 5, 8, 12))):
            phone.sign("need", {"category": "tents", "quantity": 1 + i, "region": "calais"},
                       ts=now - rnd.randrange(1, 50) * 1000 - k)
    log = net.new_log(tmp_path / "random.db")
    log.ingest(wires([e for a in authors for e in a.made]))
    for limit in (10, 20, 30, 50, 100):
        listed = [x["id"] for x in view(log, "needs", now=now, limit=limit, peers=[])]
        with monkeypatch.context() as m:
            m.setattr(fair_share, "full_lineages", lambda *a: set())
            assert [x["id"] for x in view(log, "needs", now=now, limit=limit, peers=[])] == listed, limit
    log.store.close()
