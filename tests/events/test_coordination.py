"""The coordinator's read models (events.readmodels) over the kinds that change earlier events: needs
and offers adjusted, withdrawn, fulfilled from offers; support offers beside requests; alerts updated
and cleared by any device of their group; report-backs; resources; the per-region summary. Each
rule of events.effects is checked from both sides: what counts, and what is left out."""
from __future__ import annotations

import itertools


from test_projections import DAY, HOUR_MS, NOW, Author, action, apply_all

from events.effects import Target, explain, problem
from events.projections import (ACTION, ALERT, ALERT_UPDATE, FULFIL, NEED, NEED_UPDATE, OFFER, OFFER_UPDATE, REPORT,
                                RESOURCE, SUPPORT, SUPPORT_OFFER, SUPPORT_OFFER_UPDATE, SUPPORT_STATUS, offer_key)
from events.readmodels import (GROUP_LEFT, GROUP_REVOKED, active_alerts, alert_history, needs_and_offers, past_actions,
                               request_readers,
                               region_summary, resources, staying, support_offers, support_requests, upcoming_actions,
                               where_requests_can_go)


def _needs(tables, now=NOW):
    rows = tables.table(NEED) + tables.table(OFFER)
    fulfils = tables.table(FULFIL)
    drawn = [f for f in fulfils if f.region is not None]
    updates = tables.table(NEED_UPDATE) + tables.table(OFFER_UPDATE)
    return {x["id"]: x for x in needs_and_offers(rows, fulfils, now, updates, drawn)}


def test_a_need_is_adjusted_and_withdrawn_only_by_its_own_group():
    calais, calais_laptop, bristol = Author(), None, Author()
    calais_laptop = Author(group=calais.group)  # another device of the same group
    need = calais.event("need", {"category": "tents", "quantity": 60, "unit": "items", "urgency": "medium",
                                 "region": "calais"})
    other = calais.event("need", {"category": "firewood", "quantity": 3, "unit": "m3", "region": "calais"})
    pairs = [(calais, need), (calais, other),
             (calais_laptop, calais_laptop.event("need.update", {"need": need.id, "quantity": 80, "urgency": "high"})),
             (bristol, bristol.event("need.update", {"need": need.id, "quantity": 1})),  # not Bristol's need
             (bristol, bristol.event("need.update", {"need": other.id, "status": "withdrawn"})),
             (calais, calais.event("need.update", {"need": other.id, "status": "withdrawn"}, ts=NOW - 10))]
    for order in itertools.permutations(pairs[2:]):
        got = _needs(apply_all(pairs[:2] + list(order)))
        assert set(got) == {need.id}  # withdrawn by Calais: gone; Bristol's withdrawal alone would not have
        assert (got[need.id]["quantity"], got[need.id]["urgency"], got[need.id]["unit"]) == (80, "high", "items")
        assert got[need.id]["updated_at"] is not None


def test_fulfilling_from_an_offer_draws_it_down_and_suggestions_follow():
    calais, brighton, manchester = Author(), Author(), Author()
    need = calais.event("need", {"category": "tents", "quantity": 60, "region": "calais"})
    offer = brighton.event("offer", {"category": "tents", "quantity": 25, "region": "brighton"})
    far = manchester.event("offer", {"category": "tents", "quantity": 40, "region": "manchester"})
    bags = manchester.event("offer", {"category": "sleeping_bags", "quantity": 40, "region": "manchester"})
    kg = manchester.event("offer", {"category": "tents", "quantity": 40, "unit": "kg", "region": "manchester"})
    fulfil = brighton.event("need.fulfil", {"need": need.id, "quantity": 20, "offer": offer.id})
    # Manchester fulfils Calais's need "from Brighton's offer": counts for the need, not against the offer.
    stranger = manchester.event("need.fulfil", {"need": need.id, "quantity": 3, "offer": offer.id})
    tables = apply_all([(calais, need), (brighton, offer), (manchester, far), (manchester, bags), (manchester, kg),
                        (brighton, fulfil), (manchester, stranger)])
    (row,) = [r for r in tables.table(FULFIL) if r.key == fulfil.id]
    assert row.ref == need.id and row.region == offer_key(offer.id)  # found from the need and from the offer
    got = _needs(tables)
    assert (got[need.id]["fulfilled"], got[need.id]["remaining"]) == (23, 37)
    assert (got[offer.id]["drawn"], got[offer.id]["remaining"]) == (20, 5)
    assert [m["id"] for m in got[need.id]["matches"]] == [far.id, offer.id]  # same goods and unit; most left first
    assert got[far.id]["remaining"] == 40


def test_a_fulfilment_naming_an_offer_of_other_goods_does_not_draw_it():
    calais, brighton = Author(), Author()
    need = calais.event("need", {"category": "tents", "quantity": 10, "region": "calais"})
    offer = brighton.event("offer", {"category": "blankets", "quantity": 10, "region": "brighton"})
    got = _needs(apply_all([(calais, need), (brighton, offer),
                            (brighton, brighton.event("need.fulfil", {"need": need.id, "quantity": 4, "offer": offer.id}))]))
    assert got[need.id]["fulfilled"] == 4 and got[offer.id]["drawn"] == 0


def test_an_offer_needs_its_fulfilments_even_when_the_need_is_elsewhere():
    """The offer's view holds only offers: the need a fulfilment names is handed in as a target."""
    calais, brighton = Author(), Author()
    need = calais.event("need", {"category": "tents", "quantity": 10, "region": "calais"})
    offer = brighton.event("offer", {"category": "tents", "quantity": 10, "region": "brighton"})
    fulfil = brighton.event("need.fulfil", {"need": need.id, "quantity": 6, "offer": offer.id})
    tables = apply_all([(calais, need), (brighton, offer), (brighton, fulfil)])
    drawn = tables.table(FULFIL)
    alone = needs_and_offers(tables.table(OFFER), [], NOW, (), drawn)
    assert alone[0]["drawn"] == 0  # the need unknown: cannot be judged, not counted
    (n,) = tables.table(NEED)
    told = needs_and_offers(tables.table(OFFER), [], NOW, (), drawn, {need.id: Target("need", calais.group, n.data, NOW)})
    assert told[0]["drawn"] == 6 and told[0]["remaining"] == 4


def test_support_requests_say_who_took_them_since_when_and_where_they_could_go():
    calais, bristol, cardiff = Author(), Author(), Author()
    request = calais.event("support.request", {"region": "bristol", "type": "housing", "people": "2", "urgency": "high"},
                           ts=NOW - 3 * DAY)
    claim = bristol.event("support.claim", {"request": request.id}, ts=NOW - DAY)
    places = bristol.event("support.offer", {"region": "bristol", "type": "housing", "capacity": 3})
    later = cardiff.event("support.offer", {"region": "cardiff", "type": "housing", "capacity": 5,
                                            "starts_at": NOW + 2 * DAY})
    legal = cardiff.event("support.offer", {"region": "bristol", "type": "legal", "capacity": 9})
    gone = cardiff.event("support.offer", {"region": "cardiff", "type": "housing", "capacity": 9, "until": NOW - 1})
    tables = apply_all([(calais, request), (bristol, claim), (bristol, places), (cardiff, later), (cardiff, legal),
                        (cardiff, gone),
                        (bristol, bristol.event("support.offer.update", {"offer": places.id, "capacity": 2})),
                        (cardiff, cardiff.event("support.offer.update", {"offer": places.id, "status": "withdrawn"}))])
    (r,) = support_requests(tables.table(SUPPORT), tables.table(SUPPORT_STATUS), NOW)
    assert r["status"] == "claimed" and r["taken"] == [{"group": bristol.group, "since": NOW - DAY, "claim": claim.id}]
    assert r["age_hours"] == 72 and r["private"] is False
    offers = support_offers(tables.table(SUPPORT_OFFER), tables.table(SUPPORT_OFFER_UPDATE), NOW)
    assert {o["id"]: (o["capacity"], o["available_now"]) for o in offers} == {
        places.id: (2, True), later.id: (5, False), legal.id: (9, True)}  # Cardiff cannot withdraw Bristol's
    where_requests_can_go([r], offers)
    assert [o["id"] for o in r["can_go"]] == [places.id, later.id]  # its region first, then elsewhere


