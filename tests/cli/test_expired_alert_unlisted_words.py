"""'No live alert: those that ended in the last 7 days, with their all clear, are in `solnet view
alert-history`' (and the dashboard's 'No alert ended in the last 7 days.') sent a member to a history
where an alert that simply ran out is not listed: the log drops it with its text at its end, so a
raid alert that expired while the member's node was offline showed nowhere, and the words said none
had ended. They say now what the history holds (alerts cleared or updated by their group) and that
one that ran out is listed nowhere (tests/node/test_expired_alert_unlisted.py: the fact)."""
from __future__ import annotations

import json
from pathlib import Path


CATALOGS = Path(__file__).resolve().parents[2] / "node" / "dashboard" / "catalogs"


def test_the_cli_says_what_the_history_holds(network, cli) -> None:
    for name in ("alerts", "alert-history"):
        said = " ".join(cli.run(network.a, "view", name).stdout.split())
        assert "cleared or updated by its group in the last 7 days" in said or \
               "cleared or updated by their group in the last 7 days" in said, said
        assert "an alert that simply ran out, with no word from its group, is not kept past its end and is " \
               "listed nowhere." in said, said


def test_the_dashboard_says_it_in_its_languages() -> None:
    for lang, words in (("en", "ended by itself (its time ran out) is not listed"),
                        ("fr", "arrivée à son terme sans fin d’alerte n’est pas listée")):
        said = json.loads((CATALOGS / f"{lang}.json").read_text())["history.none"]
        assert words in said and "7" in said, said
