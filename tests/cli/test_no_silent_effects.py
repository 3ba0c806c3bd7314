"""Nothing is accepted and then silently ignored (issue 11, item 5): `solnet publish` refuses an event
that would count for nothing, saying what is wrong and who may do it; such an event signed anyway
and arriving from a peer is stored, and `solnet show` says "no effect" and why. Also the small
things people hit: `--to` by group name or id prefix, times read and shown with their zone, money
in the units people type."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from crypto.keys import short_id
from node.home import Home
from node.private import seal_private


def _sync(cli, source: Path, target: Path, tmp_path: Path) -> None:
    bundle = tmp_path / f"{source.name}-to-{target.name}.bundle"
    bundle.unlink(missing_ok=True)
    cli.run(source, "export", bundle)
    cli.run(target, "import", bundle)


def _refused(cli, home: Path, *args: str) -> str:
    proc = cli.run(home, "publish", *args, ok=False)
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "Published" not in proc.stdout and "Traceback" not in proc.stderr
    return " ".join(proc.stderr.split())


def _sign_anyway(home: Path, passphrase: str, kind: str, fields: dict) -> str:
    """What a buggy or hostile node would do: sign without publishing's checks."""
    h = Home(home)
    log, keys = h.log(), h.keys(passphrase)
    try:
        return log.append(keys.device, kind, fields).id.hex()
    finally:
        log.store.close()


def _sealed_to_its_own_group(home: Path, passphrase: str) -> str:
    """A safeguarding request whose private part only the requesting group reads (the CLI wants a
    recipient group: with two homes, this stands for a request sealed to a third one)."""
    h = Home(home)
    log, keys = h.log(), h.keys(passphrase)
    try:
        part = seal_private("Boy 15, alone", log.trust, [], log.trust.group_of(bytes(keys.device.public)), {})
        return log.append(keys.device, "support.request", {"region": "calais", "type": "safeguarding_minor",
                                                           "people": "1", "urgency": "medium", "sealed": part}).id.hex()
    finally:
        log.store.close()


def test_what_would_have_no_effect_is_refused_at_publish_and_explained_from_a_peer(network, cli, tmp_path):
    a, b = network.a, network.b  # Calais, Bristol
    cli.publish(a, "group.profile", "--name", "Calais", "--region", "calais")
    cli.publish(b, "group.profile", "--name", "Bristol", "--region", "bristol")
    fund = cli.publish(a, "fundraiser", "--title", "Tents", "--goal", "5000", "--currency", "EUR", "--region", "calais")
    request = cli.publish(a, "support.request", "--region", "bristol", "--type", "housing", "--people", "2",
                          "--urgency", "high", "--new-region")  # (Bristol's profile has not reached Calais yet)
    need = cli.publish(a, "need", "--category", "tents", "--quantity", "60", "--region", "calais")
    alert = cli.publish(a, "alert", "--region", "calais", "--type", "raid", "--text", "Police at the camp")
    _sync(cli, a, b, tmp_path)
    _sync(cli, b, a, tmp_path)

    said = _refused(cli, b, "fundraiser.update", "--fundraiser", fund[:12], "--raised", "100")
    assert "only Calais, which runs that fundraiser, may say how much it has raised" in said and "--pledge" in said
    cli.publish(b, "fundraiser.update", "--fundraiser", fund[:12], "--pledge", "100")  # what Bristol may do

    said = _refused(cli, b, "support.close", "--request", request[:12], "--outcome", "resolved")
    assert "only Calais, which made that support request, may close it" in said and "hand it back" in said
    cli.publish(b, "support.claim", "--request", request[:12])
    cli.publish(b, "support.close", "--request", request[:12], "--outcome", "resolved")  # having taken it: back
    said = _refused(cli, b, "support.close", "--request", request[:12], "--outcome", "resolved")
    assert "your group handed that support request back on" in said and "only Calais" in said

    said = _refused(cli, b, "need.update", "--need", need[:12], "--quantity", "1")
    assert "only Calais, the group that posted that need, may adjust or withdraw it" in said
    said = _refused(cli, b, "need.fulfil", "--need", need[:12], "--quantity", "61")
    assert "that need has 60 items left to cover (0 of 60 covered): fulfil at most 60" in said
    offer = cli.publish(b, "offer", "--category", "tents", "--quantity", "25", "--region", "bristol")
    said = _refused(cli, b, "need.fulfil", "--need", need[:12], "--quantity", "30", "--offer", offer[:12])
    assert "that offer has 25 items left (0 of 25 already given): draw at most 25" in said
    blankets = cli.publish(b, "offer", "--category", "blankets", "--quantity", "25", "--region", "bristol")
    said = _refused(cli, b, "need.fulfil", "--need", need[:12], "--quantity", "5", "--offer", blankets[:12])
    assert "that offer is of blankets, the need of tents: it cannot cover it" in said
    cli.publish(b, "need.fulfil", "--need", need[:12], "--quantity", "20", "--offer", offer[:12])

    said = _refused(cli, b, "alert.update", "--alert", alert[:12], "--status", "all_clear")
    assert "only Calais, the group that posted that alert, may update or clear it" in said
    cli.publish(a, "alert.update", "--alert", alert[:12], "--status", "all_clear")
    said = _refused(cli, a, "alert.update", "--alert", alert[:12], "--status", "update", "--text", "again")
    assert "that alert was cleared on" in said and "an all clear is final" in said

    # Signed anyway by Bristol's node, each reaches Calais: stored, and `show` says why it counts for nothing.
    forged = {
        "raised": _sign_anyway(b, cli.PASSPHRASE, "fundraiser.update",
                               {"fundraiser": bytes.fromhex(fund), "raised": 999_999}),
        "need": _sign_anyway(b, cli.PASSPHRASE, "need.update", {"need": bytes.fromhex(need), "status": "withdrawn"}),
        "alert": _sign_anyway(b, cli.PASSPHRASE, "alert.update", {"alert": bytes.fromhex(alert), "status": "update",
                                                                  "text": "false news"}),
    }
    _sync(cli, b, a, tmp_path)
    for what, event_id in forged.items():
        shown = cli.run_json(a, "show", event_id[:12])
        assert shown["no_effect"] and "only Calais" in shown["no_effect"], (what, shown)
        assert "no effect: only Calais" in cli.run(a, "show", event_id[:12]).stdout
    [f] = cli.run_json(a, "view", "fundraisers")
    assert (f["raised"], f["pledged"]) == (0, 10_000)  # Bristol's "raised" left out, its pledge counted
    [n] = [x for x in cli.run_json(a, "view", "needs") if x["side"] == "need"]
    assert (n["status"], n["fulfilled"], n["remaining"]) == ("open", 20, 40)  # not withdrawn by Bristol
    [s] = cli.run_json(a, "view", "support")  # handed back by Bristol: open, for Calais to close
    assert s["status"] == "open" and s["taken"] == [] and [b["group_name"] for b in s["handed_back"]] == ["Bristol"]
    assert cli.run_json(a, "show", forged["raised"][:12])["group_name"] == "Bristol"