def test_one_group_fills_one_line_and_the_groups_that_read_the_case_come_first_before_the_cut():
    """Mole's three offers of 10,000 places pushed out Bristol's 2, the only group the minor's case was
    sealed to; the readers were put first only after the top three were cut. Now each group has one
    line (its best offer), the readers first, and the region summary says who offers the places."""
    calais, bristol, mole, leeds = Author(), Author(), Author(), Author()
    real = bristol.event("support.offer", {"region": "calais", "type": "safeguarding_minor", "capacity": 2})
    fakes = [mole.event("support.offer", {"region": "calais", "type": "safeguarding_minor", "capacity": 10_000})
             for _ in range(3)]
    other = leeds.event("support.offer", {"region": "leeds", "type": "safeguarding_minor", "capacity": 5})
    request = calais.event("support.request", {"region": "calais", "type": "safeguarding_minor", "people": "1",
                                               "urgency": "high"})
    pairs = [(bristol, real), *((mole, f) for f in fakes), (leeds, other), (calais, request)]
    for order in itertools.permutations(pairs[1:5]):
        tables = apply_all([pairs[0], *order, pairs[5]])
        offers = support_offers(tables.table(SUPPORT_OFFER), [], NOW)
        (r,) = support_requests(tables.table(SUPPORT), [], NOW)
        where_requests_can_go([r], offers, {request.id: {calais.group, bristol.group}})
        assert [o["group"] for o in r["can_go"]] == [bristol.group, mole.group, leeds.group]
        assert r["can_go"][1]["capacity"] == 10_000
        (public,) = support_requests(tables.table(SUPPORT), [], NOW)  # a node that cannot tell the readers
        where_requests_can_go([public], offers)
        assert [o["group"] for o in public["can_go"]] == [mole.group, bristol.group, leeds.group]  # one line each
        (places,) = region_summary("calais", needs=[], support=[], capacity=offers, actions=[], funds=[], alerts=[],
                                   last_heard=None)["capacity"]
        assert places["capacity"] == 30_007 and places["by_group"] == [
            {"group": mole.group, "capacity": 30_000}, {"group": leeds.group, "capacity": 5},
            {"group": bristol.group, "capacity": 2}]


def test_each_request_gets_the_places_of_its_type_its_region_first_then_open_now_then_the_largest():
    # Many requests over three types and four regions, many offers: each request's places are the
    # first three of all offers of its type ordered (other region, not available now, -capacity,
    # id), and each request has its own list (changing one changes no other).
    regions, kinds = ("calais", "bristol", "cardiff", "leeds"), ("housing", "legal", "transport")
    offers = [{"id": bytes([i]) * 32, "type": kinds[i % 3], "region": regions[(i * 7) % 4], "group": bytes([i + 100]) * 32,
               "capacity": 1 + (i * 5) % 4, "available_now": i % 5 != 0, "starts_at": None, "until": NOW + i}
              for i in range(40)]
    requests = [{"type": kinds[i % 3] if i % 7 else "food", "region": regions[i % 4] if i % 11 else "nowhere",
                 "status": ("open", "claimed", "closed")[i % 3]} for i in range(60)]
    where_requests_can_go(requests, offers)
    for r in requests:
        fits = sorted((o for o in offers if o["type"] == r["type"]), key=lambda o: (
            o["region"] != r["region"], not o["available_now"], -o["capacity"], o["id"]))
        wanted = [] if r["status"] == "closed" else [
            {k: o.get(k) for k in ("id", "region", "group", "capacity", "starts_at", "until")} for o in fits[:3]]
        assert r["can_go"] == wanted
    housing_in_calais = [r for r in requests if (r["type"], r["region"], r["status"]) == ("housing", "calais", "open")]
    assert len(housing_in_calais) >= 2 and housing_in_calais[0]["can_go"]
    housing_in_calais[0]["can_go"][0]["group_name"] = "Calais"
    assert "group_name" not in housing_in_calais[1]["can_go"][0]


def _request_status(pairs, gone=staying, readers=lambda row: None):
    tables = apply_all(pairs)
    (r,) = support_requests(tables.table(SUPPORT), tables.table(SUPPORT_STATUS), NOW, gone, readers) or (None,)
    return r


def test_only_the_requesting_group_closes_a_request_in_any_order():
    """The reviewer's week: Calais asks, Bristol takes it; London (which may not even read it)
    claims and closes it. Only Calais's close ends a request: London's close hands back London's
    own claim, Leeds's (never took it) counts for nothing, and Bristol still takes it, whatever
    order the events come in."""
    calais, bristol, london, leeds = Author(), Author(), Author(), Author()
    request = calais.event("support.request", {"region": "calais", "type": "safeguarding_minor", "people": "1",
                                               "urgency": "high"}, ts=NOW - 10 * HOUR_MS)
    steps = [(bristol, bristol.event("support.claim", {"request": request.id}, ts=NOW - 5 * HOUR_MS)),
             (london, london.event("support.claim", {"request": request.id}, ts=NOW - 4 * HOUR_MS)),
             (london, london.event("support.close", {"request": request.id, "outcome": "resolved"}, ts=NOW - 3 * HOUR_MS)),
             (leeds, leeds.event("support.close", {"request": request.id, "outcome": "withdrawn"}, ts=NOW - 2 * HOUR_MS))]
    for order in itertools.permutations(steps):
        r = _request_status([(calais, request), *order])
        assert (r["status"], r["outcome"], r["closed_at"]) == ("claimed", None, None)
        assert r["claimed_by"] == [bristol.group] and r["taken"] == [{"group": bristol.group, "since": NOW - 5 * HOUR_MS,
                                                                      "claim": steps[0][1].id}]
        assert r["handed_back"] == [{"group": london.group, "closed_at": NOW - 3 * HOUR_MS, "outcome": "resolved",
                                     "close": steps[2][1].id}]
    close = (calais, calais.event("support.close", {"request": request.id, "outcome": "referred"}, ts=NOW - HOUR_MS))
    for order in itertools.permutations([*steps, close]):
        r = _request_status([(calais, request), *order])
        assert (r["status"], r["outcome"], r["closed_at"], r["close"]) == ("closed", "referred", NOW - HOUR_MS, close[1].id)


def test_a_group_that_handed_a_request_back_takes_it_again_with_a_later_claim():
    calais, bristol = Author(), Author()
    request = calais.event("support.request", {"region": "bristol", "type": "legal", "people": "1", "urgency": "low"},
                           ts=NOW - 10 * HOUR_MS)
    steps = [(bristol, bristol.event("support.claim", {"request": request.id}, ts=NOW - 5 * HOUR_MS)),
             (bristol, bristol.event("support.close", {"request": request.id, "outcome": "unresolved"},
                                     ts=NOW - 4 * HOUR_MS)),
             (bristol, bristol.event("support.claim", {"request": request.id}, ts=NOW - 3 * HOUR_MS))]
    for order in itertools.permutations(steps):
        r = _request_status([(calais, request), *order])
        assert r["status"] == "claimed" and r["taken"] == [{"group": bristol.group, "since": NOW - 3 * HOUR_MS,
                                                            "claim": steps[2][1].id}]
        assert r["handed_back"] == []
    for order in itertools.permutations(steps[:2]):  # without the second claim: open, waiting for a group
        r = _request_status([(calais, request), *order])
        assert (r["status"], r["claimed_by"]) == ("open", [])


def test_a_group_that_took_a_request_and_is_gone_no_longer_takes_it_in_any_order():
    """Bristol took Calais's request and left the network: nobody will act on it, so it waits for a
    group again (and says who had taken it); a second group's claim still holds it. One Bristol had
    handed back before it left is only handed back. A request of a group that is gone stays while
    a group that is still a member takes it, and leaves the listing when none does."""
    calais, bristol, cardiff = Author(), Author(), Author()
    request = calais.event("support.request", {"region": "calais", "type": "housing", "people": "2", "urgency": "high"},
                           ts=NOW - 10 * HOUR_MS)
    took = (bristol, bristol.event("support.claim", {"request": request.id}, ts=NOW - 5 * HOUR_MS))
    second = (cardiff, cardiff.event("support.claim", {"request": request.id}, ts=NOW - 4 * HOUR_MS))
    back = (bristol, bristol.event("support.close", {"request": request.id, "outcome": "unresolved"},
                                   ts=NOW - 3 * HOUR_MS))
    left = {bristol.group: GROUP_LEFT}.get
    for order in itertools.permutations([(calais, request), took]):
        r = _request_status(order, left)
        assert (r["status"], r["claimed_by"], r["taken"], r["handed_back"]) == ("open", [], [], [])
        assert r["taker_gone"] == [{"group": bristol.group, "since": NOW - 5 * HOUR_MS, "group_gone": GROUP_LEFT}]
        assert _request_status(order)["taker_gone"] == []  # while Bristol is a member, it takes it
    for order in itertools.permutations([(calais, request), took, second]):
        r = _request_status(order, left)
        assert (r["status"], r["claimed_by"]) == ("claimed", [cardiff.group])
        assert [t["group"] for t in r["taker_gone"]] == [bristol.group]
    for order in itertools.permutations([(calais, request), took, back]):
        r = _request_status(order, left)
        assert (r["status"], r["taker_gone"], [b["group"] for b in r["handed_back"]]) == ("open", [], [bristol.group])
    both = {bristol.group: GROUP_REVOKED, calais.group: GROUP_LEFT}.get
    for order in itertools.permutations([(calais, request), took]):
        assert _request_status(order, both) is None  # nobody remains to act on it nor to answer its questions
    for order in itertools.permutations([(calais, request), took, second]):
        r = _request_status(order, both)
        assert (r["status"], r["claimed_by"], r["group_gone"]) == ("claimed", [cardiff.group], GROUP_LEFT)


