"""The infiltrator review: any group could mark another group's need as covered (need.fulfil, even
10^6 of it by hand-signing), the need then left the desk, and its group could not undo it. Its own
group declines a fulfilment (`solnet publish need.decline`): that group's fulfilments of the need no
longer count; anyone else is refused in words. And a pledge or fulfilment for chosen groups that
leave out the fundraiser's or need's group is refused at publishing, saying what to do."""
from __future__ import annotations

from test_no_silent_effects import _refused, _sign_anyway, _sync


def test_the_needs_own_group_declines_a_fulfilment_and_views_say_so(network, cli, tmp_path):
    a, b = network.a, network.b  # Calais, Bristol
    cli.publish(a, "group.profile", "--name", "Calais", "--region", "calais")
    cli.publish(b, "group.profile", "--name", "Bristol", "--region", "bristol")
    need = cli.publish(a, "need", "--category", "sleeping bags", "--quantity", "40", "--region", "calais")
    _sync(cli, a, b, tmp_path)
    fake = cli.publish(b, "need.fulfil", "--need", need[:12], "--quantity", "30")
    again = cli.publish(b, "need.fulfil", "--need", need[:12], "--quantity", "10")
    huge = _sign_anyway(b, cli.PASSPHRASE, "need.fulfil", {"need": bytes.fromhex(need), "quantity": 10**6})
    _sync(cli, b, a, tmp_path)
    [n] = [n for n in cli.run_json(a, "view", "needs") if n["side"] == "need"]
    assert n["remaining"] == 0 and [f["quantity"] for f in n["fulfilled_by"]] == [10**6 + 40]
    line = " ".join(cli.run(a, "view", "needs").stdout.split())  # more than asked: Bristol's claim, said so
    assert "fully covered (OVER-CLAIMED: 1000000 more than asked, claimed by Bristol 1000040)" in line, line

    said = _refused(cli, b, "need.decline", "--need", need[:12], "--decline", fake[:12])
    assert "only Calais, which posted that need, may decline a fulfilment of it" in said
    first = cli.publish(a, "need.decline", "--need", need[:12], "--decline", fake[:12], "--note", "nothing came")

    [n] = [n for n in cli.run_json(a, "view", "needs") if n["side"] == "need"]  # both of Bristol's: out
    assert (n["fulfilled"], n["remaining"], n["fulfilled_by"]) == (0, 40, [])
    assert sorted(d["id"] for d in n["declined"]) == sorted([fake, again, huge])
    line = " ".join(cli.run(a, "view", "needs").stdout.split())
    assert "40 still needed; 3 declined by its group (30 by Bristol, 10 by Bristol, 1000000 by Bristol)" in line, line
    _sync(cli, a, b, tmp_path)  # a further fulfilment of Bristol's would not count: refused in words, as a pledge is
    said = _refused(cli, b, "need.fulfil", "--need", need[:12], "--quantity", "5")
    assert "declined a fulfilment of your group of it, and that declines every fulfilment of your group" in said, said
    # a decline names another group's fulfilment: not its own group's, not another decline
    own = cli.publish(a, "need.fulfil", "--need", need[:12], "--quantity", "2")
    said = _refused(cli, a, "need.decline", "--need", need[:12], "--decline", own[:12])
    assert "that fulfilment is your own group's: a decline strikes out another group's fulfilments" in said, said
    said = _refused(cli, a, "need.decline", "--need", need[:12], "--decline", first[:12])
    assert "--decline must name a need.fulfil event" in said, said


def test_a_pledge_or_fulfilment_for_chosen_groups_must_reach_the_owner(network, cli, tmp_path):
    a, b = network.a, network.b  # Calais owns the fundraiser and the need; Bristol replies
    cli.publish(a, "group.profile", "--name", "Calais", "--region", "calais")
    cli.publish(b, "group.profile", "--name", "Bristol", "--region", "bristol")
    fund = cli.publish(a, "fundraiser", "--title", "Bail", "--goal", "5000", "--currency", "EUR", "--region", "calais")
    need = cli.publish(a, "need", "--category", "tents", "--quantity", "3", "--region", "calais")
    _sync(cli, a, b, tmp_path)
    for kind, *args in (("fundraiser.update", "--fundraiser", fund[:12], "--pledge", "100"),
                        ("need.fulfil", "--need", need[:12], "--quantity", "3")):
        said = _refused(cli, b, kind, *args, "--to", "Bristol")
        assert "Calais, whose" in said and "add Calais to --to" in said, said
    pledge = cli.publish(b, "fundraiser.update", "--fundraiser", fund[:12], "--pledge", "100", "--to", "Calais")
    _sync(cli, b, a, tmp_path)
    [f] = cli.run_json(a, "view", "fundraisers")
    assert f["pledged"] == 10_000 and f["pledged_shared"] == 10_000
    # the decline of a sealed pledge: for the same groups, as the words say (or everyone would learn of it)
    said = _refused(cli, a, "fundraiser.decline", "--fundraiser", fund[:12], "--decline", pledge[:12])
    assert "shared with chosen groups only" in said, said
    cli.publish(a, "fundraiser.decline", "--fundraiser", fund[:12], "--decline", pledge[:12], "--to", "Bristol")
    [f] = cli.run_json(a, "view", "fundraisers")
    assert f["pledged"] == 0 and [d["id"] for d in f["declined"]] == [pledge]


def test_a_fulfilment_after_a_declined_over_claim_is_not_said_to_find_the_need_covered(network, cli, tmp_path):
    """Bristol claimed 10^6 of Calais' need of 40, Calais declined it; a real fulfilment made after it
    counts (`view needs`), but `show` said it came when the need was "already fully covered": that
    check summed the declined group's fulfilments too. It counts what the read models count."""
    a, b = network.a, network.b  # Calais, Bristol
    need = cli.publish(a, "need", "--category", "sleeping bags", "--quantity", "40", "--region", "calais")
    _sync(cli, a, b, tmp_path)
    huge = _sign_anyway(b, cli.PASSPHRASE, "need.fulfil", {"need": bytes.fromhex(need), "quantity": 10**6})
    _sync(cli, b, a, tmp_path)
    cli.publish(a, "need.decline", "--need", need[:12], "--decline", huge[:12], "--note", "nothing came")
    real = cli.publish(a, "need.fulfil", "--need", need[:12], "--quantity", "5")
    [n] = [n for n in cli.run_json(a, "view", "needs") if n["side"] == "need"]
    assert (n["fulfilled"], n["remaining"]) == (5, 35), n
    shown = cli.run_json(a, "show", real)
    assert shown["no_effect"] is None, shown["no_effect"]
