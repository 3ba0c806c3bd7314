"""A thief's flood against a long pinned chain costs each of its events a set lookup, not a walk of
the chain, on real SQLite stores.

While a group's pin of a seized phone's chain counts, every event of the thief's that must give
way in the device's share of what is kept past its fork point asks which ids are on the pinned
chain (node/store/trust.py `keep_forked`). That chain was walked again, link by link through the
store (up to 2,000 lookups), for each such event that came in a batch of its own: 24 ms an event
with a chain of 2,000. The walk is now a fact the store keeps in step (node/store/pinned_chains.py).
And every event of the flood kept (while the share had room) asked again whether the pinned chain
was whole, reading and decoding every row kept past the fork point (8 ms an event with 100 rows):
the kept walk says it is not, without reading them.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from events.format import Event
from node.log import EventLog, now_ms
from node.store.trust import ForkedLimits, TrustTables
from node_fixtures import Author
from test_order_independence import World, certified_world, ingest_in
from test_pinned_chain_after_a_flood import unstored_kept

CHAIN = 40  # the owner's events past the fork point
SHARE = CHAIN + 4  # the device's share of events never in the log: full once a few of the flood are in


@pytest.fixture(autouse=True)
def small_share(monkeypatch) -> None:
    monkeypatch.setattr("node.store.trust.FORKED_LIMITS", ForkedLimits(per_author_events=SHARE, events=3 * SHARE))


class LongChain:
    """g1 signs seq 1 to CHAIN + 2 (alerts); a thief with a copy of its key forks it at seq 3; G1
    revokes g1 from the seq after the owner's last and pins that last one. The owner's seq 4 never
    came (the pin cannot undo the fork: its chain is followed from the pin down to seq 5)."""

    def __init__(self) -> None:
        self.world: World = certified_world()
        g1 = self.world.authors["g1"]
        self.own = [g1.sign("alert", {"region": "calais", "type": "raid", "text": f"owner alert {i}"},
                            expires=now_ms() + 3_600_000) for i in range(CHAIN + 2)]
        self.pin = self.world.authors["G1"].sign("member.revoke", {
            "subject": self.world.pub("g1"), "from_seq": len(self.own) + 1, "reason": "seized",
            "pin": self.own[-1].id})
        thief = Author(self.world.keys["g1"], self.world.genesis.network_id, seq=2, prev=self.own[1].id)
        self.thief = [thief.sign("alert", {"region": "calais", "type": "raid", "text": f"all calm ({i})"},
                                 expires=now_ms() + 3_600_000) for i in range(200)]

    def pinned(self, path: Path) -> EventLog:
        """The fork at seq 3, the owner's seq 5 on, the pin: the share nearly full of the chain."""
        order = self.own[:3] + self.thief[:1] + self.own[4:] + [self.pin]
        base = len(self.world.events)
        return ingest_in(path, self.world, list(self.world.events) + order, [base + 3, base + 4, base + len(order) - 1])


def kept_ids(log: EventLog, author: bytes) -> list[bytes]:
    return [event_id for event_id, *_ in log.store.forked_of(author)]


def flood_lookups(log: EventLog, flood: list[Event], monkeypatch) -> int:
    """How many links of kept events the store looks up while `flood` comes, one event a batch."""
    calls = [0]
    lookup = TrustTables.kept_link

    def counted(self, author: bytes, event_id: bytes):
        calls[0] += 1
        return lookup(self, author, event_id)

    with monkeypatch.context() as patch:
        patch.setattr(TrustTables, "kept_link", counted)
        for ev in flood:
            log.ingest([ev.encode()])
    return calls[0]


@pytest.mark.parametrize("flood", [30, 120])
def test_each_event_of_a_flood_looks_up_no_pinned_chain_again(tmp_path: Path, monkeypatch, flood: int) -> None:
    """A flood of `flood` events one a batch, each past the share: the chain's links are looked up
    a bounded number of times per event (its open end, seq 4, which may come), not CHAIN times;
    the set kept is the one kept when the flood comes in one batch, or highest seq first."""
    s = LongChain()
    g1 = s.world.pub("g1")
    log = s.pinned(tmp_path / "one-by-one.db")
    assert log.trust.fork_point(g1) == 3 and log.trust.member(g1).pinned == (len(s.own) + 1, s.own[-1].id)
    lookups = flood_lookups(log, s.thief[1:flood + 1], monkeypatch)
    assert lookups <= CHAIN + 2 * flood, f"{lookups} lookups of the pinned chain's links for {flood} events"
    assert unstored_kept(log, g1) == SHARE
    for name, batches in (("one batch", [s.thief[1:flood + 1]]),
                          ("highest first", [[ev] for ev in reversed(s.thief[1:flood + 1])])):
        other = s.pinned(tmp_path / f"{name}.db")
        for batch in batches:
            other.ingest([ev.encode() for ev in batch])
        assert sorted(kept_ids(other, g1)) == sorted(kept_ids(log, g1)), name
        other.store.close()
    log.store.close()


@pytest.mark.parametrize("flood", [30, 120])
def test_a_flood_kept_reads_the_rows_kept_no_more_for_each_event(tmp_path: Path, monkeypatch, flood: int) -> None:
    """A flood of `flood` events one a batch, with room in the share for all of them: each event kept
    asked again whether the pinned chain is whole now, which read (and decoded) every row kept past
    the fork point. Now the kept walk of the chain says it is not, and no row is read; the rows
    kept are the same as when the flood comes in one batch, or highest seq first."""
    monkeypatch.setattr("node.store.trust.FORKED_LIMITS", ForkedLimits(per_author_events=CHAIN + 200, events=1000))
    s = LongChain()
    g1 = s.world.pub("g1")
    log = s.pinned(tmp_path / "one-by-one.db")
    before = unstored_kept(log, g1)
    read = [0]
    rows_of = TrustTables.forked_of

    def counted(self, author: bytes):
        rows = rows_of(self, author)
        read[0] += len(rows)
        return rows

    with monkeypatch.context() as patch:
        patch.setattr(TrustTables, "forked_of", counted)
        for ev in s.thief[1:flood + 1]:
            log.ingest([ev.encode()])
    assert read[0] <= CHAIN + 2 * flood, f"{read[0]} kept rows read for {flood} events"
    assert unstored_kept(log, g1) == before + flood  # (all kept: room for them)
    other = s.pinned(tmp_path / "highest-first.db")
    for ev in reversed(s.thief[1:flood + 1]):
        other.ingest([ev.encode()])
    assert sorted(kept_ids(other, g1)) == sorted(kept_ids(log, g1))
    for each in (log, other):
        each.store.close()