def test_a_closed_request_whose_taker_left_is_not_said_to_wait_for_a_group():
    """London took Calais's request, Calais closed it (resolved), then London left the network: the
    closed request was still said to be "waiting for another group" ("find another group") on every
    node, the dashboard's and `view support`'s words, of a case that had ended."""
    calais, london = Author(), Author()
    request = calais.event("support.request", {"region": "calais", "type": "legal", "people": "3-5", "urgency": "high"},
                           ts=NOW - 10 * HOUR_MS)
    took = (london, london.event("support.claim", {"request": request.id}, ts=NOW - 5 * HOUR_MS))
    closed = (calais, calais.event("support.close", {"request": request.id, "outcome": "resolved"},
                                   ts=NOW - 3 * HOUR_MS))
    for order in itertools.permutations([(calais, request), took, closed]):
        r = _request_status(order, {london.group: GROUP_LEFT}.get)
        assert (r["status"], r["outcome"], r["taken"], r["taker_gone"]) == ("closed", "resolved", [], [])
    for order in itertools.permutations([(calais, request), took]):  # still open: said, as before
        assert [t["group"] for t in _request_status(order, {london.group: GROUP_LEFT}.get)["taker_gone"]] \
            == [london.group]


def test_a_hand_back_dated_before_its_claim_counts_for_nothing():
    calais, bristol = Author(), Author()
    request = calais.event("support.request", {"region": "bristol", "type": "legal", "people": "1", "urgency": "low"},
                           ts=NOW - 10 * HOUR_MS)
    steps = [(bristol, bristol.event("support.close", {"request": request.id, "outcome": "resolved"},
                                     ts=NOW - 6 * HOUR_MS)),
             (bristol, bristol.event("support.claim", {"request": request.id}, ts=NOW - 5 * HOUR_MS))]
    for order in itertools.permutations(steps):
        r = _request_status([(calais, request), *order])
        assert (r["status"], r["claimed_by"], r["handed_back"]) == ("claimed", [bristol.group], [])


def test_any_device_of_the_posting_group_updates_and_clears_an_alert():
    calais, calais_phone, brighton = Author(), None, Author()
    calais_phone = Author(group=calais.group)
    alert = calais.event("alert", {"region": "calais", "location": "Rue des Huttes squat", "type": "raid",
                                   "text": "Police at the gate"}, ts=NOW - 2 * HOUR_MS, expires=NOW + 4 * HOUR_MS)
    update = calais_phone.event("alert.update", {"alert": alert.id, "status": "update", "text": "Two vans left",
                                                 "region": "calais", "type": "raid"}, ts=NOW - HOUR_MS)
    forged = brighton.event("alert.update", {"alert": alert.id, "status": "all_clear", "region": "calais",
                                             "type": "raid"}, ts=NOW - 30 * 60_000)
    tables = apply_all([(calais, alert), (calais_phone, update), (brighton, forged)])
    (live,) = active_alerts(tables.table(ALERT), NOW, tables.table(ALERT_UPDATE))
    assert live["location"] == "Rue des Huttes squat"  # its case kept
    assert (live["latest"], live["updated_at"], live["posted_at"]) == ("Two vans left", NOW - HOUR_MS, NOW - 2 * HOUR_MS)
    assert [u["id"] for u in live["updates"]] == [update.id]  # Brighton's all clear does not count
    clear = calais.event("alert.update", {"alert": alert.id, "status": "all_clear", "region": "calais",
                                          "type": "raid"}, ts=NOW - 10 * 60_000)
    late = calais_phone.event("alert.update", {"alert": alert.id, "status": "update", "text": "back again",
                                               "region": "calais", "type": "raid"}, ts=NOW - 60_000)
    tables = apply_all([(calais, clear), (calais_phone, late)], tables)
    assert active_alerts(tables.table(ALERT), NOW, tables.table(ALERT_UPDATE)) == []
    (story,) = alert_history(tables.table(ALERT), tables.table(ALERT_UPDATE), NOW)
    assert (story["status"], story["cleared_at"], story["latest"]) == ("all_clear", NOW - 10 * 60_000, "Two vans left")
    # Once the alert has expired (its row dropped, its header kept), its own group's all clear still
    # tells the story for a week; Brighton's earlier one does not.
    header = {alert.id: Target("alert", calais.group, {}, NOW - 2 * HOUR_MS)}
    (after,) = alert_history([], tables.table(ALERT_UPDATE), NOW + DAY, named=header)
    assert (after["status"], after["region"], after["group"], after["cleared_at"]) == (
        "all_clear", "calais", calais.group, NOW - 10 * 60_000)
    assert alert_history([], tables.table(ALERT_UPDATE), NOW + 8 * DAY, named=header) == []


def test_an_alert_gone_from_this_node_keeps_only_its_own_groups_updates_in_any_order():
    """An infiltrating group's all clear on Calais's raid alert (its region and type as it likes)
    counted, once the alert's row was not held, as the alert's story: with the alert's header (its
    body expired or redacted) only Calais's updates count; with no trace of the alert, no story."""
    calais, dover = Author(), Author()
    alert = calais.event("alert", {"region": "calais", "type": "raid", "text": "Raid"}, ts=NOW - 2 * HOUR_MS,
                         expires=NOW + 4 * HOUR_MS)
    fake = dover.event("alert.update", {"alert": alert.id, "status": "all_clear", "text": "False alarm, safe to return",
                                        "region": "dover", "type": "other"}, ts=NOW - HOUR_MS)
    genuine = calais.event("alert.update", {"alert": alert.id, "status": "update", "text": "Still ongoing",
                                            "region": "calais", "type": "raid"}, ts=NOW - 30 * 60_000)
    held = {alert.id: Target("alert", calais.group, {"region": "calais", "type": "raid", "text": "Raid"},
                             NOW - 2 * HOUR_MS)}
    header = {alert.id: Target("alert", calais.group, {}, NOW - 2 * HOUR_MS)}
    for order in itertools.permutations([(dover, fake), (calais, genuine)]):
        updates = apply_all(order).table(ALERT_UPDATE)
        for named in (held, header):
            (story,) = alert_history([], updates, NOW, named=named)
            assert (story["group"], story["region"], story["type"], story["status"], story["latest"]) == (
                calais.group, "calais", "raid", "live", "Still ongoing")
            assert [u["id"] for u in story["updates"]] == [genuine.id]
        assert alert_history([], updates, NOW) == []


def test_what_happened_lists_past_actions_with_their_own_groups_reports():
    bristol, cardiff = Author(), Author()
    vigil = bristol.event("action", action("bristol", NOW - 2 * DAY, NOW - 2 * DAY + HOUR_MS, title="Vigil"))
    visit = bristol.event("action", {**action("bristol", NOW - DAY, title="Visit"), "type": "detention_visit"})
    coming = bristol.event("action", action("bristol", NOW + DAY, title="Coming"))
    early = bristol.event("action.report", {"action": coming.id, "outcome": "not yet"}, ts=NOW)
    report = bristol.event("action.report", {"action": vigil.id, "people": 80, "outcome": "Calm and moving",
                                             "photos": ["https://example.org/v.jpg"]})
    foreign = cardiff.event("action.report", {"action": vigil.id, "people": 5000, "outcome": "we say so"})
    tables = apply_all([(bristol, vigil), (bristol, visit), (bristol, coming), (bristol, early), (bristol, report),
                        (cardiff, foreign)])
    got = past_actions(tables.table(ACTION), tables.table(REPORT), NOW)
    assert [a["title"] for a in got] == ["Visit", "Vigil"]  # newest first; the coming one is not past
    assert got[1]["people"] == 80 and [r["id"] for r in got[1]["reports"]] == [report.id]
    assert got[0]["reports"] == [] and got[0]["type"] == "detention_visit"
    assert [a["title"] for a in upcoming_actions(tables.table(ACTION), NOW)] == ["Coming"]


