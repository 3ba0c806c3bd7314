"""A need's urgency and a need's or an offer's notes as its group last changed them (need.update,
offer.update) are said where the item is shown on its own: `solnet show` printed the fields as
published ("urgency: medium") and a "now:" line of quantities only, and the dashboard's page of the
need the same, so a coordinator who opened a need raised to high read it as medium, and the newest
notes ("we got some from the church") were on the overview alone."""
from __future__ import annotations


def test_show_says_the_urgency_and_notes_its_group_set_since(network, cli) -> None:
    need = cli.publish(network.a, "need", "--category", "tents", "--quantity", "20", "--region", "calais",
                       "--urgency", "medium", "--notes", "2-person tents")
    offer = cli.publish(network.a, "offer", "--category", "tents", "--quantity", "8", "--region", "calais")
    same = cli.publish(network.a, "need", "--category", "water", "--quantity", "20", "--region", "calais",
                       "--urgency", "low")

    def now_line(event_id: str) -> str:
        return cli.run(network.a, "show", event_id).stdout.splitlines()[-1]

    assert now_line(need) == "  now: open; 0 of 20 items covered, 20 still needed"  # nothing changed yet
    cli.publish(network.a, "need.update", "--need", need, "--urgency", "high")
    cli.publish(network.a, "need.update", "--need", need, "--notes", "we got some from the church")
    cli.publish(network.a, "offer.update", "--offer", offer, "--notes", "collect at the hall")
    cli.publish(network.a, "need.update", "--need", same, "--quantity", "30")
    assert now_line(need) == ("  now: open; 0 of 20 items covered, 20 still needed; urgency now high; "
                              "notes now: we got some from the church")
    assert now_line(offer) == "  now: open; 8 items left of 8; notes now: collect at the hall"
    assert now_line(same) == "  now: open; 0 of 30 items covered, 30 still needed"  # its urgency as published



def test_show_says_what_a_support_offer_comes_to_now(network, cli) -> None:
    """`show` of a support offer had no "now:" line at all: 3 places read as 3 once its group said 1,
    and a withdrawn one read as offered."""
    offer = cli.publish(network.a, "support.offer", "--region", "calais", "--type", "housing", "--capacity", "3",
                        "--notes", "spare room")

    def now_line() -> str:
        return cli.run(network.a, "show", offer).stdout.splitlines()[-1]

    assert now_line() == "  now: open; 3 places"
    cli.publish(network.a, "support.offer.update", "--offer", offer, "--capacity", "1", "--notes", "one bed now")
    assert now_line() == "  now: open; 1 place; notes now: one bed now"
    cli.publish(network.a, "support.offer.update", "--offer", offer, "--status", "withdrawn")
    assert now_line() == "  now: WITHDRAWN by its group"


def test_view_needs_says_the_newest_notes_and_a_covered_need_as_covered(network, cli) -> None:
    """`solnet view needs` showed no notes (neither the first nor the group's newest), and a need
    covered in full read "0 still needed, urgency high"."""
    need = cli.publish(network.a, "need", "--category", "tents", "--quantity", "20", "--region", "calais",
                       "--urgency", "high", "--notes", "2-person tents")
    offer = cli.publish(network.a, "offer", "--category", "water", "--quantity", "8", "--region", "calais",
                        "--notes", "collect at the hall")

    def line_of(event_id: str) -> str:
        [line] = [x for x in cli.run(network.a, "view", "needs").stdout.splitlines() if x.endswith(event_id[:12] + "…")]
        return line

    assert "20 still needed, urgency high; notes: 2-person tents — " in line_of(need), line_of(need)
    assert "8 left; notes: collect at the hall — " in line_of(offer), line_of(offer)
    cli.publish(network.a, "need.update", "--need", need, "--notes", "we got some\nfrom the church")
    assert "; notes: we got some ⏎ from the church — " in line_of(need), line_of(need)  # (one line, as show says it)
    cli.publish(network.a, "need.fulfil", "--need", need, "--quantity", "20")
    said = line_of(need)
    assert ", fully covered; notes: we got some" in said and "still needed" not in said and "urgency" not in said, said
