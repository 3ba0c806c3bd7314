"""A link stays up while idle between anti-entropy rounds, even for longer than the per-message
timeout, and carries push gossip all that time.

Regression test: the receive timeout armed during a round used to outlive the round, so with a
sync interval above 15 s (the default is 30 s) every round that moved events was followed, 15 s
later, by "no message for 15 s" and a dropped link.
"""
from __future__ import annotations

import re
import time

from local_cluster import Cluster, holds, log_text, open_links, publish, publish_action
from node.demo import localnet

IDLE_S = 17  # longer than the 15 s per-message timeout
ROUND_MOVED = re.compile(r": synced, received \d+, sent \d+")  # (logged by a round that moved events)


def test_idle_link_survives_longer_than_the_message_timeout(cluster: Cluster) -> None:
    calais, bristol = cluster.network([("Calais", "calais"), ("Bristol", "bristol")])
    localnet.line([bristol, calais])
    # Events on both sides, so the first round moves data both ways (the case that used to drop).
    from_calais = publish_action(calais, "Waiting for Bristol")
    from_bristol = publish_action(bristol, "Waiting for Calais", region="bristol")
    cluster.start(calais, sync_interval=60)
    cluster.start(bristol, sync_interval=60)
    cluster.wait(lambda: holds(calais, from_bristol) and holds(bristol, from_calais), 15, "the first round")
    # The round's log line follows its commit: wait for it too (the events alone may be read first).
    cluster.wait(lambda: re.search(r"synced, received 1, sent 1", log_text(bristol)) is not None, 10,
                 "Bristol logging a round that moved one event each way")

    time.sleep(IDLE_S)
    for node in (calais, bristol):
        assert open_links(node) == 1, f"{node.name} lost its idle link:\n{log_text(node)}"
        assert "disconnected" not in log_text(node), log_text(node)

    # Pushed over the live link: with rounds a minute apart, none carries it first (a round that moves
    # an event says so in the log; not a time, which a loaded machine stretches: it was 3 s here)
    marks = {node.name: len(log_text(node)) for node in (calais, bristol)}
    alert = publish(calais, "alert", region="calais", type="eviction", location="Rue des Verrotières",
                    text="Eviction under way")
    cluster.wait(lambda: holds(bristol, alert), 30, "an alert pushed over the idle link")
    for node in (calais, bristol):
        rounds = ROUND_MOVED.findall(log_text(node)[marks[node.name]:])
        assert rounds == [], f"a round, not push, carried the alert ({node.name}: {rounds})"