def test_resources_by_language_then_region_then_title():
    a = Author()
    tables = apply_all([(a, a.event("resource", fields)) for fields in (
        {"title": "Vos droits", "languages": ["fr"], "summary": "s", "region": "calais", "link": "https://e.org/1"},
        {"title": "حقوقك", "languages": ["ar", "fr"], "summary": "s", "text": "النص"},
        {"title": "Your rights", "languages": ["en"], "summary": "s", "region": "bristol", "link": "https://e.org/2"},
        {"title": "Aide", "languages": ["fr"], "summary": "s", "link": "https://e.org/3"},
    )])
    assert [r["title"] for r in resources(tables.table(RESOURCE))] == ["حقوقك", "Your rights", "Aide", "Vos droits"]


def test_the_region_summary_adds_up_needs_offers_capacity_requests_and_money():
    calais, brighton = Author(), Author()
    evs = [
        (calais, calais.event("need", {"category": "tents", "quantity": 60, "region": "calais", "urgency": "high"})),
        (calais, calais.event("need", {"category": "tents", "quantity": 20, "region": "calais", "urgency": "low"})),
        (calais, calais.event("need", {"category": "firewood", "quantity": 4, "unit": "m3", "region": "calais"})),
        (calais, calais.event("offer", {"category": "clothes", "quantity": 100, "region": "calais"})),
        (calais, calais.event("support.offer", {"region": "calais", "type": "activist_trauma_support", "capacity": 4})),
        (calais, calais.event("support.request", {"region": "calais", "type": "legal_information", "people": "1",
                                                  "urgency": "high"})),
        (calais, calais.event("action", action("calais", NOW + DAY, title="Soon"))),
        (calais, calais.event("action", action("calais", NOW + 2 * DAY, title="Later"))),
        (calais, calais.event("fundraiser", {"title": "Tents", "goal": 100_000, "currency": "EUR", "region": "calais"})),
    ]
    tables = apply_all(evs)
    fund = tables.table("fundraiser")[0]
    tables = apply_all([(calais, calais.event("fundraiser.update", {"fundraiser": fund.key, "raised": 45_050})),
                        (brighton, brighton.event("fundraiser.update", {"fundraiser": fund.key, "pledge": 10_000})),
                        (brighton, brighton.event("need.fulfil", {"need": tables.table(NEED)[0].key, "quantity": 70}))],
                       tables)
    from events.readmodels import fundraisers
    needs = list(_needs(tables).values())
    support = support_requests(tables.table(SUPPORT), [], NOW)
    capacity = support_offers(tables.table(SUPPORT_OFFER), [], NOW)
    funds = fundraisers(tables.table("fundraiser"), tables.table("fundraiser.update"))
    summary = region_summary("calais", needs=needs, support=support, capacity=capacity,
                             actions=upcoming_actions(tables.table(ACTION), NOW), funds=funds, alerts=[],
                             last_heard=NOW - 5, groups=[calais.group])
    first = tables.table(NEED)[0].data
    tents = next(n for n in summary["needs"] if n["category"] == "tents")
    covered = min(70, first["quantity"])
    assert tents["quantity"] == 80 and tents["fulfilled"] == covered and tents["missing"] == 80 - covered
    assert tents["urgency"] == "high" and tents["unit"] == "items" and tents["count"] == 2
    assert {(n["category"], n["unit"], n["missing"]) for n in summary["needs"]} >= {("firewood", "m3", 4)}
    assert summary["offers"] == [{"category": "clothes", "unit": "items", "available": 100, "count": 1, "shared": 0}]
    assert summary["capacity"] == [{"type": "activist_trauma_support", "capacity": 4, "offers": 1, "shared": 0, "from": None,
                                    "by_group": [{"group": calais.group, "capacity": 4}]}]
    assert summary["requests"] == {"high": 1, "medium": 0, "low": 0, "open": 1, "taken": 0, "waiting": 1}
    assert summary["next_action"]["title"] == "Soon" and summary["actions_this_week"] == 2
    assert summary["funds"] == [{"currency": "EUR", "raised": 45_050, "pledged": 10_000, "goal": 100_000, "count": 1,
                                 "shared": 0, "progress": 45, "declined": 0, "pledged_declined": 0,
                                 "pledges_gone": 0, "pledged_gone": 0}]
    assert summary["last_heard"] == NOW - 5


def test_the_region_summary_lists_the_most_urgent_needs_first():
    """Sorted by the amount missing alone, 283 litres of water came before 3 tents and 2 m3 of firewood
    marked high, and a desk showing three needs hid the urgent ones under "and 2 more"."""
    calais = Author()
    tables = apply_all([(calais, calais.event("need", fields)) for fields in (
        {"category": "water", "quantity": 283, "unit": "litres", "region": "calais"},
        {"category": "sim_cards", "quantity": 40, "region": "calais", "urgency": "low"},
        {"category": "tents", "quantity": 3, "region": "calais", "urgency": "high"},
        {"category": "firewood", "quantity": 2, "unit": "m3", "region": "calais", "urgency": "high"},
        {"category": "blankets", "quantity": 9, "region": "calais", "urgency": "medium"})])
    summary = region_summary("calais", needs=list(_needs(tables).values()), support=[], capacity=[], actions=[],
                             funds=[], alerts=[], last_heard=None)
    assert [n["category"] for n in summary["needs"]] == ["tents", "firewood", "blankets", "sim_cards", "water"]


def test_a_fully_covered_need_leaves_the_region_summary_for_one_still_missing():
    """Three covered urgent needs filled the overview's three "Still needed" slots as "0 items
    missing" (sorted by urgency first), hiding 20 pairs of shoes still missing; `view regions`
    left them out. The summary decides for both: only what is still missing."""
    calais, cardiff = Author(), Author()
    tables = apply_all([(calais, calais.event("need", fields)) for fields in (
        {"category": "tents", "quantity": 3, "region": "calais", "urgency": "high"},
        {"category": "firewood", "quantity": 10, "unit": "kg", "region": "calais", "urgency": "high"},
        {"category": "blankets", "quantity": 9, "region": "calais", "urgency": "high"},
        {"category": "shoes", "quantity": 20, "unit": "pairs", "region": "calais", "urgency": "low"})])
    tables = apply_all([(cardiff, cardiff.event("need.fulfil", {"need": n.key, "quantity": n.data["quantity"]}))
                        for n in tables.table(NEED) if n.data["category"] != "shoes"], tables)
    summary = region_summary("calais", needs=list(_needs(tables).values()), support=[], capacity=[], actions=[],
                             funds=[], alerts=[], last_heard=None)
    assert [(n["category"], n["missing"]) for n in summary["needs"]] == [("shoes", 20)]


def test_the_rules_say_who_may_and_stay_silent_when_nothing_is_known():
    calais, bristol = b"C" * 32, b"B" * 32
    held = {b"n" * 32: Target("need", calais, {"category": "tents"}, NOW),
            b"f" * 32: Target("fundraiser", calais, {}, NOW),
            b"r" * 32: Target("support.request", calais, {}, NOW),
            b"a" * 32: Target("action", calais, {"starts_at": NOW + DAY}, NOW)}
    names = {calais: "Calais", bristol: "Bristol"}.get
    found = problem("need.update", {"need": b"n" * 32, "quantity": 3}, bristol, NOW, held.get)
    assert "only Calais, the group that posted that need, may adjust or withdraw it" in explain(found, names)
    assert problem("need.update", {"need": b"n" * 32, "quantity": 3}, calais, NOW, held.get) is None
    assert problem("need.update", {"need": b"x" * 32, "quantity": 3}, bristol, NOW, held.get) is None  # not held yet
    found = problem("fundraiser.update", {"fundraiser": b"f" * 32, "raised": 5}, bristol, NOW, held.get)
    assert "pledge" in explain(found, names) and found.field == "raised"
    assert problem("fundraiser.update", {"fundraiser": b"f" * 32, "pledge": 5}, bristol, NOW, held.get) is None
    found = problem("support.close", {"request": b"r" * 32, "outcome": "resolved"}, bristol, NOW, held.get)
    assert "only Calais, which made that support request, may close it" in explain(found, names)
    assert "may hand it back with a close" in explain(found, names)
    assert problem("support.close", {"request": b"r" * 32, "outcome": "resolved"}, bristol, NOW, held.get,
                   lambda request: [(bristol, NOW - 1, b"d" * 32, 1)]) is None  # having taken it: hands it back
    assert problem("support.close", {"request": b"r" * 32, "outcome": "resolved"}, bristol, NOW, held.get,
                   lambda request: [(calais, NOW - 1, b"c" * 32, 1), (bristol, NOW + 1, b"d" * 32, 1)]) is not None  # later
    assert problem("support.close", {"request": b"r" * 32, "outcome": "resolved"}, bristol, NOW, held.get,
                   lambda request: [(bristol, NOW + 1, b"d" * 32, 1)], (b"d" * 32, 2)) is None  # its own, signed before
    assert problem("support.close", {"request": b"r" * 32, "outcome": "resolved"}, calais, NOW, held.get) is None
    found = problem("action.report", {"action": b"a" * 32, "outcome": "x"}, calais, NOW, held.get)
    assert found.code == "report_too_early"


