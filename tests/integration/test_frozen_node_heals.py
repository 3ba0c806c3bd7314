"""A frozen node (SIGSTOP) partitions a line; its neighbours keep working; after SIGCONT all heal.

Line D - A - M - C (each dials the next). M is frozen for longer than the per-message timeout,
so the nodes around it must notice a silent peer, give up on it without hanging, and redial it
once it is back. Events are published on both sides of the cut while it lasts.
"""
from __future__ import annotations

import signal
import time

from local_cluster import Cluster, event_ids, holds, open_links, publish, publish_action, status
from node.demo import localnet

FROZEN_S = 17  # past the 15 s no-progress timeout of a round: the others may give up on M and redial


def test_sigstopped_middle_node_partitions_then_heals(cluster: Cluster) -> None:
    d, a, m, c = cluster.network([("Dover", "dover"), ("Calais", "calais"), ("Manchester", "manchester"),
                                  ("Cardiff", "cardiff")])
    localnet.line([d, a, m, c])
    line = [d, a, m, c]
    cluster.start_all(line)
    cluster.wait(lambda: [open_links(n) for n in line] == [1, 2, 2, 1], 20, "the three links of the line up")
    first = publish_action(a, "Before the cut")
    cluster.wait(lambda: all(holds(n, first) for n in line), 15, "a first event everywhere")

    m.proc.send_signal(signal.SIGSTOP)
    frozen_at = time.monotonic()
    try:
        on_a = publish_action(a, "Calais, during the cut")
        on_d = publish(d, "need", category="sleeping bags", quantity=40, region="dover")
        on_c = publish_action(c, "Cardiff, during the cut", region="cardiff")
        # The frozen neighbour must not hold up the link between D and A.
        cluster.wait(lambda: holds(d, on_a) and holds(a, on_d), 5, "D and A exchanging events while M is frozen")
        assert not holds(c, on_a) and not holds(a, on_c), "the cut is not a cut"

        # Still working once the silent peer has been given up on.
        time.sleep(max(0.0, FROZEN_S - 3 - (time.monotonic() - frozen_at)))
        late = publish(a, "alert", region="calais", type="raid", location="Coquelles", text="Checks at the terminal")
        cluster.wait(lambda: holds(d, late), 5, "an alert from A reaching D late in the cut")
        assert not holds(c, late)
        time.sleep(max(0.0, FROZEN_S - (time.monotonic() - frozen_at)))
        assert m.proc.poll() is None
        assert d.proc.poll() is None and a.proc.poll() is None and c.proc.poll() is None
    finally:
        m.proc.send_signal(signal.SIGCONT)
    resumed = time.monotonic()

    expected = {first, on_a, on_d, on_c, late}
    names = {first: "first", on_a: "on A", on_d: "on D", on_c: "on C", late: "late alert on A"}
    if not localnet.wait_until(lambda: all(expected <= event_ids(n) for n in line), 20):
        missing = {n.name: sorted(names[i] for i in expected - event_ids(n)) for n in line}
        raise AssertionError(f"not healed 20 s after SIGCONT; missing: {missing}\n{cluster.log_tails(12)}")
    cluster.wait(lambda: cluster.converged(line), 15, "identical event sets after the heal")
    print(f"healed {time.monotonic() - resumed:.2f} s after SIGCONT (frozen {resumed - frozen_at:.1f} s)")
    digests = {status(n)["frontier_digest"] for n in line}
    assert len(digests) == 1, digests
    cluster.wait(lambda: [open_links(n) for n in line] == [1, 2, 2, 1], 20, "the line's links up again")
