"""A network grown by referral (the founders admitted Calais, Calais admitted 80 groups; no flood)
is one lineage, so nearly every capped listing has one lineage over its few. Held.listed then read
each group's first rows (rows_of_each_group) for every listing: the API's needs at limit 50 read
800 rows more, the overview 1,600 more a page, for nothing: the lineage's rows already fill all it
could be given, and its other rows come after every row read."""
from __future__ import annotations

from pathlib import Path

import pytest

from crypto.keys import SigningKey
from node.dashboard import pages
from node.log import now_ms
from node.views import view
from node_fixtures import Author, Net, wires


def test_a_referral_networks_listings_read_no_group_walk(net: Net, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    now = now_ms()
    calais = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(calais.key.public), "role": "group"})
    calais.sign("group.profile", {"name": "Calais", "region": "calais"})
    cphone = net.device_of(calais)
    authors, signed = [net.group, net.device, calais, cphone], []
    for k in range(80):
        g = Author(SigningKey.generate(), net.genesis.network_id)
        cphone.sign("member.vouch", {"subject": bytes(g.key.public), "role": "group"})
        g.sign("group.profile", {"name": f"G{k}", "region": "calais"})
        phone = net.device_of(g)
        authors += [g, phone]
        for i in range(4):
            signed.append(phone.sign("need", {"category": "tents", "quantity": 1 + i, "region": "calais"},
                                     ts=now - 100_000 + k * 10 + i).id)
    log = net.new_log(tmp_path / "referral.db")
    log.ingest(wires([e for a in authors for e in a.made]))
    read: list[tuple[int, int]] = []  # of each walk: its per_group, the rows it read
    walk = type(log.store).rows_of_each_group
    monkeypatch.setattr(type(log.store), "rows_of_each_group",
                        lambda self, *a, **k: read.append((k["per_group"], len(rows := walk(self, *a, **k)))) or rows)

    listed = view(log, "needs", now=now, limit=50, peers=[])
    assert sum(n for _, n in read) == 0
    # (the newest 50, as a plain listing: four of each of the newest groups, none over its few)
    assert {n["id"] for n in listed} == set(signed[-50:])
    page = pages.overview(log, None, now)
    assert len(page["needs"]["items"]) == pages.MAX_ITEMS
    # the listings of a group's few or more (at limit 40 and over) read none; the region desk's
    # listings of 20, where each group has more than its 2, read each group's first two (as before)
    assert read and all(n == 0 for few, n in read if few >= 4)
    log.store.close()