def test_a_claim_by_a_group_the_private_part_was_not_sent_to_takes_nothing_where_that_is_known():
    """Calais sealed its request's details to Bristol. Where the part is read (Calais's node:
    `readers` says who it went to), Cardiff's hand-signed claim does not take it: it is in
    `claimed_unsent` and the request waits for a group, unless Bristol holds it. Bristol revoked
    since is a gone taker, as before, not an unsent one. Where the part is not read, Cardiff's
    claim takes it, as before. A request without a private part may be taken by any member."""
    calais, bristol, cardiff = Author(), Author(), Author()
    fields = {"region": "calais", "type": "housing", "people": "2", "urgency": "high"}
    request = calais.event("support.request", {**fields, "sealed": b"\x02" * 200}, ts=NOW - 10 * HOUR_MS)
    rogue = (cardiff, cardiff.event("support.claim", {"request": request.id}, ts=NOW - 4 * HOUR_MS))
    took = (bristol, bristol.event("support.claim", {"request": request.id}, ts=NOW - 5 * HOUR_MS))
    sent_to = lambda row: {calais.group, bristol.group} if row.key == request.id else None  # noqa: E731
    for order in itertools.permutations([(calais, request), rogue]):
        r = _request_status(order, readers=sent_to)
        assert (r["status"], r["claimed_by"], r["taken"], r["taker_gone"]) == ("open", [], [], [])
        assert r["claimed_unsent"] == [{"group": cardiff.group, "since": NOW - 4 * HOUR_MS}]
        assert _request_status(order)["claimed_by"] == [cardiff.group]  # a node that cannot tell
    for order in itertools.permutations([(calais, request), rogue, took]):
        r = _request_status(order, readers=sent_to)
        assert (r["status"], r["claimed_by"]) == ("claimed", [bristol.group])
        assert [c["group"] for c in r["claimed_unsent"]] == [cardiff.group]
        r = _request_status(order, {bristol.group: GROUP_REVOKED}.get, sent_to)
        assert (r["status"], r["claimed_by"]) == ("open", [])
        assert [t["group"] for t in r["taker_gone"]] == [bristol.group]
        assert [c["group"] for c in r["claimed_unsent"]] == [cardiff.group]
    public = calais.event("support.request", fields, ts=NOW - 10 * HOUR_MS)
    anyone = (cardiff, cardiff.event("support.claim", {"request": public.id}, ts=NOW - 4 * HOUR_MS))
    for order in itertools.permutations([(calais, public), anyone]):
        r = _request_status(order, readers=lambda row: {calais.group})
        assert (r["status"], r["claimed_by"], r["claimed_unsent"]) == ("claimed", [cardiff.group], [])


def test_the_fundraisers_group_declines_a_pledge_in_any_order():
    """The infiltrator review: any group could pledge 10^12 to a bail fund, which then looked fully
    funded, and its group could not remove it. Its own group declines it (fundraiser.decline): out of
    `pledged`, named apart with who pledged it; a decline by another group does nothing, whatever the
    order the events come in (a decline before its pledge too)."""
    from events.readmodels import fundraisers
    calais, brighton, mole = Author(), Author(), Author()
    fund = calais.event("fundraiser", {"title": "Bail", "goal": 500_000, "currency": "EUR", "region": "calais"})
    huge = mole.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 10**12})
    real = brighton.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 25_000})
    steps = [(mole, huge), (brighton, real),
             (calais, calais.event("fundraiser.decline", {"fundraiser": fund.id, "decline": huge.id})),
             (mole, mole.event("fundraiser.decline", {"fundraiser": fund.id, "decline": real.id}))]
    for order in itertools.permutations([(calais, fund), *steps]):
        tables = apply_all(order)
        (f,) = fundraisers(tables.table("fundraiser"), tables.table("fundraiser.update"))
        assert (f["pledged"], f["pledges"]) == (25_000, 1)
        assert f["declined"] == [{"id": huge.id, "group": mole.group, "pledge": 10**12}]


def test_a_request_whose_requesting_group_is_gone_is_ended_by_the_groups_that_took_it_in_any_order():
    """Calais asked, Bristol and Cardiff took it, and Calais left: nobody could close it any more,
    and it stayed "claimed" for ever. The groups that took it end it: once no group that is still a
    member takes it, the last close of one of them closes it for everyone, with its outcome, and
    says which group that was. While Cardiff still takes it, Bristol's close only hands it back; a
    close by a taker that is gone ends nothing. While Calais is a member, nothing changes."""
    calais, bristol, cardiff = Author(), Author(), Author()
    request = calais.event("support.request", {"region": "calais", "type": "housing", "people": "2", "urgency": "high"},
                           ts=NOW - 10 * HOUR_MS)
    took = [(bristol, bristol.event("support.claim", {"request": request.id}, ts=NOW - 6 * HOUR_MS)),
            (cardiff, cardiff.event("support.claim", {"request": request.id}, ts=NOW - 5 * HOUR_MS))]
    bristol_done = (bristol, bristol.event("support.close", {"request": request.id, "outcome": "referred"},
                                           ts=NOW - 3 * HOUR_MS))
    cardiff_done = (cardiff, cardiff.event("support.close", {"request": request.id, "outcome": "resolved"},
                                           ts=NOW - 4 * HOUR_MS))  # dated before Bristol's, by its own clock
    left = {calais.group: GROUP_LEFT}.get
    for order in itertools.permutations([(calais, request), *took, bristol_done]):
        r = _request_status(order, left)
        assert (r["status"], r["claimed_by"], r["closed_by_taker"]) == ("claimed", [cardiff.group], None)
        assert [b["group"] for b in r["handed_back"]] == [bristol.group]
    for order in itertools.permutations([(calais, request), *took, bristol_done, cardiff_done]):
        r = _request_status(order, left)
        assert (r["status"], r["outcome"], r["closed_at"]) == ("closed", "referred", NOW - 3 * HOUR_MS)
        assert r["closed_by_taker"] == {"group": bristol.group}  # the last close of the two
        assert [b["group"] for b in r["handed_back"]] == [cardiff.group]
        while_a_member = _request_status(order)
        assert (while_a_member["status"], while_a_member["closed_by_taker"]) == ("open", None)
    both_gone = {calais.group: GROUP_REVOKED, bristol.group: GROUP_LEFT}.get
    for order in itertools.permutations([(calais, request), *took, bristol_done, cardiff_done]):
        r = _request_status(order, both_gone)  # Bristol is gone: Cardiff's close ends it
        assert (r["status"], r["outcome"], r["closed_by_taker"]) == ("closed", "resolved", {"group": cardiff.group})
    for order in itertools.permutations([(calais, request), took[0], bristol_done]):
        assert _request_status(order, both_gone) is None  # its only taker gone too: nobody remains, as before


