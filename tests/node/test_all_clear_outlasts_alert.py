"""An all clear lasts at least as long as the alert it ends. Once an all clear's body expires, nothing
says the alert ended: a raid alert of 48 h cleared with `--expires-in 1h` (the CLI, or `expires_in`
in the API) showed as live again an hour later, in every list and on the dashboard's banner, until
its own end. Publishing refuses such an all clear, saying why; one without `expires_in` (a week)
or lasting past the alert is published as before."""
from __future__ import annotations

from pathlib import Path

import pytest

from node import publishing
from node.kind_input import PublishError
from node.log import now_ms
from node.views import view
from node_fixtures import Net, wires

MINUTE = 60_000


def _log(net: Net, tmp_path: Path):
    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    return log


def _alert(net: Net, log):
    return publishing.publish(log, net.founder, "alert", {"region": "calais", "type": "raid", "text": "Raid at the camp"},
                              expires_in="48h")


def test_an_all_clear_ending_before_its_alert_is_refused(net: Net, tmp_path: Path) -> None:
    log = _log(net, tmp_path)
    alert = _alert(net, log)
    with pytest.raises(PublishError) as refused:
        publishing.publish(log, net.founder, "alert.update", {"alert": alert.id.hex(), "status": "all_clear",
                                                              "text": "Police gone"}, expires_in="1h")
    assert refused.value.field == "expires_in"
    assert "live again" in str(refused.value) and "leave 'expires_in' out" in str(refused.value), refused.value
    assert [a["id"] for a in view(log, "alerts", now=now_ms())] == [alert.id], "nothing was signed: still live"


@pytest.mark.parametrize("expires_in", [None, "49h"])
def test_an_all_clear_lasting_past_its_alert_keeps_it_ended(net: Net, tmp_path: Path, expires_in) -> None:
    log = _log(net, tmp_path)
    alert = _alert(net, log)
    clear = publishing.publish(log, net.founder, "alert.update", {"alert": alert.id.hex(), "status": "all_clear",
                                                                  "text": "Police gone"}, expires_in=expires_in)
    assert clear.header.expires >= alert.header.expires
    later = now_ms() + 2 * 60 * MINUTE
    log.purge_expired(later)
    assert view(log, "alerts", now=later) == [], "the all clear still says the raid is over"
    # (the harm the refusal prevents: with the all clear gone, the same alert reads as live again)
    log.purge_expired(clear.header.expires + MINUTE)
    assert view(log, "alerts", now=alert.header.expires + MINUTE) == []


def test_an_update_may_still_be_kept_a_short_while(net: Net, tmp_path: Path) -> None:
    """Only the all clear must outlast the alert: an update's expiry is how long it is kept."""
    log = _log(net, tmp_path)
    alert = _alert(net, log)
    update = publishing.publish(log, net.founder, "alert.update", {"alert": alert.id.hex(), "status": "update",
                                                                   "text": "Six vans now"}, expires_in="1h")
    assert update.header.expires < alert.header.expires
