"""The infiltrator review: any group could pledge up to 10^12 to a bail fund, which then looked fully
funded to real donors, and the fundraiser's group could not remove it. Its own group declines it
(`solnet publish fundraiser.decline`); anyone else is refused in words, and `view fundraisers` no
longer counts it but says it was declined and who pledged it."""
from __future__ import annotations

from test_no_silent_effects import _refused, _sync


def test_the_fundraisers_own_group_declines_a_pledge_and_views_say_so(network, cli, tmp_path):
    a, b = network.a, network.b  # Calais, Bristol
    cli.publish(a, "group.profile", "--name", "Calais", "--region", "calais")
    cli.publish(b, "group.profile", "--name", "Bristol", "--region", "bristol")
    fund = cli.publish(a, "fundraiser", "--title", "Bail", "--goal", "5000", "--currency", "EUR", "--region", "calais")
    _sync(cli, a, b, tmp_path)
    pledge = cli.publish(b, "fundraiser.update", "--fundraiser", fund[:12], "--pledge", "9999999999")
    _sync(cli, b, a, tmp_path)
    [f] = cli.run_json(a, "view", "fundraisers")
    assert f["pledged"] == 999_999_999_900  # the bail fund looks funded many times over

    said = _refused(cli, b, "fundraiser.decline", "--fundraiser", fund[:12], "--decline", pledge[:12])
    assert "only Calais, which runs that fundraiser, may decline a pledge to it" in said
    cli.publish(a, "fundraiser.decline", "--fundraiser", fund[:12], "--decline", pledge[:12])

    [f] = cli.run_json(a, "view", "fundraisers")
    assert f["pledged"] == 0 and [d["pledge"] for d in f["declined"]] == [999_999_999_900]
    line = " ".join(cli.run(a, "view", "fundraisers").stdout.split())
    assert "pledged 0.00 EUR; 1 declined by its group (9,999,999,999.00 EUR pledged by Bristol)" in line, line
    # the desk says what was declined (it said nothing of it), and Bristol cannot pledge to it again
    desk = " ".join(cli.run(a, "view", "regions").stdout.split())
    assert "1 pledge declined by the fundraiser's group (9,999,999,999.00 EUR, not counted)" in desk, desk
    _sync(cli, a, b, tmp_path)
    said = _refused(cli, b, "fundraiser.update", "--fundraiser", fund[:12], "--pledge", "10")
    assert "Calais, which runs that fundraiser, declined a pledge of your group to it" in said, said
