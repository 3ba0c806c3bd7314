"""An infiltrating member admits throw-away groups of its own (any member admits a group with one
vouch) and floods live alerts from each: the per-group fair cut of a capped listing (node.views)
then gave its puppets the whole first screen, and another lineage's raid alert dropped off the
API's and the CLI's capped alert listings (bots passing raid alerts on read those). Groups that one
member admitted, directly or further down, are one lineage (events/trust.py `lineages`): each
lineage's newest few come first now, whatever order the events came in."""
from __future__ import annotations

import random
from pathlib import Path

from crypto.keys import SigningKey
from node.log import now_ms
from node.dashboard.pages import MAX_ITEMS, overview
from node.views import view
from node_fixtures import Author, Net, wires

PUPPETS = 12
EACH = 6  # alerts of each puppet group


def _group(net: Net, admitter: Author, name: str) -> tuple[Author, Author]:
    group = Author(SigningKey.generate(), net.genesis.network_id)
    admitter.sign("member.vouch", {"subject": bytes(group.key.public), "role": "group"})
    group.sign("group.profile", {"name": name, "region": "calais"})
    return group, net.device_of(group)


def _flooded(net: Net, now: int, kind: str, real_fields: dict, noise, each: int = EACH) -> tuple[list, bytes]:
    """Brighton (admitted by the founder) posts one real event; Dunkirk (admitted by the founder too:
    the mole) admits PUPPETS groups, each of which posts EACH newer ones."""
    expires = now + 3_600_000 if kind == "alert" else None
    brighton, brighton_phone = _group(net, net.group, "Brighton")
    real = brighton_phone.sign(kind, real_fields, ts=now - 60_000, expires=expires)
    mole, mole_phone = _group(net, net.group, "Dunkirk")
    authors = [net.group, net.device, brighton, brighton_phone, mole, mole_phone]
    for p in range(PUPPETS):
        puppet, phone = _group(net, mole_phone, f"Puppet {p}")
        authors += [puppet, phone]
        for i in range(each):
            phone.sign(kind, noise(p, i), ts=now - 1000 + p * 10 + i, expires=expires)
    return [e for a in authors for e in a.made], real.id


def _listed_in_every_order(net: Net, tmp_path: Path, now: int, events: list, real: bytes, name: str) -> None:
    seen = []
    for n, order in enumerate((events, list(reversed(events)), random.Random(5).sample(events, len(events)))):
        log = net.new_log(tmp_path / f"{n}.db")
        log.ingest(wires(order))
        assert log.store.pending_count() == 0
        lists = [view(log, name, now=now, limit=limit, peers=[]) for limit in (20, 50)]
        for limit, listed in zip((20, 50), lists):
            assert len(listed) == limit
            assert real in [a["id"] for a in listed], f"Brighton's is not among the {limit} {name} listed"
        seen.append(lists)
        log.store.close()
    assert seen[0] == seen[1] == seen[2]


def test_puppet_groups_of_one_member_do_not_push_another_lineages_alert_out(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    events, real = _flooded(net, now, "alert", {"region": "calais", "type": "raid", "text": "raid at the bridge"},
                            lambda p, i: {"region": "calais", "type": "other", "text": f"noise {p} {i}"})
    _listed_in_every_order(net, tmp_path, now, events, real, "alerts")


def test_puppet_groups_of_one_member_do_not_push_another_lineages_need_out(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    events, real = _flooded(net, now, "need", {"category": "tents", "quantity": 30, "region": "calais"},
                            lambda p, i: {"category": "shoes", "quantity": 1 + i, "region": "calais"})
    _listed_in_every_order(net, tmp_path, now, events, real, "needs")


def test_puppet_groups_of_one_member_do_not_push_another_lineages_need_off_the_overview(net: Net,
                                                                                       tmp_path: Path) -> None:
    """The dashboard's first screen: its needs section shows 50, at most 5 of one group first; a
    dozen made-up groups had 60 such places."""
    now = now_ms()
    events, real = _flooded(net, now, "need", {"category": "tents", "quantity": 30, "region": "calais"},
                            lambda p, i: {"category": "shoes", "quantity": 1 + i, "region": "calais"})
    log = net.new_log(tmp_path / "overview.db")
    log.ingest(wires(events))
    page = overview(log, None, now, own=bytes(net.group.key.public))
    assert page["needs"]["more"] and len(page["needs"]["items"]) == MAX_ITEMS
    assert real in [n["id"] for n in page["needs"]["items"]]
    log.store.close()


def test_the_dashboards_banner_shows_another_lineages_alert_above_a_puppet_flood(net: Net, tmp_path: Path) -> None:
    """The banner showed each group's newest ALERTS_PER_GROUP, newest first: 12 made-up groups of one
    member put 120 alerts above Brighton's raid alert posted a minute earlier. Each lineage's newest
    few come first now, and a flooding lineage's others are folded behind one line saying how many."""
    from node import alert_banner
    from node.dashboard import pages
    from node.dashboard.app import render_page
    from node.dashboard.i18n import Translator
    from node.views import ALERTS_PER_GROUP

    now = now_ms()
    events, real = _flooded(net, now, "alert", {"region": "calais", "type": "raid", "text": "raid at the bridge"},
                            lambda p, i: {"region": "calais", "type": "other", "text": f"noise {p} {i}"},
                            each=ALERTS_PER_GROUP)
    seen = []
    for n, order in enumerate((events, list(reversed(events)), random.Random(7).sample(events, len(events)))):
        log = net.new_log(tmp_path / f"banner{n}.db")
        log.ingest(wires(order))
        page = pages.overview(log, None, now)
        shown, folded = [a["id"] for a in page["alerts"]], [a["id"] for a in page.get("alerts_folded", [])]
        assert real in shown[:alert_banner.FEW + 1], "Brighton's raid alert is not among the banner's first"
        assert len(shown) <= alert_banner.ROOM and len(shown) + len(folded) == PUPPETS * ALERTS_PER_GROUP + 1
        html = render_page("overview_body.html", {**page, "t": Translator("en"), "region_close": None, "region": None,
                                                  "health": {"peers": [], "connected": 0, "known": 0, "last_sync": None,
                                                             "lag": None, "events_per_s": 0.0, "events": 0}})
        assert html.index(real.hex()) < html.index('<details class="alerts-folded"')
        summary = html[html.index("<summary>"):html.index("</summary>")]
        # (a summary is a button's name: the made-up groups' names, five at most)
        groups = len({a["group"] for a in page["alerts_folded"]})
        assert f"{len(folded)} more live alerts, from {groups} groups, among them Puppet" in summary
        assert summary.count("Puppet") == 5
        seen.append((shown, folded))
        log.store.close()
    assert seen[0] == seen[1] == seen[2]


def test_the_banner_folds_nothing_when_its_alerts_fit() -> None:
    """A busy night of honest alerts that fit the banner: every one shown, newest first, none folded
    (one lineage: a network grown by referral)."""
    from node.alert_banner import ROOM, banner

    alerts = [{"id": i, "group": bytes([i % 4])} for i in range(ROOM)]
    assert banner(alerts, lambda g: "one") == (alerts, [])
    # beyond the room, a single lineage keeps the whole room, in its own order
    more = alerts + [{"id": ROOM, "group": b"\0"}]
    assert banner(more, lambda g: "one") == (alerts, [more[-1]])
