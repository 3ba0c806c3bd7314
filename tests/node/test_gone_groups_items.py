"""The open items of a group that is gone (it left: `solnet revoke OWN_GROUP_ID`; or was revoked) are
no longer offered to act on, in every view, whatever order the events came in: what it signed
before counts still (design rule 8), but nobody can withdraw, adjust or close it any more. A need,
an offer, a support offer and a support request nobody took leave the listings and the region
summary; a fundraiser stops running (`group_gone`); a live alert stays, marked (a raid someone saw);
a request another group took stays with it, marked. On real SQLite files."""
from __future__ import annotations

from pathlib import Path

import pytest

from events.format import Event
from node.log import EventLog
from node.render import view_line
from node.views import view
from test_order_independence import NOW, World, certified_world, ingest_in

REGION = {"region": "dunkerque"}


def _items(world: World) -> tuple[list[Event], Event]:
    """G2's device g2 posts one item of every kind in Dunkerque, G1's takes one of two requests;
    then the revocation (not yet signed: the caller signs it)."""
    g2, g1 = world.authors["g2"], world.authors["g1"]
    posted = [
        g2.sign("need", {"category": "tarpaulins", "quantity": 30, "urgency": "high", **REGION}),
        g2.sign("offer", {"category": "tents", "quantity": 4, **REGION}),
        g2.sign("support.offer", {"type": "housing", "capacity": 2, **REGION}),
        g2.sign("support.request", {"type": "legal", "people": "1", "urgency": "high", **REGION}),
        g2.sign("support.request", {"type": "legal", "people": "2", "urgency": "low", **REGION}),
        g2.sign("fundraiser", {"title": "Bail fund", "goal": 1000, "currency": "EUR", **REGION}),
        g2.sign("alert", {"type": "raid", "text": "Police at the camp", **REGION}, expires=NOW + 3_600_000),
        g2.sign("group.profile", {"name": "Dunkerque", **REGION}),
    ]
    posted.append(g1.sign("support.claim", {"request": posted[3].id}))
    return posted


def _revoke(world: World, how: str) -> Event:
    if how == "left":  # its own group key, from after its last event (as `solnet revoke OWN_GROUP_ID`)
        g2 = world.authors["G2"]
        return g2.sign("member.revoke", {"subject": world.pub("G2"), "from_seq": g2.seq + 2, "reason": "dissolved"})
    return world.authors["F"].sign("member.revoke", {"subject": world.pub("G2"), "from_seq": 99, "reason": "x"})


def _shown(log: EventLog) -> dict:
    v = lambda name: view(log, name, now=NOW, limit=100, peers=[])  # noqa: E731
    [desk] = [r for r in v("regions") if r["region"] == "dunkerque"]
    return {"needs": v("needs"), "capacity": v("capacity"), "support": v("support"),
            "fundraisers": v("fundraisers"), "alerts": v("alerts"), "alert-history": v("alert-history"),
            "desk": {k: desk[k] for k in ("needs", "offers", "capacity", "requests", "funds", "alerts")}}


@pytest.mark.parametrize("how", ["left", "revoked"])
def test_a_gone_groups_open_items_are_not_offered_in_either_order(tmp_path: Path, how: str) -> None:
    world = certified_world()
    base = list(world.events)
    posted = _items(world)
    gone = _revoke(world, how)
    before = ingest_in(tmp_path / "before.db", world, base + posted, [])
    still = _shown(before)
    assert [n["category"] for n in still["needs"]] == ["tents", "tarpaulins"]  # (a member's, while it is one)
    before.store.close()

    seen = []
    for i, order in enumerate([base + posted + [gone], base + [gone] + posted]):
        log = ingest_in(tmp_path / f"{i}.db", world, order, [len(base) + 1])
        seen.append(_shown(log))
        log.store.close()
    assert seen[0] == seen[1]  # a function of the events, not of their order
    shown = seen[0]
    assert shown["needs"] == [] and shown["capacity"] == []
    [taken] = shown["support"]  # the one nobody took is gone; the one G1 took stays with it, marked
    assert taken["status"] == "claimed" and taken["group_gone"] == how
    [fund] = shown["fundraisers"]
    assert fund["group_gone"] == how and not fund["ended"]
    [alert] = shown["alerts"]
    assert alert["group_gone"] == how and alert["status"] == "live"
    assert [a["group_gone"] for a in shown["alert-history"]] == [how]
    assert shown["desk"] == {"needs": [], "offers": [], "capacity": [], "funds": [], "alerts": 1,
                             "requests": {"high": 1, "medium": 0, "low": 0, "open": 1, "taken": 1, "waiting": 0}}
    words = {"left": "[its group has left the network]", "revoked": "[its group was revoked]"}[how]
    assert words in view_line("alerts", alert, {}) and words in view_line("fundraisers", fund, {})
    assert words in view_line("support", taken, {})


def test_a_group_whose_key_forked_is_frozen_not_gone_and_its_devices_items_stay(tmp_path: Path) -> None:
    """A fork of a group key (a restore that had not caught up, a twin of its home) freezes the key
    (design rule 6): the devices it certified before still sign, so the needs they post are the
    group's needs still. Counted as gone, a group's every need left every desk on a fork."""
    world = certified_world()
    base = list(world.events)
    posted = _items(world)
    g2 = world.authors["G2"]
    at, prev = g2.seq + 1, g2.prev
    twins = [g2.sign("group.profile", {"name": name, **REGION}, seq=at, prev=prev) for name in ("Dunkerque", "Twin")]
    log = ingest_in(tmp_path / "forked.db", world, base + posted + twins, [])
    shown = _shown(log)
    log.store.close()
    assert log.trust.member(world.pub("G2")).revoked_from is not None  # frozen from the fork
    assert [n["category"] for n in shown["needs"]] == ["tents", "tarpaulins"]
    assert not any(a["group_gone"] for a in shown["alerts"])
