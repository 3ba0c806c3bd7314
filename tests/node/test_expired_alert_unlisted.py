"""An alert that simply ran out (no update, no all clear from its group) is in neither the live alerts
nor the alert history: the log drops it with its text at its end. What the words of an empty list
say (tests/cli/test_expired_alert_unlisted_words.py) rests on this."""
from __future__ import annotations

from pathlib import Path

from node.log import now_ms
from node.views import view
from node_fixtures import Net, wires

HOUR = 3_600_000


def test_an_alert_that_ran_out_is_in_no_list(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    net.device.sign("alert", {"region": "calais", "type": "raid", "text": "CRS at the camp"}, ts=now - 2 * HOUR,
                    expires=now - HOUR)
    log = net.new_log(tmp_path / "n.db")
    log.ingest(wires(net.group.made + net.device.made))
    assert view(log, "alerts", now=now) == [] and view(log, "alert-history", now=now) == []
