"""Peers revoked after they lacked this device's events round after round say nothing of this
node's clock (node/clock.py OwnEventsRefused), whichever came first, their rounds or the
revocation, against a real SQLite log and the real peer policy.

Until 2026-12-06 moles of two lineages (G2 and G3, each admitted by the founder) could each finish
two complete rounds and go on claiming they lacked this device's events: every node they reached
said "peers of 2 groups did not take this node's events ... this clock may be ahead". Once the
founder revoked both groups their links closed, but their notes kept the warning up for
DOUBT_WINDOW_MS (30 minutes), leading an admin with a right clock to change it."""
from __future__ import annotations

import random
from pathlib import Path

from node.clock import OwnEventsRefused
from node.log import now_ms
from node.net.peer_policy import PeerPolicy
from sync.peers import PeerBook, PeerLimits
from test_order_independence import certified_world, ingest_in


def _lacking_rounds(refused: OwnEventsRefused, policy: PeerPolicy, devices: list[bytes], now: int) -> None:
    """Two complete rounds with each of `devices` streamed it seq 5..7; it lacks them again."""
    for device in devices:
        refused.round_done(device, (5, 7), now, policy.group_of(device))
        refused.round_done(device, (5, 7), now + 1, policy.group_of(device))


def test_moles_revoked_after_lacking_this_devices_events_say_nothing(tmp_path: Path) -> None:
    world = certified_world()  # F founded the network and admitted G1, G2 and G3 (each its own lineage)
    expel = [world.authors["F"].sign("member.revoke", {"subject": world.pub(g), "from_seq": 1, "reason": "moles"})
             for g in ("G2", "G3")]
    moles = [world.pub("g2"), world.pub("g3")]
    for name in ("revoked after the rounds", "revoked between", "revoked before"):
        log = ingest_in(tmp_path / f"{name}.db", world, world.events, [])
        try:
            policy = PeerPolicy(PeerLimits(), lambda: log, lambda: PeerBook(random.Random(1)))
            refused = OwnEventsRefused(policy.lineages, policy.speaks_for_group)
            now = now_ms()
            if name == "revoked before":
                log.ingest([e.encode() for e in expel])
            _lacking_rounds(refused, policy, moles[:1], now)
            if name == "revoked between":
                log.ingest([expel[0].encode()])
            _lacking_rounds(refused, policy, moles[1:], now + 10)
            if name == "revoked after the rounds":
                assert refused.refused(now + 20) == (2, 5), name  # members of two lineages: said, while they count
            log.ingest([e.encode() for e in expel])  # (again, where some came before: duplicates)
            assert refused.refused(now + 20) is None, name
            assert refused.refused(now + 60_000) is None, name
        finally:
            log.store.close()


def test_a_seized_phone_revoked_by_its_group_says_nothing_either(tmp_path: Path) -> None:
    """G3's own group key revokes its device g3 (seized, pinned at its last honest event): g3's
    rounds no longer count; an honest device of another lineage with g2 still does."""
    world = certified_world()
    log = ingest_in(tmp_path / "h.db", world, world.events, [])
    try:
        policy = PeerPolicy(PeerLimits(), lambda: log, lambda: PeerBook(random.Random(1)))
        refused = OwnEventsRefused(policy.lineages, policy.speaks_for_group)
        now = now_ms()
        _lacking_rounds(refused, policy, [world.pub("g2"), world.pub("g3")], now)
        assert refused.refused(now + 2) == (2, 5)
        log.ingest([world.authors["G3"].sign("member.revoke", {"subject": world.pub("g3"), "from_seq": 1,
                                                               "reason": "seized"}).encode()])
        assert refused.refused(now + 2) is None
        _lacking_rounds(refused, policy, [world.pub("g1")], now + 3)
        assert refused.refused(now + 5) == (2, 5)
    finally:
        log.store.close()

