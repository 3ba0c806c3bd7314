"""A thief's flood cannot keep a seized phone's own chain out of a pin, on real SQLite stores.

The attack (review of 2026-12-05): device g1 of G1 signs its seq 1-5. A thief with a copy of its key
forks it at seq 3 and signs many events on its branches. G1 revokes g1 from seq 6 and pins its seq 5
(docs/design.md section 5.6 rule 12). A node that saw the fork at seq 3, then the flood, then the
owner's seq 4-5, had filled the device's share of the events kept past the fork point with the
thief's, first come first kept: the owner's seq 4-5 were not kept, the pin could not rebuild the
chain, the fork stood (the owner's alerts at seq 4-5 gone), and sending them again was refused as
`author_frozen`, for good. Where the owner's chain came first, the pin undid the fork.

Now a device's lowest (seq, id) are kept within its share, so a flood at higher seqs gives way to
the owner's; and once the pin is known, the events provably on the pinned chain are always kept
(they push the others out), so a flood at the fork point itself gives way when a peer sends the
chain again, which sync does (the peer's head is above this node's).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from events import errors as E
from events.format import Event
from node.log import EventLog, now_ms
from node.outcome import ACCEPTED, DUPLICATE
from node.store.trust import ForkedLimits
from node_fixtures import Author
from sync.antientropy import Head, SendEvidence, ranges_to_send
from sync.messages import HEAD_PREFIX
from test_order_independence import World, certified_world, ingest_in, state

SHARE = 12  # the device's share of events never in the log, kept past its fork point (here)


@pytest.fixture(autouse=True)
def small_share(monkeypatch) -> None:
    monkeypatch.setattr("node.store.trust.FORKED_LIMITS", ForkedLimits(per_author_events=SHARE, events=3 * SHARE))


class Seizure:
    """g1's own seq 1-5 (alerts), the thief's events on its copy of the key, G1's pinned revocation."""

    def __init__(self) -> None:
        self.world: World = certified_world()
        self.base = list(self.world.events)
        g1 = self.world.authors["g1"]
        self.own = [g1.sign("alert", {"region": "calais", "type": "raid", "text": f"owner alert {i}"},
                            expires=now_ms() + 3_600_000) for i in range(1, 6)]
        self.pin = self.world.authors["G1"].sign("member.revoke", {
            "subject": self.world.pub("g1"), "from_seq": 6, "reason": "seized", "pin": self.own[4].id})

    def branch(self, length: int, tag: str) -> list[Event]:
        """A branch of the thief's from seq 3 (after the owner's seq 2): a fork at seq 3."""
        thief = Author(self.world.keys["g1"], self.world.genesis.network_id, seq=2, prev=self.own[1].id)
        return [thief.sign("alert", {"region": "calais", "type": "raid", "text": f"all calm, go home ({tag} {i})"},
                           expires=now_ms() + 3_600_000) for i in range(length)]

    def log(self, path: Path, order: list[Event], cuts: list[int] = ()) -> EventLog:
        return ingest_in(path, self.world, self.base + order, [len(self.base) + c for c in cuts])

    def flood_first(self, path: Path, flood: list[Event]) -> EventLog:
        """The fork seen at seq 3, the flood, the owner's seq 4-5, the pin: each a batch of its own."""
        return self.log(path, self.own[:3] + flood + self.own[3:] + [self.pin],
                        [3, 3 + len(flood), 5 + len(flood)])

    def assert_owners_chain(self, log: EventLog, where: str) -> None:
        g1 = self.world.pub("g1")
        assert log.trust.fork_point(g1) is None, f"the thief's fork still freezes g1 ({where})"
        assert log.trust.member(g1).revoked_from == 6, where
        assert [e.id for e in self.own if log.store.event_row(e.id)] == [e.id for e in self.own], where


def unstored_kept(log: EventLog, author: bytes) -> int:
    return sum(not stored for *_, stored in log.store.forked_of(author))


