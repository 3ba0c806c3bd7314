"""A node whose clock ran ahead, then was set right: its events stamped ahead no longer silence it.

A laptop that boots an hour ahead signs an alert stamped an hour ahead: its peer refuses it. Once a
time server sets the clock right, the node's next alert, rightly stamped, used to wait on the peer
behind the refused one (a chain goes in seq by seq) for the hour less 10 minutes, and nothing told
its operator why. Now the node says how many of its events wait and until when, the peer's log names
the group whose events it refuses, `solnet peers` counts them as lacking there, and the next
alert carries both in (node/stamped_ahead.py). The clock is stepped with libfaketime, as in
test_clock_set_back.py.
"""
from __future__ import annotations

from pathlib import Path

from local_cluster import Cluster, cli, holds, log_text, publish
from test_clock_set_back import stepped_clock

HOUR_S = 3600


def test_a_clock_set_right_lets_its_next_alert_through_with_the_ones_stamped_ahead(cluster: Cluster,
                                                                                   tmp_path: Path) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    calais.peers = [bristol.port]
    stamp, env = stepped_clock(tmp_path, "+1h", HOUR_S)
    cluster.start(bristol)
    cluster.start(calais, extra_env=env)
    ahead = publish(calais, "alert", region="calais", type="raid", text="Stamped an hour ahead")
    cluster.wait(lambda: "events of Calais from peers were refused" in log_text(bristol), 30,
                 "Bristol's log naming the group whose events it refuses")
    assert not holds(bristol, ahead)

    stamp.write_text("+0\n")  # the time server sets Calais's clock right
    cluster.wait(lambda: "1 event of this device waits at peers until" in cli(calais, "status").stdout, 30,
                 "Calais saying that its event stamped ahead waits at its peers")
    said = cli(calais, "status").stdout
    assert "clock may be ahead" not in said and "Publish anything" in said, said
    cluster.wait(lambda: "1 event they lack" in cli(calais, "peers").stdout, 30,
                 "`solnet peers` counting the event Bristol holds back (was: 0 events they lack)")

    right = publish(calais, "alert", region="calais", type="raid", text="Police at the hospital camp")
    cluster.wait(lambda: holds(bristol, right) and holds(bristol, ahead), 20,
                 "Calais's rightly stamped alert on Bristol, with the one stamped ahead (was: held for 50 min)")
    cluster.wait(lambda: "at peers until" not in cli(calais, "status").stdout, 30,
                 "Calais no longer saying that events wait")
