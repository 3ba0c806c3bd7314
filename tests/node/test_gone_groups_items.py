"""The open items of a group that is gone (it left: `solnet revoke OWN_GROUP_ID`; or was revoked) are
no longer offered to act on, in every view, whatever order the events came in: what it signed
before counts still (design rule 8), but nobody can withdraw, adjust or close it any more. A need,
an offer, a support offer and a support request nobody took leave the listings and the region
summary; a fundraiser stops running (`group_gone`); a live alert stays, marked (a raid someone saw);
a request another group took stays with it, marked. A group that took a request and is gone no
longer takes it (the request waits for a group again, unless another that took it is still a
member), and its pledges no longer count as pledged. On real SQLite files."""
from __future__ import annotations

from pathlib import Path

import pytest

from events.format import Event
from node import publishing, references
from node.dashboard.pages import case_actions
from node.log import EventLog
from node.render import state_text, view_line
from node.views import named, view
from test_order_independence import ALERT_UNTIL, NOW, World, certified_world, ingest_in

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
        g2.sign("alert", {"type": "raid", "text": "Police at the camp", **REGION}, expires=ALERT_UNTIL),
        g2.sign("group.profile", {"name": "Dunkerque", **REGION}),
    ]
    posted.append(g1.sign("support.claim", {"request": posted[3].id}))
    return posted


def _revoke(world: World, how: str, group: str = "G2") -> Event:
    if how == "left":  # its own group key, from after its last event (as `solnet revoke OWN_GROUP_ID`)
        key = world.authors[group]
        return key.sign("member.revoke", {"subject": world.pub(group), "from_seq": key.seq + 2, "reason": "dissolved"})
    return world.authors["F"].sign("member.revoke", {"subject": world.pub(group), "from_seq": 99, "reason": "x"})


def _shown(log: EventLog) -> dict:
    v = lambda name: view(log, name, now=NOW, limit=100, peers=[])  # noqa: E731
    [desk] = [r for r in v("regions") if r["region"] == "dunkerque"]
    return {"needs": v("needs"), "capacity": v("capacity"), "support": v("support"),
            "fundraisers": v("fundraisers"), "alerts": v("alerts"), "alert-history": v("alert-history"),
            "desk": {k: desk[k] for k in ("needs", "offers", "capacity", "requests", "funds", "alerts")}}


def _shown_in_either_order(tmp_path: Path, world: World, base: list[Event], posted: list[Event], gone: Event) -> dict:
    """What the views show with the revocation after the items, and before them: the same."""
    seen = []
    for i, order in enumerate([base + posted + [gone], base + [gone] + posted]):
        log = ingest_in(tmp_path / f"{i}.db", world, order, [len(base) + 1])
        seen.append(_shown(log))
        log.store.close()
    assert seen[0] == seen[1]  # a function of the events, not of their order
    return seen[0]


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

    shown = _shown_in_either_order(tmp_path, world, base, posted, gone)
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
    # A request's line names no group of its own but ends with who took it: "— taken by G1 since ...
    # [its group has left the network]" read as the taker's group gone (the week: Cardiff left, and
    # Bristol, which took its request, looked gone). Said as the group that asked, in `show` too.
    asked = {"left": "[the group that asked has left the network]",
             "revoked": "[the group that asked was revoked]"}[how]
    line = view_line("support", taken, {})
    assert asked in line and words not in line, line
    assert line.index("[the group that asked") < line.index("taken by"), line
    said = state_text("support.request", taken)
    assert asked in said and words not in said, said


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