def test_a_group_the_private_part_was_not_sealed_to_does_not_end_a_request_whose_requesting_group_is_gone():
    """Calais sealed its request to Bristol, which took it, handed it back ("referred"), and Calais
    left. The mole (a member group that never read the case) hand-signed a claim and a close
    "resolved", the last close: on every node that cannot read who the request went to (all but its
    readers'), it ended the request for everyone with the mole's outcome, while the readers' nodes
    said "referred". No node can tell the mole from Bristol by what every node sees, so no taker's
    close ends a request with a private part: once no taker holds it, it is left out on every node,
    as one nobody took; while Bristol holds it, it is Bristol's everywhere."""
    calais, bristol, mole = Author(), Author(), Author()
    fields = {"region": "calais", "type": "housing", "people": "2", "urgency": "high"}
    request = calais.event("support.request", {**fields, "sealed": b"\x02" * 200}, ts=NOW - 10 * HOUR_MS)
    bristol_claim = (bristol, bristol.event("support.claim", {"request": request.id}, ts=NOW - 6 * HOUR_MS))
    bristol_back = (bristol, bristol.event("support.close", {"request": request.id, "outcome": "referred"},
                                           ts=NOW - 5 * HOUR_MS))
    mole_steps = [(mole, mole.event("support.claim", {"request": request.id}, ts=NOW - 4 * HOUR_MS)),
                  (mole, mole.event("support.close", {"request": request.id, "outcome": "resolved"},
                                    ts=NOW - 3 * HOUR_MS))]
    sent_to = lambda row: {calais.group, bristol.group} if row.key == request.id else None  # noqa: E731
    left = {calais.group: GROUP_LEFT}.get
    for order in itertools.permutations([(calais, request), *mole_steps]):
        assert _request_status(order, left, sent_to) is None  # nobody that read it took it: as before
        assert _request_status(order, left) is None
    for order in itertools.permutations([(calais, request), bristol_claim, bristol_back, *mole_steps]):
        assert _request_status(order, left, sent_to) is None  # the readers' node
        assert _request_status(order, left) is None  # a node that cannot tell who reads it: the same
    for order in itertools.permutations([(calais, request), bristol_claim, *mole_steps]):
        reader, other = _request_status(order, left, sent_to), _request_status(order, left)
        assert reader == other and (reader["status"], reader["claimed_by"]) == ("claimed", [bristol.group])
    public = calais.event("support.request", fields, ts=NOW - 10 * HOUR_MS)  # no private part: as before
    steps = [(bristol, bristol.event("support.claim", {"request": public.id}, ts=NOW - 6 * HOUR_MS)),
             (bristol, bristol.event("support.close", {"request": public.id, "outcome": "referred"},
                                     ts=NOW - 5 * HOUR_MS))]
    for order in itertools.permutations([(calais, public), *steps]):
        r = _request_status(order, left)
        assert (r["outcome"], r["closed_by_taker"]) == ("referred", {"group": bristol.group})


def test_declining_a_pledge_declines_every_pledge_of_that_group_to_that_fundraiser_in_any_order():
    """The mole's pledge declined, it pledged again at once (and again, dated before the decline by
    its own clock): Calais had to decline each one. A decline is of the group that pledged: all its
    pledges to that fundraiser are declined with it, whenever made and in every arrival order; its
    pledges to another fundraiser, and other groups' pledges, still count."""
    from events.readmodels import fundraisers
    calais, brighton, mole = Author(), Author(), Author()
    fund = calais.event("fundraiser", {"title": "Bail", "goal": 500_000, "currency": "EUR", "region": "calais"})
    other = calais.event("fundraiser", {"title": "Tents", "goal": 100_000, "currency": "EUR", "region": "calais"})
    first = mole.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 10**12}, ts=NOW - 3 * HOUR_MS)
    steps = [(mole, first),
             (calais, calais.event("fundraiser.decline", {"fundraiser": fund.id, "decline": first.id}, ts=NOW - 2 * HOUR_MS)),
             (mole, mole.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 10**11}, ts=NOW - HOUR_MS)),
             (mole, mole.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 10**10}, ts=NOW - 4 * HOUR_MS)),
             (mole, mole.event("fundraiser.update", {"fundraiser": other.id, "pledge": 7_000})),
             (brighton, brighton.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 25_000}))]
    for order in itertools.permutations([(calais, fund), *steps]):
        tables = apply_all([(calais, other), *order])
        got = {f["id"]: f for f in fundraisers(tables.table("fundraiser"), tables.table("fundraiser.update"))}
        f = got[fund.id]
        assert (f["pledged"], f["pledges"]) == (25_000, 1)
        assert [p["group"] for p in f["pledged_by"]] == [brighton.group]
        assert sorted(d["pledge"] for d in f["declined"]) == [10**10, 10**11, 10**12]
        assert {d["group"] for d in f["declined"]} == {mole.group}
        assert got[other.id]["pledged"] == 7_000


def test_a_decline_holds_when_the_reply_it_named_cannot_be_read_here_in_any_order():
    """The declined group redacted the one pledge (or fulfilment) the decline named, and every other
    pledge of its counted again; a decline naming a reply sealed to the owner alone barred the group
    on the owner's desk only. The group is read from the named reply's signed header (`replied_by`)
    where its row is gone or was never readable here."""
    from events.readmodels import fundraisers, needs_and_offers
    calais, mole = Author(), Author()
    fund = calais.event("fundraiser", {"title": "Bail", "goal": 500_000, "currency": "EUR", "region": "calais"})
    need = calais.event("need", {"category": "tents", "region": "calais", "quantity": 10, "urgency": "high"})
    named_pledge = mole.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 100})
    named_fulfil = mole.event("need.fulfil", {"need": need.id, "quantity": 1})
    steps = [(calais, calais.event("fundraiser.decline", {"fundraiser": fund.id, "decline": named_pledge.id})),
             (calais, calais.event("need.decline", {"need": need.id, "decline": named_fulfil.id})),
             (mole, mole.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 99_999_999})),
             (mole, mole.event("need.fulfil", {"need": need.id, "quantity": 9}))]
    headers = {named_pledge.id: mole.group, named_fulfil.id: mole.group}
    for order in itertools.permutations(steps):
        tables = apply_all([(calais, fund), (calais, need), *order])  # the two named replies: no row here
        [f] = fundraisers(tables.table("fundraiser"), tables.table("fundraiser.update"), replied_by=headers.get)
        assert (f["pledged"], [d["pledge"] for d in f["declined"]]) == (0, [99_999_999]), f
        [n] = needs_and_offers(tables.table("need"), tables.table("need.fulfil"), NOW, replied_by=headers.get)
        assert (n["fulfilled"], n["remaining"]) == (0, 10), n


def test_the_region_summary_says_the_pledges_declined_and_those_of_groups_that_are_gone():
    """The desk added up what was pledged and said nothing of what will not come: pledges the
    fundraisers' groups declined and those of groups gone since. Counted and added up by currency."""
    from events.readmodels import fundraisers
    calais, brighton, mole, gone_group = Author(), Author(), Author(), Author()
    fund = calais.event("fundraiser", {"title": "Bail", "goal": 100_000, "currency": "EUR", "region": "calais"})
    huge = mole.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 10**12})
    pairs = [(calais, fund), (mole, huge),
             (calais, calais.event("fundraiser.decline", {"fundraiser": fund.id, "decline": huge.id})),
             (brighton, brighton.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 5_000})),
             (gone_group, gone_group.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 3_000})),
             (gone_group, gone_group.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 2_000}))]
    for order in itertools.permutations(pairs[1:]):
        tables = apply_all([pairs[0], *order])
        funds = fundraisers(tables.table("fundraiser"), tables.table("fundraiser.update"),
                            gone={gone_group.group: GROUP_LEFT}.get)
        summary = region_summary("calais", needs=[], support=[], capacity=[], actions=[], funds=funds, alerts=[],
                                 last_heard=None)
        [eur] = summary["funds"]
        assert (eur["pledged"], eur["declined"], eur["pledged_declined"]) == (5_000, 1, 10**12)
        assert (eur["pledges_gone"], eur["pledged_gone"]) == (2, 5_000)


def _sealed(row, *groups):
    """A row as node.audience.opened_rows gives a sealed event's: with the groups it was shared with."""
    row.data["shared_with"] = [row.data["group"], *groups]
    return row