def test_the_thiefs_flood_before_the_owners_last_events_ends_as_where_the_owners_came_first(tmp_path: Path) -> None:
    """The reviewer's orders: the owner's chain, then the thief's branch (more than the share), then
    the pin; and the fork seen at seq 3, the flood, then the owner's seq 4-5, then the pin. The
    same state, in several batch splits."""
    s = Seizure()
    flood = s.branch(3 * SHARE, "a")
    first = s.log(tmp_path / "owner-first.db", s.own + flood + [s.pin])
    s.assert_owners_chain(first, "owner's chain first")
    expected = state(first)
    for n, cuts in enumerate(([], list(range(len(flood) + 6)), [3, 4, 3 + SHARE, 3 + len(flood), 4 + len(flood)])):
        log = s.log(tmp_path / f"flood-first-{n}.db", s.own[:3] + flood + s.own[3:] + [s.pin], cuts)
        s.assert_owners_chain(log, f"flood first, cuts {cuts}")
        got = state(log)
        assert [part for part in expected if got[part] != expected[part]] == [], cuts
        log.store.close()
    first.store.close()


def fork_point_flood(s: Seizure) -> list[Event]:
    """More branches at seq 3 than the share holds (each a lower seq than the owner's 4-5), and one
    long one: nothing tells the owner's seq 4-5 from the thief's until the pin comes."""
    return [e for n in range(SHARE + 4) for e in s.branch(1, f"b{n}")] + s.branch(2 * SHARE, "long")


def test_the_owners_chain_sent_again_after_the_pin_goes_in_whatever_the_flood(tmp_path: Path) -> None:
    """A flood at the fork point itself fills the share with events below the owner's seq 4-5, so a
    node that got them first cannot keep those (a thief can sign without end). Once the pin is
    known, the owner's chain sent again (what sync does) is kept whatever the share, and the fork
    is undone: the same state as where the owner's chain came first."""
    s = Seizure()
    flood = fork_point_flood(s)
    first = s.log(tmp_path / "owner-first.db", s.own + flood + [s.pin])
    s.assert_owners_chain(first, "owner's chain first")
    log = s.flood_first(tmp_path / "flood-first.db", flood)
    g1 = s.world.pub("g1")
    assert log.trust.fork_point(g1) == 3  # the owner's seq 4-5 had no room: the pin waits for them
    again = log.ingest([e.encode() for e in s.own])
    assert [o.status for o in again] == [DUPLICATE, DUPLICATE, ACCEPTED, ACCEPTED, ACCEPTED], again
    s.assert_owners_chain(log, "sent again")
    got, expected = state(log), state(first)
    assert [part for part in expected if got[part] != expected[part]] == []
    # one at a time, in seq order (a peer's batches cut anywhere): the same
    other = s.flood_first(tmp_path / "one-by-one.db", flood)
    for ev in s.own:
        other.ingest([ev.encode()])
    for ev in s.own:  # (the round after: the link to the pin is kept now)
        other.ingest([ev.encode()])
    s.assert_owners_chain(other, "one by one")
    assert state(other) == expected
    for each in (first, log, other):
        each.store.close()


def sync_round(a: EventLog, b: EventLog) -> int:
    """One anti-entropy round between two stores as sync plans it (sync/antientropy.py), each
    side's plan carried out as a link does (node/net/peer_link.py `_stream`); how many events went."""
    sent = 0
    plans = []
    for mine, theirs in ((a, b), (b, a)):
        table = {h[0]: (h[1], h[2][:HEAD_PREFIX]) for h in theirs.store.heads()}
        plans.append((mine, theirs, ranges_to_send([Head(*h) for h in mine.store.heads()], table,
                                                   forks=mine.trust.forks)))
    for mine, theirs, plan in plans:
        for r in plan:
            wires = (mine.store.fork_evidence(r.author) if isinstance(r, SendEvidence)
                     else [w for _, w in mine.store.range_wire(r.author, r.first, r.last, 500)])
            theirs.ingest(wires)
            sent += len(wires)
    return sent


def test_sync_with_a_node_that_holds_the_owners_chain_undoes_the_fork(tmp_path: Path) -> None:
    """The node frozen by the flood claims g1's head at seq 2; the peer that holds the owner's chain
    (its head at seq 5) streams seq 3-5, which now stay and undo the fork: after the round both
    hold the same, and a second round has nothing to send."""
    s = Seizure()
    flood = fork_point_flood(s)
    holder = s.log(tmp_path / "holder.db", s.own + flood + [s.pin])
    frozen = s.flood_first(tmp_path / "frozen.db", flood)
    g1 = s.world.pub("g1")
    assert frozen.store.head(g1)[0] == 2 and holder.store.head(g1) == (5, s.own[4].id)
    assert sync_round(holder, frozen) > 0
    s.assert_owners_chain(frozen, "after a round")
    assert sorted(frozen.store.heads()) == sorted(holder.store.heads())
    assert state(frozen) == state(holder)
    assert sync_round(holder, frozen) == 0
    holder.store.close()
    frozen.store.close()


