"""How `solnet ls` and `solnet view` count: the people of a support request, whose `people` field
is an enum's text ('1', '2', '3-5', ...), not a number; and one of a need's or offer's unit."""
from __future__ import annotations

from node import render


def test_one_person_is_one_person_and_a_range_is_people():
    fields = {"region": "calais", "type": "legal", "urgency": "low"}
    assert "legal, 1 person, urgency low" in render.summary("support.request", {**fields, "people": "1"})
    assert "3-5 people" in render.summary("support.request", {**fields, "people": "3-5"})
    item = {"id": "ab" * 32, "status": "open", "region": "calais", "type": "legal", "people": "1", "urgency": "low"}
    assert ", 1 person, urgency low" in render.view_line("support", item, {})


def test_one_item_of_a_need_is_one_item():
    assert render.quantity(1, "items") == "1 item" and render.quantity(1, "boxes") == "1 box"
    assert render.quantity(1, "top_ups") == "1 top up" and render.quantity(1, "kg") == "1 kg"
    assert render.quantity(2, "items") == "2 items" and render.quantity(0, "pairs") == "0 pairs"


def test_a_request_made_within_the_hour_is_less_than_an_hour_old():
    """`view support` said "0 hours old" of a request made minutes ago (and the dashboard too)."""
    item = {"id": "ab" * 32, "status": "open", "region": "calais", "type": "legal", "people": "2", "urgency": "low"}
    assert ", urgency low, less than an hour old" in render.view_line("support", {**item, "age_hours": 0}, {})
    assert ", 1 hour old" in render.view_line("support", {**item, "age_hours": 1}, {})
    assert ", 2 days old" in render.view_line("support", {**item, "age_hours": 50}, {})


def test_one_of_a_unit_is_singular_in_ls_too():
    """`solnet ls` said "1 litres × water" and "1 boxes × food" (view needs already said "1 box")."""
    assert render.summary("need", {"category": "water", "quantity": 1, "unit": "litres", "region": "calais"}) \
        .startswith("1 litre × water")
    assert render.summary("offer", {"category": "food", "quantity": 1, "unit": "boxes", "region": "calais"}) \
        .startswith("1 box × food")
    assert render.summary("need", {"category": "tents", "quantity": 5, "region": "calais"}).startswith("5 × tents")


def test_an_offer_given_out_is_said_so_not_zero_left():
    """`view needs` listed a used-up offer as "12 items × tents, 0 left", read as one still open."""
    offer = {"id": "ab" * 32, "side": "offer", "region": "bristol", "quantity": 12, "unit": "items",
             "category": "tents", "group": b"g"}
    assert "12 items × tents, all given out — " in render.view_line("needs", {**offer, "remaining": 0}, {})
    assert "12 items × tents, 5 left — " in render.view_line("needs", {**offer, "remaining": 5}, {})