@pytest.mark.parametrize("how", ["left", "revoked"])
def test_a_gone_taker_no_longer_holds_a_request_nor_do_its_pledges_count(tmp_path: Path, how: str) -> None:
    """The reviewer's week: Cardiff (G1) took Calais's (G2) most urgent request, pledged to its
    fundraiser, and left. The request stayed "taken by Cardiff" on every node and the desk said "0
    waiting for a group": the most urgent case looked handled while nobody would act on it. A second
    group's claim (a second offer of help, G3) still holds the other request."""
    world = certified_world()
    base = list(world.events)
    g2, g1, g3 = world.authors["g2"], world.authors["g1"], world.authors["g3"]
    urgent = g2.sign("support.request", {"type": "safeguarding_minor", "people": "2", "urgency": "high", **REGION})
    legal = g2.sign("support.request", {"type": "legal", "people": "1", "urgency": "low", **REGION})
    fund = g2.sign("fundraiser", {"title": "Bail fund", "goal": 1000_00, "currency": "EUR", **REGION})
    posted = [urgent, legal, fund, g2.sign("group.profile", {"name": "Calais", **REGION}),
              g1.sign("support.claim", {"request": urgent.id}), g1.sign("support.claim", {"request": legal.id}),
              g3.sign("support.claim", {"request": legal.id}),
              g1.sign("fundraiser.update", {"fundraiser": fund.id, "pledge": 200_00}),
              g3.sign("fundraiser.update", {"fundraiser": fund.id, "pledge": 50_00})]
    gone = _revoke(world, how, "G1")
    shown = _shown_in_either_order(tmp_path, world, base, posted, gone)
    by_id = {r["id"]: r for r in shown["support"]}
    g1_key, g3_key = world.pub("G1"), world.pub("G3")
    waiting = by_id[urgent.id]
    assert (waiting["status"], waiting["claimed_by"], waiting["taken"], waiting["handed_back"]) == (
        "open", [], [], [])
    assert [(t["group"], t["group_gone"]) for t in waiting["taker_gone"]] == [(g1_key, how)]
    second = by_id[legal.id]  # a second claimer still holds it: the gone one is said apart
    assert (second["status"], second["claimed_by"]) == ("claimed", [g3_key])
    assert [(t["group"], t["group_gone"]) for t in second["taker_gone"]] == [(g1_key, how)]
    assert shown["desk"]["requests"] == {"high": 1, "medium": 0, "low": 1, "open": 2, "taken": 1, "waiting": 1}
    words = {"left": "but has left the network: find another group",
             "revoked": "but was revoked: find another group"}
    line = view_line("support", waiting, {})
    assert words[how] in line and "taken by" not in line.replace("had taken", "") and line.startswith("open")
    held = view_line("support", second, {})  # another taker still holds it: nobody is sent to look for one
    assert "another group that took it still holds it" in held and "find another group" not in held, held
    case_actions(waiting, g3_key)  # the dashboard offers another group to take it (not "take it too")
    assert waiting["may_take"] and not waiting["may_hand_back"]
    [fundraiser] = shown["fundraisers"]  # nobody remains to honour Cardiff's pledge
    assert (fundraiser["pledged"], fundraiser["pledges"], fundraiser["pledged_gone"]) == (50_00, 1, 200_00)
    assert [f["pledged"] for f in shown["desk"]["funds"]] == [50_00]
    assert "pledged 50.00 EUR (not counting 200.00 EUR pledged by groups no longer in the network)" in view_line(
        "fundraisers", fundraiser, {})


def _refusal(log: EventLog, kind: str, request: bytes, group: bytes) -> str | None:
    """What publishing says of a claim or close of `request` by `group` on this node (None: accepted)."""
    try:
        publishing.check_case_step(log, kind, request, group)
    except publishing.PublishError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("how", ["left", "revoked"])
def test_publishing_sees_a_gone_taker_as_the_views_do_in_either_order(tmp_path: Path, how: str) -> None:
    """Publishing's checks read a request's state as the views do: Cardiff (G1) took Calais's (G2)
    request and is gone, so the request waits for a group; Cardiff's device (still signing: design
    rule 8) is refused a close, it has nothing to hand back, while another group may take it."""
    world = certified_world()
    base = list(world.events)
    g2, g1 = world.authors["g2"], world.authors["g1"]
    request = g2.sign("support.request", {"type": "legal", "people": "1", "urgency": "high", **REGION})
    posted = [request, g2.sign("group.profile", {"name": "Calais", **REGION}),
              g1.sign("support.claim", {"request": request.id})]
    gone = _revoke(world, how, "G1")
    for i, order in enumerate([base + posted + [gone], base + [gone] + posted]):
        log = ingest_in(tmp_path / f"{i}.db", world, order, [len(base) + 1])
        state = references.request_state(log.store, log.trust, request.id)
        [shown] = view(log, "support", now=NOW, limit=100, peers=[])
        assert (state["status"], state["taken"]) == (shown["status"], shown["taken"]) == ("open", [])
        assert [t["group"] for t in state["taker_gone"]] == [world.pub("G1")]
        said = _refusal(log, "support.close", request.id, world.pub("G1"))
        assert said is not None and "no longer a member of the network" in said, said
        assert _refusal(log, "support.claim", request.id, world.pub("G3")) is None
        log.store.close()