def test_a_sealed_pledge_or_fulfilment_counts_only_if_it_reaches_the_owner_in_any_order():
    """The infiltrator review: Mole pledged 99,999,999 to Bristol's bail fund and covered its need,
    both sealed to Calais alone: Calais's desk counted them, Bristol never saw them nor could decline
    them. Such a reply counts nowhere; one sealed to the owner counts (and says it is for chosen
    groups in the region's `shared`), and its decline, sealed too, takes it out."""
    from events.readmodels import fundraisers
    bristol, calais, mole = Author(), Author(), Author()
    fund = bristol.event("fundraiser", {"title": "Bail", "goal": 500_000, "currency": "GBP", "region": "bristol"})
    need = bristol.event("need", {"category": "tents", "quantity": 30, "region": "bristol"})
    hidden_pledge = mole.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 99_999_999})
    hidden_fulfil = mole.event("need.fulfil", {"need": need.id, "quantity": 30})
    pledge = calais.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 2_000})
    fulfil = calais.event("need.fulfil", {"need": need.id, "quantity": 5})
    shown = mole.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 7})
    decline = bristol.event("fundraiser.decline", {"fundraiser": fund.id, "decline": shown.id})
    sealed = {hidden_pledge.id: [calais.group], hidden_fulfil.id: [calais.group], pledge.id: [bristol.group],
              shown.id: [bristol.group, calais.group], decline.id: [mole.group, calais.group]}
    steps = [(mole, hidden_pledge), (mole, hidden_fulfil), (calais, pledge), (calais, fulfil), (mole, shown),
             (bristol, decline)]
    for order in itertools.permutations(steps):
        tables = apply_all([(bristol, fund), (bristol, need), *order])
        for table in ("fundraiser.update", FULFIL):
            for row in tables.table(table):
                if row.key in sealed:
                    _sealed(row, *sealed[row.key])
        (f,) = fundraisers(tables.table("fundraiser"), tables.table("fundraiser.update"))
        assert (f["pledged"], f["pledges"], f["pledged_shared"]) == (2_000, 1, 2_000)
        assert f["declined"] == [{"id": shown.id, "group": mole.group, "pledge": 7}]
        n = _needs(tables)[need.id]
        assert (n["fulfilled"], n["remaining"], n["fulfilled_by"]) == (5, 25, [{"group": calais.group, "quantity": 5,
                                                                                  "id": fulfil.id}])
        (money,) = region_summary("bristol", needs=[], support=[], capacity=[], actions=[], funds=[f], alerts=[],
                                  last_heard=None)["funds"]
        assert (money["pledged"], money["count"], money["shared"]) == (2_000, 1, 1)  # a sealed pledge is counted


def test_the_needs_group_declines_a_fulfilment_in_any_order_and_an_over_claim_says_by_whom():
    """The infiltrator review: any group could mark another's need as covered (10^6 by hand-signing)
    and the need then left the desk, its group unable to undo it. Its own group declines a
    fulfilment (need.decline): that group's fulfilments of the need no longer count (all of them: a
    second one is not a way round), they are named apart; a decline by another group, or of a
    fulfilment of another need, does nothing. Before the decline, what is covered beyond what was
    asked is said with who claims it."""
    calais, brighton, mole = Author(), Author(), Author()
    need = calais.event("need", {"category": "sleeping_bags", "quantity": 40, "region": "calais"})
    other = calais.event("need", {"category": "tents", "quantity": 5, "region": "calais"})
    fake = mole.event("need.fulfil", {"need": need.id, "quantity": 40})
    again = mole.event("need.fulfil", {"need": need.id, "quantity": 10**6})
    real = brighton.event("need.fulfil", {"need": need.id, "quantity": 10})
    tents = mole.event("need.fulfil", {"need": other.id, "quantity": 1})
    no = calais.event("need.decline", {"need": need.id, "decline": fake.id})
    steps = [(mole, again), (brighton, real), (mole, tents), (calais, no),
             (mole, mole.event("need.decline", {"need": need.id, "decline": real.id})),  # not Mole's need
             (calais, calais.event("need.decline", {"need": need.id, "decline": tents.id}))]  # of another need
    for order in itertools.permutations(steps):
        got = _needs(apply_all([(calais, need), (calais, other), (mole, fake), *order]))
        n = got[need.id]
        assert (n["fulfilled"], n["remaining"], n["over"]) == (10, 30, 0)
        assert n["fulfilled_by"] == [{"group": brighton.group, "quantity": 10, "id": real.id}]
        assert n["declined"] == sorted([{"id": fake.id, "group": mole.group, "quantity": 40},
                                        {"id": again.id, "group": mole.group, "quantity": 10**6}],
                                       key=lambda d: (fake.header.timestamp, fake.id) if d["id"] == fake.id
                                       else (again.header.timestamp, again.id))
        assert got[other.id]["fulfilled"] == 1  # the decline names a fulfilment of another need: nothing
    before = _needs(apply_all([(calais, need), (calais, other), (mole, fake), (mole, again), (brighton, real)]))[need.id]
    assert before["over"] == 10**6 + 50 - 40 and before["fulfilled_by"] == [
        {"group": mole.group, "quantity": 10**6 + 40, "id": min(fake, again, key=lambda e: (e.header.timestamp, e.id)).id},
        {"group": brighton.group, "quantity": 10, "id": real.id}]


def test_a_decline_naming_its_own_groups_event_bars_nobody_in_any_order():
    """Calais hand-signed a need.decline naming another of its declines (and a fundraiser.decline
    naming its own report of what was raised, another its own decline): where the named event was
    not read (sealed, or of a need not on the page), its signed header said Calais, and Calais's own
    fulfilments and pledges were struck out there alone. A decline names another group's reply:
    anything else bars nobody, wherever it is read, and publishing refuses it in words."""
    from events.readmodels import fundraisers
    calais, brighton, mole = Author(), Author(), Author()
    need = calais.event("need", {"category": "tents", "quantity": 40, "region": "calais"})
    other = calais.event("need", {"category": "blankets", "quantity": 5, "region": "calais"})
    elsewhere = mole.event("need.fulfil", {"need": other.id, "quantity": 1})
    first = calais.event("need.decline", {"need": other.id, "decline": elsewhere.id})
    fund = calais.event("fundraiser", {"title": "Bail", "goal": 500_000, "currency": "EUR", "region": "calais"})
    report = calais.event("fundraiser.update", {"fundraiser": fund.id, "raised": 1_000})
    huge = mole.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 10**9})
    struck = calais.event("fundraiser.decline", {"fundraiser": fund.id, "decline": huge.id})
    steps = [(calais, calais.event("need.fulfil", {"need": need.id, "quantity": 5})),
             (brighton, brighton.event("need.fulfil", {"need": need.id, "quantity": 3})),
             (calais, first), (mole, elsewhere),
             (calais, calais.event("need.decline", {"need": need.id, "decline": first.id})),
             (calais, calais.event("fundraiser.update", {"fundraiser": fund.id, "pledge": 700})),
             (calais, report), (mole, huge), (calais, struck),
             (calais, calais.event("fundraiser.decline", {"fundraiser": fund.id, "decline": report.id})),
             (calais, calais.event("fundraiser.decline", {"fundraiser": fund.id, "decline": struck.id}))]
    headers = {first.id: calais.group, report.id: calais.group, struck.id: calais.group,
               elsewhere.id: mole.group, huge.id: mole.group}
    for order in itertools.permutations(steps[:5]):
        tables = apply_all([(calais, need), (calais, other), *order])
        fulfils = tables.table(FULFIL)
        alone = [f for f in fulfils if f.ref == need.id]  # `need` alone on the page: `first` is not held
        for rows in (fulfils, alone):
            [n] = needs_and_offers([r for r in tables.table(NEED) if r.key == need.id],
                                   rows, NOW, replied_by=headers.get)
            assert (n["fulfilled"], n["declined"]) == (8, []), n
    for order in itertools.permutations(steps[5:]):
        tables = apply_all([(calais, fund), *order])
        updates = tables.table("fundraiser.update")
        unread = [u for u in updates if u.key != report.id]  # sealed, not read here
        for rows in (updates, unread):
            [f] = fundraisers(tables.table("fundraiser"), rows, replied_by=headers.get)
            # (Calais's own pledge is never struck out: it is its own promise, said apart from others')
            assert (f["pledged_own"], f["pledged"], [d["group"] for d in f["declined"]]) == (700, 0, [mole.group]), f
    own = {need.id: Target("need", calais.group, {}, NOW), first.id: Target("need.fulfil", calais.group,
                                                                            {"need": need.id, "quantity": 5}, NOW)}
    found = problem("need.decline", {"need": need.id, "decline": first.id}, calais.group, NOW, own.get)
    assert found.code == "decline_own"
    assert "your own group's" in explain(found, lambda g: "Calais") and "redact" in explain(found, lambda g: "Calais")


