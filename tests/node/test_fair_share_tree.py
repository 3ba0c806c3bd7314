"""The banner and the capped listings share their room by one rule (node/fair_share.py): between
lineages, then down the admission tree. A mole is usually admitted by an honest group and shares
its lineage: shared by lineage alone, the banner folded that honest group's raid alert behind the
mole's puppets' alerts (under words that called them made up), and at tier 1 the capped listing
fell back to per-group fairness, where 12 puppets of another lineage took 18 of 20 places."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from crypto.keys import SigningKey
from node.dashboard import pages
from node.dashboard.app import render_page
from node.dashboard.i18n import Translator
from node.log import now_ms
from node.views import view
from node_fixtures import Author, Net, wires

HEALTH = {"peers": [], "connected": 0, "known": 0, "last_sync": None, "lag": None, "events_per_s": 0.0, "events": 0}


def _group(net: Net, admitter: Author, name: str) -> tuple[Author, Author]:
    group = Author(SigningKey.generate(), net.genesis.network_id)
    admitter.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
    group.sign("group.profile", {"name": name, "region": "calais"})
    return group, net.device_of(group)


def _raid(phone: Author, now: int, ts: int, text: str) -> bytes:
    return phone.sign("alert", {"region": "calais", "type": "raid", "text": text}, ts=ts, expires=now + 3_600_000).id


def _puppets(net: Net, admitter: Author, now: int, authors: list, chained: bool) -> None:
    """A mole admitted by `admitter` makes up 12 groups (each admitting the next when `chained`),
    each posting 10 alerts newer than every honest one."""
    mole, above = _group(net, admitter, "Dunkirk")
    authors += [mole, above]
    for p in range(12):
        puppet, phone = _group(net, above, f"Puppet {p}")
        authors += [puppet, phone]
        for i in range(10):
            phone.sign("alert", {"region": "calais", "type": "other", "text": f"noise {p} {i}"},
                       ts=now - 1000 + p * 10 + i, expires=now + 3_600_000)
        above = phone if chained else above


def _in_every_order(net: Net, tmp_path: Path, events: list, check) -> None:
    seen = []
    for n, order in enumerate((events, list(reversed(events)), random.Random(11).sample(events, len(events)))):
        log = net.new_log(tmp_path / f"{n}.db")
        log.ingest(wires(order))
        assert log.store.pending_count() == 0
        seen.append(check(log))
        log.store.close()
    assert seen[0] == seen[1] == seen[2]


@pytest.mark.parametrize("chained", (False, True))
def test_an_honest_groups_alert_is_not_folded_behind_the_mole_it_admitted(net: Net, tmp_path: Path, chained: bool) -> None:
    """Brighton admitted Dunkirk in good faith, and Bristol; Dunkirk made up 12 groups (in a row or
    chained, each admitting the next), 120 alerts. Brighton's and Bristol's raid alerts are shown,
    not folded, and the folded line's words say nothing of the groups it names being made up."""
    now = now_ms()
    brighton, bphone = _group(net, net.group, "Brighton")
    bristol, sphone = _group(net, bphone, "Bristol")
    authors = [net.group, net.device, brighton, bphone, bristol, sphone]
    real = [_raid(bphone, now, now - 60_000, "raid Brighton"), _raid(sphone, now, now - 50_000, "raid Bristol")]
    _puppets(net, bphone, now, authors, chained)

    def check(log):
        page = pages.overview(log, None, now)
        shown, folded = [a["id"] for a in page["alerts"]], [a["id"] for a in page["alerts_folded"]]
        assert all(r in shown for r in real), "an honest group's raid alert is folded behind a mole's"
        assert len(shown) <= 20 and len(shown) + len(folded) == 122
        listed = [a["id"] for a in view(log, "alerts", now=now, limit=20, peers=[])]
        assert all(r in listed for r in real)
        html = render_page("overview_body.html", {**page, "t": Translator("en"), "region_close": None,
                                                  "region": None, "health": HEALTH})
        words = html[html.index('<details class="alerts-folded"'):html.index("</details>")]
        assert "made up" not in words and "says nothing against a group" in words
        return shown, folded, listed

    _in_every_order(net, tmp_path, [e for a in authors for e in a.made], check)