def test_the_needs_group_names_where_its_goods_came_from_without_drawing_on_the_offer(network, cli, tmp_path):
    """Calais, whose need it is, says it received 30 tents from Bristol's offer (a second van): it
    counts for its need and draws nothing from the offer (only Bristol's own fulfilments do), so it
    is not refused as "draw at most" what the offer has left either."""
    a, b = network.a, network.b
    need = cli.publish(a, "need", "--category", "tents", "--quantity", "60", "--region", "calais")
    _sync(cli, a, b, tmp_path)
    offer = cli.publish(b, "offer", "--category", "tents", "--quantity", "25", "--region", "bristol")
    cli.publish(b, "need.fulfil", "--need", need[:12], "--quantity", "20", "--offer", offer[:12])
    _sync(cli, b, a, tmp_path)
    cli.publish(a, "need.fulfil", "--need", need[:12], "--quantity", "30", "--offer", offer[:12])
    items = {i["id"]: i for i in cli.run_json(a, "view", "needs")}
    assert (items[need]["fulfilled"], items[offer]["remaining"]) == (50, 5)


def test_to_takes_a_group_name_or_an_id_prefix(network, cli, tmp_path):
    a, b = network.a, network.b
    cli.publish(b, "group.profile", "--name", "Bristol", "--region", "bristol")
    _sync(cli, b, a, tmp_path)
    for to in ("Bristol", "bristol", network.group_b[:12], short_id(bytes.fromhex(network.group_b))):
        request = cli.publish(a, "support.request", "--region", "bristol", "--type", "housing", "--people", "1",
                              "--urgency", "low", "--private", "A family of three", "--to", to)
        assert cli.run_json(a, "show", request)["private"] is True
    said = _refused(cli, a, "support.request", "--region", "bristol", "--type", "housing", "--people", "1",
                    "--urgency", "low", "--private", "x", "--to", "Leeds")
    assert "no group called 'Leeds'" in said and "Bristol" in said
    _sync(cli, a, b, tmp_path)
    shown = cli.run_json(b, "show", request)
    assert shown["private_status"] == "readable" and shown["private_details"] == "A family of three"


def test_times_are_read_and_shown_in_a_stated_zone(network, cli):
    paris = {"TZ": "Europe/Paris"}
    proc = cli.run(network.a, "publish", "action", "--help", env=paris)
    assert "read in this machine's time zone, CET (UTC+01:00)" in proc.stdout
    action = cli.run_json(network.a, "publish", "action", "--title", "Vigil", "--region", "calais", "--type", "protest",
                          "--starts-at", "2031-06-01T18:00", env=paris)["id"]
    assert cli.run_json(network.a, "show", action)["starts_at"] == "2031-06-01T16:00:00Z"  # 18:00 in Paris (summer)
    text = cli.run(network.a, "view", "actions", env=paris).stdout
    assert "(times in CET (UTC+01:00))" in text and "2031-06-01 18:00 CEST" in text
    assert "2031-06-01 16:00 UTC" in cli.run(network.a, "view", "actions", env={"TZ": "UTC"}).stdout
    assert "made 20" in cli.run(network.a, "show", action).stdout and " UTC" in cli.run(network.a, "show", action).stdout