def test_only_the_offers_own_group_draws_on_it():
    """A mole posts a need of its own group and says it received every tent of Brighton's offer from
    it: the need counts them (its group's word about its own need), but the offer is not emptied,
    since only Brighton, which gives from it, draws on it, and Brighton could not decline a draw. In
    any order."""
    brighton, mole = Author(), Author()
    offer = brighton.event("offer", {"category": "tents", "quantity": 40, "region": "brighton"})
    need = mole.event("need", {"category": "tents", "quantity": 40, "region": "leeds"})
    drain = mole.event("need.fulfil", {"need": need.id, "quantity": 40, "offer": offer.id})
    for order in itertools.permutations([(brighton, offer), (mole, need), (mole, drain)]):
        got = _needs(apply_all(order))
        assert (got[offer.id]["drawn"], got[offer.id]["remaining"]) == (0, 40)
        assert (got[need.id]["fulfilled"], got[need.id]["remaining"]) == (40, 0)


def test_a_declined_fulfilment_draws_nothing_from_its_offer_in_any_order():
    """Brighton "covered" Calais's need with 20 tents from its offer, and Calais declined it (nothing
    came): the need counted none of it, but the offer still showed 20 drawn, 5 left, on the need's
    page and on the offer's alone. Declined, it draws nothing, whatever the order; a fulfilment from
    the same offer that was not declined still draws it."""
    calais, brighton, leeds = Author(), Author(), Author()
    need = calais.event("need", {"category": "tents", "quantity": 60, "region": "calais"})
    offer = brighton.event("offer", {"category": "tents", "quantity": 25, "region": "brighton"})
    other = leeds.event("need", {"category": "tents", "quantity": 4, "region": "leeds"})
    fulfil = brighton.event("need.fulfil", {"need": need.id, "quantity": 20, "offer": offer.id})
    steps = [(brighton, fulfil), (brighton, brighton.event("need.fulfil", {"need": need.id, "quantity": 1,
                                                                           "offer": offer.id})),
             (calais, calais.event("need.decline", {"need": need.id, "decline": fulfil.id})),
             (brighton, brighton.event("need.fulfil", {"need": other.id, "quantity": 3, "offer": offer.id}))]
    for order in itertools.permutations([(calais, need), (brighton, offer), (leeds, other), *steps]):
        tables = apply_all(order)
        got = _needs(tables)
        assert (got[need.id]["fulfilled"], got[offer.id]["drawn"], got[offer.id]["remaining"]) == (0, 3, 22)
        # the offer's view alone: its draw-downs, the declines of the needs they name, those needs as targets
        drawn = [f for f in tables.table(FULFIL) if f.region is not None or "decline" in f.data]
        targets = {n.key: Target("need", n.data["group"], n.data, NOW) for n in tables.table(NEED)}
        [alone] = needs_and_offers(tables.table(OFFER), [], NOW, (), drawn, targets)
        assert (alone["drawn"], alone["remaining"]) == (3, 22)


def test_a_group_the_request_was_shared_with_takes_it_in_any_order():
    """The reviewer's week: Calais sealed its request to Bristol; Bristol took it and handed it back
    as referred to Manchester, which joined later and could not read it; Calais shares the details
    with Manchester (support.share), and Manchester's claim takes the request, whatever order the
    claims, the close and the parts (the request's own and the share's) come in. A node that reads
    the request but not a share of it cannot tell who that share went to, so counts every claim as
    a node that reads nothing does."""
    calais, bristol, manchester = Author(), Author(), Author()
    fields = {"region": "calais", "type": "housing", "people": "2", "urgency": "high", "sealed": b"\x02" * 200}
    request = calais.event("support.request", fields, ts=NOW - 10 * HOUR_MS)
    steps = [(bristol, bristol.event("support.claim", {"request": request.id}, ts=NOW - 8 * HOUR_MS)),
             (bristol, bristol.event("support.close", {"request": request.id, "outcome": "referred"},
                                     ts=NOW - 6 * HOUR_MS)),
             (manchester, manchester.event("support.claim", {"request": request.id}, ts=NOW - 2 * HOUR_MS))]
    parts = [frozenset({bristol.group}), frozenset({manchester.group})]  # the request's own, the share's
    for order in itertools.permutations([(calais, request), *steps]):
        for seen in itertools.permutations(parts):
            readers = request_readers(calais.group, seen)
            assert readers == {calais.group, bristol.group, manchester.group}
            r = _request_status(order, readers=lambda row: readers)
            assert (r["status"], r["claimed_by"], r["claimed_unsent"]) == ("claimed", [manchester.group], [])
            assert [b["group"] for b in r["handed_back"]] == [bristol.group]
        # Before the share (or where it is not read): on Calais's node, Manchester's claim takes nothing
        before = _request_status(order, readers=lambda row: request_readers(calais.group, parts[:1]))
        assert (before["status"], [c["group"] for c in before["claimed_unsent"]]) == ("open", [manchester.group])
        for unread in ([parts[0], None], [None, parts[1]], []):
            assert request_readers(calais.group, unread) is None
            r = _request_status(order, readers=lambda row: request_readers(calais.group, unread))
            assert r["claimed_by"] == [manchester.group] and r["claimed_unsent"] == []


def test_a_request_every_group_it_was_sealed_to_is_gone_from_says_so_in_any_order():
    """Calais sealed a minor's case to Paris and Dunkerque; Paris left, Dunkerque was revoked. On
    Calais's node (it reads who the part went to) the request is open but no group can act on it:
    `readers_gone` names each, with how it is gone (it showed as an ordinary request "waiting for a
    group" forever). While one of them is a member, where the readers are not known, and once
    closed, it is empty."""
    calais, paris, dunkerque = Author(), Author(), Author()
    fields = {"region": "calais", "type": "safeguarding_minor", "people": "1", "urgency": "high"}
    request = calais.event("support.request", {**fields, "sealed": b"\x02" * 200}, ts=NOW - 10 * HOUR_MS)
    took = (paris, paris.event("support.claim", {"request": request.id}, ts=NOW - 5 * HOUR_MS))
    close = (calais, calais.event("support.close", {"request": request.id, "outcome": "resolved"}, ts=NOW - HOUR_MS))
    sent_to = lambda row: {calais.group, paris.group, dunkerque.group}  # noqa: E731
    both = {paris.group: GROUP_LEFT, dunkerque.group: GROUP_REVOKED}.get
    wanted = sorted([{"group": paris.group, "group_gone": GROUP_LEFT},
                     {"group": dunkerque.group, "group_gone": GROUP_REVOKED}], key=lambda g: g["group"])
    for order in itertools.permutations([(calais, request), took]):
        r = _request_status(order, both, sent_to)
        assert (r["status"], r["claimed_by"], r["readers_gone"]) == ("open", [], wanted)
        assert _request_status(order, {paris.group: GROUP_LEFT}.get, sent_to)["readers_gone"] == []
        assert _request_status(order, both)["readers_gone"] == []  # a node that cannot tell who reads it
        assert _request_status(order, staying, sent_to)["readers_gone"] == []
    for order in itertools.permutations([(calais, request), took, close]):
        assert _request_status(order, both, sent_to)["readers_gone"] == []


def test_the_requesting_group_is_not_among_the_places_its_own_request_could_go_in_any_order():
    """Calais's own offer of the request's type came first in "could go to" (its group is among the
    readers of the private part, so ranked as one): a group asks others. Left out, on a node that
    reads the part and on one that cannot; another group's request still lists Calais's offer."""
    calais, bristol, leeds = Author(), Author(), Author()
    own = calais.event("support.offer", {"region": "calais", "type": "legal", "capacity": 50})
    theirs = bristol.event("support.offer", {"region": "calais", "type": "legal", "capacity": 2})
    far = leeds.event("support.offer", {"region": "leeds", "type": "legal", "capacity": 1})
    fields = {"region": "calais", "type": "legal", "people": "1", "urgency": "high"}
    request = calais.event("support.request", {**fields, "sealed": b"\x02" * 200})
    other = leeds.event("support.request", fields)
    for order in itertools.permutations([(calais, own), (bristol, theirs), (leeds, far), (calais, request),
                                         (leeds, other)]):
        tables = apply_all(order)
        offers = support_offers(tables.table(SUPPORT_OFFER), [], NOW)
        for readers in ({request.id: {calais.group, bristol.group}}, None):
            found = {r["id"]: r for r in support_requests(tables.table(SUPPORT), [], NOW)}
            where_requests_can_go(list(found.values()), offers, readers)
            assert [o["group"] for o in found[request.id]["can_go"]] == [bristol.group, leeds.group]
            assert [o["group"] for o in found[other.id]["can_go"]] == [calais.group, bristol.group]