def test_what_is_kept_past_the_fork_stays_bounded_whatever_the_branches(tmp_path: Path) -> None:
    """Branches at every seq around the pinned chain, before the pin and after it, and the owner's
    chain sent again and again: the rows never in the log stay within the device's share, and the
    pin still undoes the fork."""
    s = Seizure()
    g1 = s.world.pub("g1")
    log = s.log(tmp_path / "flood.db", s.own[:3])
    waves = [fork_point_flood(s), s.branch(3 * SHARE, "c"), [s.pin], fork_point_flood(s), s.own,
             fork_point_flood(s) + s.branch(3 * SHARE, "d"), s.own]
    for n, wave in enumerate(waves):
        for i in range(0, len(wave), 7):
            log.ingest([e.encode() for e in wave[i:i + 7]])
            assert unstored_kept(log, g1) <= SHARE, f"wave {n}"
    s.assert_owners_chain(log, "after the floods")
    assert log.store.forged_count(g1) > 0  # the thief's branches below seq 6: refused as off the pinned chain
    log.store.close()


def test_the_pinned_chain_pushes_out_the_thiefs_events_within_the_share(tmp_path: Path) -> None:
    """At the store: with the share full of the thief's events at the fork point, the owner's seq 4-5
    are kept once the pin names them, and the share holds as many as before."""
    s = Seizure()
    g1 = s.world.pub("g1")
    log = s.flood_first(tmp_path / "share.db", fork_point_flood(s))
    assert log.trust.fork_point(g1) == 3 and unstored_kept(log, g1) == SHARE
    outcomes = log.ingest([s.own[3].encode()])  # the link below the pin, alone: not yet provably on the chain
    assert outcomes[0].reason == E.FROZEN and not any(i == s.own[3].id for i, *_ in log.store.forked_of(g1))
    log.ingest([s.own[4].encode()])  # the pin's own event: kept
    assert unstored_kept(log, g1) == SHARE and any(i == s.own[4].id for i, *_ in log.store.forked_of(g1))
    log.ingest([s.own[3].encode()])  # now the prev of a kept one on the chain: kept, and the chain is whole
    s.assert_owners_chain(log, "link by link")
    log.store.close()


def other_devices_forked(s: Seizure) -> list[Event]:
    """g2 and g3 (phones seized in the same raid, or an accomplice member forking its own devices)
    each sign seq 1 and then SHARE branches of it; x forks once: the share of all devices nearly full."""
    out = []
    for device, branches in (("g2", SHARE), ("g3", SHARE), ("x", 1)):
        key, network = s.world.keys[device], s.world.genesis.network_id
        out.append(Author(key, network).sign("alert", {"region": "calais", "type": "raid", "text": f"{device} own"},
                                             expires=now_ms() + 3_600_000))
        out += [Author(key, network).sign("alert", {"region": "calais", "type": "raid", "text": f"{device} fork {i}"},
                                          expires=now_ms() + 3_600_000) for i in range(branches)]
    return out


def test_other_devices_forks_filling_the_share_of_all_do_not_keep_the_pinned_chain_out(tmp_path: Path) -> None:
    """Each other forked device held a row more than the phone: the phone's pinned chain was refused
    room in all before its pin was looked at, for good, on the node where the floods came first."""
    s = Seizure()
    thief = [e for n in range(SHARE - 1) for e in s.branch(1, f"b{n}")]
    others = other_devices_forked(s)
    s.assert_owners_chain(s.log(tmp_path / "owner-first.db", s.own + thief + others + [s.pin]), "owner's chain first")
    log = s.log(tmp_path / "floods-first.db", s.own[:3] + others + thief + s.own[3:] + [s.pin],
                [3 + len(others), 3 + len(others) + len(thief), 5 + len(others) + len(thief)])
    log.ingest([e.encode() for e in s.own])  # sent again, as sync does
    s.assert_owners_chain(log, "the owner's chain sent again")
