"""A Raspberry Pi whose clock was set back (no real-time clock: after a power cut it boots in the past
until it reaches a time server) finds its own newest events stamped after its clock. Its peers hold
them: they took them when their clocks read that time, so this clock is the one behind. Until
2026-12-08 the node said the opposite, that those events "wait at peers" and "This clock is right
now. Publish anything", and a raid alert published on that word was stamped three days back and
stored by every peer as long expired. The node says its clock is likely behind and what publishing
now does. The clock is stepped with libfaketime, as in test_clock_set_back.py.
"""
from __future__ import annotations

from pathlib import Path

from local_cluster import Cluster, cli, log_text
from test_clock_set_back import stepped_clock
from test_key_elsewhere import stopped_after_its_first_alert

THREE_DAYS_S = 3 * 86400


def test_a_clock_set_back_under_events_peers_hold_is_said_behind_not_right(cluster: Cluster, tmp_path: Path) -> None:
    calais, _ = stopped_after_its_first_alert(cluster)  # a round found Bristol holding it
    _, env = stepped_clock(tmp_path, "-3d", -THREE_DAYS_S)  # the power cut: the Pi boots three days back
    cluster.start(calais, extra_env=env)
    cluster.wait(lambda: "WARNING" in cli(calais, "status").stdout, 30, "Calais's status warning of its clock")
    said = cli(calais, "status").stdout
    assert "This clock is right now" not in said and "wait at peers" not in said, said
    # said once: as peers' events say it (its alerts' expiry put off), or else as its own held events do
    assert ("this machine's clock is likely behind, by about 71 h 5" in said) != ("clock looks 71 h 5" in said), said
    assert "This clock is right now" not in log_text(calais), log_text(calais)
