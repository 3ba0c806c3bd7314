"""A group that leaves the network (`solnet revoke OWN_GROUP_ID`: its devices revoked from their next
event, then its group key) keeps what it signed before: an all clear its device gave before the
revocation ends the alert on a third node whatever order the alert, the all clear and the two
revocations reach it in (design rule 8 and order independence). On real SQLite files."""
from __future__ import annotations

from itertools import permutations
from pathlib import Path

from node.views import view
from test_order_independence import ALERT_UNTIL, NOW, certified_world, ingest_in

REGION = {"region": "dunkerque"}


def test_an_all_clear_signed_before_leaving_ends_the_alert_in_every_order(tmp_path: Path) -> None:
    world = certified_world()
    base = list(world.events)
    g2, group = world.authors["g2"], world.authors["G2"]
    alert = g2.sign("alert", {"type": "raid", "text": "Raid at Puythouck", **REGION}, expires=ALERT_UNTIL)
    clear = g2.sign("alert.update", {"alert": alert.id, "status": "all_clear", "text": "police gone"},
                    expires=ALERT_UNTIL)
    device_out = group.sign("member.revoke", {"subject": world.pub("g2"), "from_seq": g2.seq + 1,
                                              "reason": "group dissolved"})
    group_out = group.sign("member.revoke", {"subject": world.pub("G2"), "from_seq": group.seq + 2,
                                             "reason": "group dissolved"})
    # Every order of the all clear and the two revocations; the alert first, or last (held pending
    # behind a gap in its author's chain until then: it is seq 1)
    orders = [(alert, *o) if i % 2 else (*o, alert) for i, o in enumerate(permutations([clear, device_out, group_out]))]
    for i, order in enumerate(orders):
        log = ingest_in(tmp_path / f"{i}.db", world, base + list(order), list(range(len(base) + 1, len(base) + 4)))
        try:
            assert view(log, "alerts", now=NOW, limit=100, peers=[]) == [], order
            [ended] = view(log, "alert-history", now=NOW, limit=100, peers=[])
            assert ended["status"] == "all_clear" and ended["group_gone"] == "left", (order, ended)
        finally:
            log.store.close()
