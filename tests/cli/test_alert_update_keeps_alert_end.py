"""An alert's update does not move the alert's end, and `publish alert.update` says so: its
`--expires-in` (how long the update is kept) read as a new end for the alert, so a group whose raid
went on past the alert's 2 h saw it leave every live list with the police still there."""
from __future__ import annotations

import json
from datetime import datetime


def test_an_update_says_when_the_alert_itself_ends(network, cli) -> None:
    alert = cli.publish(network.a, "alert", "--region", "calais", "--type", "raid", "--text", "ID checks",
                        "--expires-in", "2h")
    ends = cli.run_json(network.a, "show", alert)["expires"]
    said = cli.run(network.a, "publish", "alert.update", "--alert", alert, "--status", "update",
                   "--text", "still there", "--expires-in", "5h").stdout
    assert "The alert itself still ends " in said and "publish a new alert" in said, said
    scripted = cli.run_json(network.a, "publish", "alert.update", "--alert", alert, "--status", "update",
                            "--text", "still there", "--expires-in", "5h")
    stamp = datetime.fromisoformat(ends.replace("Z", "+00:00")).timestamp() * 1000
    assert abs(scripted["alert_ends"] - stamp) < 1000, scripted  # (--json: the same, in ms)
    assert json.loads(cli.run(network.a, "view", "alerts", "--json").stdout)[0]["expires"] == ends  # not moved
    clear = cli.run(network.a, "publish", "alert.update", "--alert", alert, "--status", "all_clear").stdout
    assert "still ends" not in clear, clear  # (it ended)
    assert "the alert's own end does not move" in cli.run(network.a, "publish", "alert.update", "--help").stdout