def test_money_is_typed_and_refused_in_major_units(network, cli):
    fund = cli.publish(network.a, "fundraiser", "--title", "Tents", "--goal", "450.50", "--currency", "EUR",
                       "--region", "calais")
    assert cli.run_json(network.a, "show", fund)["goal"] == 45050
    cli.publish(network.a, "fundraiser.update", "--fundraiser", fund[:12], "--raised", "500")
    [f] = cli.run_json(network.a, "view", "fundraisers")
    assert f["progress"] == 110  # past 100 %: said as such
    assert "[##########] 110%" in cli.run(network.a, "view", "fundraisers").stdout
    said = _refused(cli, network.a, "fundraiser", "--title", "T", "--goal", "20000000000", "--currency", "EUR",
                    "--region", "calais")
    assert "--goal must be an amount from 0.01 to 10,000,000,000.00, got '20000000000'" in said
    said = _refused(cli, network.a, "fundraiser", "--title", "T", "--goal", "12.505", "--currency", "EUR",
                    "--region", "calais")
    assert "more than two decimals" in said


def test_only_the_requesting_group_closes_a_support_request_and_both_nodes_agree(network, cli, tmp_path):
    """The reviewer's week: a group that cannot read a request sealed to others, and that another
    group took, claimed it and closed it for every node. Now `publish` refuses the claim and the
    close with words; signed anyway, the close counts for nothing on either node, and both nodes
    show the same requests and the same desk: one taken, one waiting for a group."""
    a, b = network.a, network.b  # Calais, Bristol
    cli.publish(b, "group.profile", "--name", "Bristol", "--region", "bristol")
    _sync(cli, b, a, tmp_path)
    taken = cli.publish(a, "support.request", "--region", "calais", "--type", "housing", "--people", "2",
                        "--urgency", "high", "--private", "A family at the station", "--to", "Bristol")
    sealed = _sealed_to_its_own_group(a, cli.PASSPHRASE)  # as if to a third group: Bristol cannot read it
    _sync(cli, a, b, tmp_path)
    cli.publish(b, "support.claim", "--request", taken[:12])  # Bristol can read it, and takes it

    said = _refused(cli, b, "support.claim", "--request", sealed[:12])
    assert "this device is not a recipient of that support request's private details" in said and "Calais" in said
    said = _refused(cli, b, "support.close", "--request", sealed[:12], "--outcome", "resolved")
    assert "only Calais, which made that support request, may close it" in said

    stray = _sign_anyway(b, cli.PASSPHRASE, "support.close", {"request": bytes.fromhex(sealed), "outcome": "resolved"})
    _sync(cli, b, a, tmp_path)
    for home in (a, b):
        shown = cli.run_json(home, "show", stray[:12])
        assert "only Calais, which made that support request, may close it" in shown["no_effect"], shown
    views = [{r["id"]: (r["status"], r["claimed_by"]) for r in cli.run_json(home, "view", "support")} for home in (a, b)]
    assert views[0] == views[1] == {taken: ("claimed", [network.group_b]), sealed: ("open", [])}
    desks = [[line for line in cli.run(home, "view", "regions").stdout.splitlines() if "support requests" in line]
             for home in (a, b)]
    assert desks[0] == desks[1] and "  support requests: 2 open, of which 1 taken, 1 waiting for a group " \
                                    "(1 high, 1 medium, 0 low)" in desks[0], desks


def test_a_report_on_an_action_for_chosen_groups_before_it_starts_is_refused(network, cli, tmp_path):
    """A report on Calais's direct action for Bristol only, made before the action starts, was
    published ("Shared with Calais and Bristol only") and counted for nothing on every node: the
    checks read only the action's envelope. It is refused as the same report on an open action is."""
    a, b = network.a, network.b
    _sync(cli, b, a, tmp_path)  # Calais learns Bristol's device
    soon = cli.publish(a, "action", "--title", "Blockade", "--region", "calais", "--type", "direct_action",
                       "--starts-at", "2031-06-01T05:00", "--to", "Bristol")
    said = _refused(cli, a, "action.report", "--action", soon[:12], "--people", "12", "--outcome", "held",
                    "--to", "Bristol")
    assert "that action has not started yet: report on it once it has taken place" in said, said
    past = cli.publish(a, "action", "--title", "Squat", "--region", "calais", "--type", "direct_action",
                       "--starts-at", f"{datetime.now(timezone.utc) - timedelta(days=1):%Y-%m-%dT%H:%M}+00:00",
                       "--to", "Bristol")
    cli.publish(a, "action.report", "--action", past[:12], "--people", "9", "--outcome", "held", "--to", "Bristol")
    [shown] = [i for i in cli.run_json(a, "view", "past-actions") if i["id"] == past]
    assert [r["people"] for r in shown["reports"]] == [9], shown