@pytest.mark.parametrize("how", ["left", "revoked"])
def test_a_request_whose_group_is_gone_is_closed_by_the_group_that_took_it_in_either_order(tmp_path: Path,
                                                                                            how: str) -> None:
    """Calais (G2) asked, Cardiff (G1) took it, and Calais is gone: nobody could close the request,
    which stayed "claimed" on every desk for ever. Cardiff's close ends it for everyone (the CLI and
    the dashboard say Cardiff closed it), and publishing refuses more steps, naming Cardiff; a
    request of a gone group that nobody takes cannot be taken (nobody can say who needs help)."""
    world = certified_world()
    base = list(world.events)
    g2, g1 = world.authors["g2"], world.authors["g1"]
    taken = g2.sign("support.request", {"type": "legal", "people": "1", "urgency": "high", **REGION})
    alone = g2.sign("support.request", {"type": "housing", "people": "2", "urgency": "low", **REGION})
    posted = [taken, alone, g2.sign("group.profile", {"name": "Calais", **REGION}),
              g1.sign("group.profile", {"name": "Cardiff", "region": "cardiff"}),
              g1.sign("support.claim", {"request": taken.id}),
              g1.sign("support.close", {"request": taken.id, "outcome": "resolved"})]
    gone = _revoke(world, how)
    shown = _shown_in_either_order(tmp_path, world, base, posted, gone)
    [closed] = shown["support"]
    assert (closed["id"], closed["status"], closed["outcome"]) == (taken.id, "closed", "resolved")
    assert closed["closed_by_taker"]["group"] == world.pub("G1") and closed["handed_back"] == []
    assert shown["desk"]["requests"]["open"] == 0
    line = view_line("support", named(closed, {world.pub("G1"): "Cardiff"}), {})
    assert "(resolved) by Cardiff, which took it (the group that made it is gone)" in line, line
    still = {"status": "claimed", "group": world.pub("G2"), "claimed_by": [world.pub("G1")], "group_gone": how}
    case_actions(still, world.pub("G1"))  # before its close: the dashboard's button says Close, not Hand back
    assert still["may_close"] and not still["may_hand_back"]
    log = ingest_in(tmp_path / "again.db", world, base + posted + [gone], [])
    said = _refusal(log, "support.claim", taken.id, world.pub("G3"))
    assert said is not None and "was closed by Cardiff on" in said, said
    said = _refusal(log, "support.claim", alone.id, world.pub("G3"))
    assert said is not None and "no longer open" in said and "no group takes it" in said, said
    log.store.close()


@pytest.mark.parametrize("how", ["left", "revoked"])
def test_the_taker_of_a_gone_groups_private_request_is_offered_to_hand_it_back_not_to_close_it(tmp_path: Path,
                                                                                              how: str) -> None:
    """Calais (G2) asked with a private part, Cardiff (G1) alone took it, and Calais is gone. A
    taker's close ends no such request (events.readmodels.support_requests: most nodes cannot tell
    a group that read it from a mole): the dashboard offered Cardiff "Close this request", and the
    close then handed it back (the case left every view). Its button says what the close does."""
    world = certified_world()
    base = list(world.events)
    g2, g1 = world.authors["g2"], world.authors["g1"]
    request = g2.sign("support.request", {"type": "housing", "people": "2", "urgency": "high", **REGION,
                                          "sealed": b"\x02" * 200})
    posted = [request, g1.sign("support.claim", {"request": request.id})]
    log = ingest_in(tmp_path / "taken.db", world, base + posted + [_revoke(world, how)], [])
    [shown] = view(log, "support", now=NOW, limit=100, peers=[])
    log.store.close()
    assert (shown["private"], shown["group_gone"], shown["claimed_by"]) == (True, how, [world.pub("G1")])
    case_actions(shown, world.pub("G1"))
    assert shown["may_hand_back"] and not shown["may_close"]