def test_another_lineages_puppets_take_no_more_than_their_share_of_a_capped_listing(net: Net, tmp_path: Path) -> None:
    """Brighton's lineage (Brighton and five groups it admitted) has 6 raid alerts; a mole admitted
    by the founders made up 12 groups, 10 alerts each. At limit 20 and 50 every honest alert is
    listed (it was 2 of 6 at 20: after each lineage's first 2, each group's first 2 came next)."""
    now = now_ms()
    brighton, bphone = _group(net, net.group, "Brighton")
    authors = [net.group, net.device, brighton, bphone]
    real = [_raid(bphone, now, now - 60_000, "raid Brighton")]
    for k, city in enumerate(["Bristol", "Cardiff", "Leeds", "London", "Oxford"]):
        g, phone = _group(net, bphone, city)
        authors += [g, phone]
        real.append(_raid(phone, now, now - 50_000 + k, f"raid {city}"))
    _puppets(net, net.device, now, authors, chained=False)

    def check(log):
        lists = [[a["id"] for a in view(log, "alerts", now=now, limit=limit, peers=[])] for limit in (20, 50)]
        for limit, listed in zip((20, 50), lists):
            assert len(listed) == limit and all(r in listed for r in real), f"honest alerts cut at {limit}"
        return lists

    _in_every_order(net, tmp_path, [e for a in authors for e in a.made], check)


def test_a_chain_of_made_up_groups_thousands_deep_shares_one_turn() -> None:
    """A mole's groups, each admitting the next, 5,000 deep (one alert each, newer than the honest
    ones): the honest group that admitted the mole and its other group keep their turns; the chain
    is walked without recursion (Python's limit is 1,000 deep)."""
    from node.fair_share import tiers

    chain = [f"p{k}" for k in range(5000)]
    above = {"bristol": "brighton", "mole": "brighton", chain[0]: "mole",
             **{chain[k + 1]: chain[k] for k in range(len(chain) - 1)}}
    groups = chain[::-1] + ["bristol", "brighton"]  # newest first: the chain's, then the honest ones
    tier = tiers(groups, 20, 3, lambda g: "brighton's lineage", above.get)
    assert tier[-2:] == [0, 0] and sum(t < 2 for t in tier) == 20


def test_an_honest_groups_need_takes_its_turn_though_its_lineage_fills_the_listing(net: Net, tmp_path: Path) -> None:
    """A network grown by referral is one lineage: the founders admitted Calais, Calais admitted
    Brighton and Dunkirk; Dunkirk, a mole, made up 12 groups, each posting 5 needs (the few of a
    listing of 50) newer than Brighton's one. The lineage fills the listing, and its groups' rows
    further down were not read: Brighton's need, its turn beside Dunkirk's subtree, was never
    listed (50 of the puppets' needs were)."""
    now = now_ms()
    calais, cphone = _group(net, net.device, "Calais")
    brighton, bphone = _group(net, cphone, "Brighton")
    mole, mphone = _group(net, cphone, "Dunkirk")
    authors = [net.group, net.device, calais, cphone, brighton, bphone, mole, mphone]
    real = bphone.sign("need", {"category": "tents", "quantity": 3, "region": "calais"}, ts=now - 60_000).id
    for p in range(12):
        puppet, phone = _group(net, mphone, f"Puppet {p}")
        authors += [puppet, phone]
        for i in range(5):
            phone.sign("need", {"category": "tents", "quantity": 1 + i, "region": "calais"}, ts=now - 1000 + p * 10 + i)

    def check(log):
        listed = [n["id"] for n in view(log, "needs", now=now, limit=50, peers=[])]
        assert real in listed, "an honest group's need lost its turn to a mole's made-up groups"
        needs = [n["id"] for n in pages.overview(log, None, now)["needs"]["items"]]
        assert real in needs
        return listed, needs

    _in_every_order(net, tmp_path, [e for a in authors for e in a.made], check)


def test_items_of_no_group_are_cut_without_failing(net: Net, tmp_path: Path) -> None:
    """A read model whose items name no group (the regions' summaries), cut by the API at a limit
    below their number: `/api/v1/regions?limit=1` answered 500 (KeyError in the admission tree's
    walk, None being no group's key)."""
    from node.views import fair_items

    items = [{"region": r} for r in ("calais", "bristol", "dover")]
    log = net.new_log(tmp_path / "log.db")
    assert fair_items(items, 1, log.trust) == fair_items(items, 1) == items[:1]
    log.store.close()
