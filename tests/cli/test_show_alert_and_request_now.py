"""`solnet show` of a raid alert and of a support request says what each comes to now, under what was
published: an alert an update moved read at its first place, with no word of its all clear, and a
request with no word of who took it, handed it back or closed it (`view` said it all)."""
from __future__ import annotations


def _now_line(cli, home, event_id: str) -> str:
    return cli.run(home, "show", event_id).stdout.splitlines()[-1]


def test_show_says_where_an_alert_is_now_and_its_all_clear(network, cli) -> None:
    alert = cli.publish(network.a, "alert", "--region", "calais", "--type", "raid", "--location", "Rue des Garennes",
                        "--text", "Police at the camp")
    cli.publish(network.a, "alert.update", "--alert", alert, "--status", "update", "--location", "Pont",
                "--text", "moved to the bridge")
    moved = _now_line(cli, network.a, alert)
    assert moved.startswith("  now: LIVE at Pont; updated ") and moved.endswith(": moved to the bridge"), moved
    cli.publish(network.a, "alert.update", "--alert", alert, "--status", "all_clear", "--text", "police gone")
    cleared = _now_line(cli, network.a, alert)
    assert cleared.startswith("  now: ALL CLEAR ") and cleared.endswith(": police gone"), cleared
    assert cli.run_json(network.a, "show", alert)["state"]["status"] == "all_clear"


def test_show_says_who_took_a_request_and_who_handed_it_back(network, cli, tmp_path) -> None:
    request = cli.publish(network.a, "support.request", "--region", "calais", "--type", "accompaniment",
                          "--people", "2", "--urgency", "high")
    assert _now_line(cli, network.a, request) == "  now: open"
    cli.run(network.a, "export", tmp_path / "a.bundle")
    cli.run(network.b, "import", tmp_path / "a.bundle")
    cli.publish(network.b, "support.claim", "--request", request)
    taken = _now_line(cli, network.b, request)
    assert taken.startswith("  now: claimed — taken by Bristol since "), taken
    cli.publish(network.b, "support.close", "--request", request, "--outcome", "referred")
    back = _now_line(cli, network.b, request)
    assert back.startswith("  now: open — handed back by Bristol ") and back.endswith("(referred)"), back
    state = cli.run_json(network.b, "show", request)["state"]
    assert state["status"] == "open" and [b["outcome"] for b in state["handed_back"]] == ["referred"], state
