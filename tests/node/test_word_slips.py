"""Words of `solnet show` and `solnet view` that misled (a critic, 2026-12-06): a withdrawn offer read
as available ("WITHDRAWN by its group; 10 litres left of 10"), "the groups 1 share of it went to",
and an action's "START until END" pushed its line out of the columns of the others."""
from __future__ import annotations

from node import render

GROUP = bytes(range(32))


def test_an_offer_no_longer_open_says_nothing_of_what_is_left():
    state = {"status": "withdrawn", "quantity": 10, "remaining": 10, "unit": "litres"}
    assert render.state_text("offer", state) == "WITHDRAWN by its group"
    assert render.state_text("offer", {**state, "status": "open"}) == "open; 10 litres left of 10"


def test_the_groups_of_a_share_this_device_cannot_read_are_said_in_plain_words():
    data = {"id": "ab" * 32, "author": "cd" * 32, "group": "ef" * 32, "body": "present", "private_status": "readable",
            "private_readers": [GROUP.hex()], "private_readers_unknown": 1, "private_details": "two people"}
    row = (bytes(32), bytes(32), 1, 1_780_000_000_000, "support.request", None, b"", b"", b"", 0)
    shown = "\n".join(render.show_lines(data, row, "Calais", {"region": "calais", "sealed": b"x"},
                                        names={GROUP: "Calais"}))
    assert "readable by Calais and by the groups that 1 share went to, which this device cannot read" in shown, shown


def test_an_action_with_an_end_keeps_the_columns_of_the_others():
    start = 1_780_000_000_000
    item = {"id": "ab" * 32, "starts_at": start, "region": "calais", "title": "Rally", "type": "protest",
            "group": GROUP}
    lines = [render.view_line(view, {**item, **extra}, {GROUP: "Calais"})
             for view in ("actions", "timeline") for extra in ({}, {"ends_at": start + 3_600_000})]
    assert len({line.index("calais") for line in lines}) == 1, lines
    assert "Rally (protest) until " in lines[1], lines


def test_the_first_sync_wait_counts_one_event_as_one(capsys):
    import cli
    cli.say_waiting(30, 1, node=True)
    assert "... the sync goes on: 1 event stored since" in capsys.readouterr().err
