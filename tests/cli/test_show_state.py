"""`solnet show` of a need, an offer or a fundraiser says what it comes to now, under what was
published: a withdrawn need read as open there, a half covered one as wholly missing, and a
fundraiser said nothing of what it raised (the dashboard's page of the event said it all)."""
from __future__ import annotations


def test_show_says_what_a_need_an_offer_and_a_fundraiser_come_to_now(network, cli) -> None:
    half = cli.publish(network.a, "need", "--category", "tents", "--quantity", "20", "--region", "calais")
    cli.publish(network.a, "need.fulfil", "--need", half, "--quantity", "5")
    gone = cli.publish(network.a, "need", "--category", "water", "--quantity", "200", "--unit", "litres",
                       "--region", "calais")
    cli.publish(network.a, "need.update", "--need", gone, "--status", "withdrawn")
    offer = cli.publish(network.a, "offer", "--category", "tents", "--quantity", "8", "--region", "calais")
    fund = cli.publish(network.a, "fundraiser", "--title", "Winter tents", "--goal", "2000", "--currency", "EUR",
                       "--region", "calais")
    cli.publish(network.a, "fundraiser.update", "--fundraiser", fund, "--raised", "500")

    def now_line(event_id: str) -> str:
        return cli.run(network.a, "show", event_id).stdout.splitlines()[-1]

    assert now_line(half) == "  now: open; 5 of 20 items covered, 15 still needed"
    assert now_line(gone) == "  now: WITHDRAWN by its group; 0 of 200 litres covered"
    assert now_line(offer) == "  now: open; 8 items left of 8"
    assert now_line(fund) == "  now: raised 500.00 EUR of 2,000.00 EUR (25%), pledged 0.00 EUR"
    state = cli.run_json(network.a, "show", gone)["state"]
    assert state["status"] == "withdrawn" and state["remaining"] == 200, state
    assert "state" not in cli.run_json(network.a, "show", cli.run_json(network.a, "ls", "--kind", "need.update")[0]["id"])


def test_show_reads_an_update_for_chosen_groups_as_view_does(network, cli, tmp_path) -> None:
    """A need withdrawn by an update shared with chosen groups read "now: open" in `show` while
    `view needs` dropped it; a need itself for chosen groups had no state at all."""
    cli.run(network.b, "export", tmp_path / "b.bundle")  # Calais learns Bristol's device
    cli.run(network.a, "import", tmp_path / "b.bundle")
    public = cli.publish(network.a, "need", "--category", "shoes", "--quantity", "7", "--region", "calais")
    cli.publish(network.a, "need.update", "--need", public, "--status", "withdrawn", "--to", network.group_b)
    chosen = cli.publish(network.a, "need", "--category", "shoes", "--quantity", "4", "--region", "calais",
                         "--to", network.group_b)
    cli.publish(network.a, "need.update", "--need", chosen, "--status", "withdrawn", "--to", network.group_b)
    listed = {n["id"] for n in cli.run_json(network.a, "view", "needs")}
    assert public not in listed and chosen not in listed
    for need, quantity in ((public, 7), (chosen, 4)):
        shown = cli.run(network.a, "show", need)
        now = f"  now: WITHDRAWN by its group; 0 of {quantity} items covered"
        assert shown.stdout.splitlines()[-1] == now, shown.stdout
        assert cli.run_json(network.a, "show", need)["state"]["status"] == "withdrawn"
    # without the passphrase, the state read is the public part's, and said to be maybe incomplete
    locked = cli.run(network.a, "show", public, env={"SOLNET_PASSPHRASE": None})
    assert locked.stdout.splitlines()[-1].startswith("  now: open"), locked.stdout
    assert "its state may be incomplete" in locked.stderr, locked.stderr
