"""The queue of events kept aside (pending) against a real SQLite file: bodies judged before an event is
kept, shares per author and for uncertified authors, the age limit, and no graph reload per junk vouch."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from crypto.keys import SigningKey
from events.canonical import unpack
from events.trust import device_consent
import node.log
from node import pending_queue
from events.genesis import make_genesis
from node.log import EventLog, now_ms
from node.store import Store
from node.pending_queue import PendingLimits, PendingTally, refusal
from node_fixtures import Author, Net, action, device_vouch, statuses, wires
from sync.peers import Penalties

NEED = {"category": "tents", "quantity": 3, "region": "calais"}
HOUR = 3_600_000


def _throwaway(net: Net) -> Author:
    return Author(SigningKey.generate(), net.genesis.network_id)


@pytest.fixture
def small(monkeypatch) -> PendingLimits:
    limits = replace(pending_queue.PENDING_LIMITS, per_author_events=3, uncertified_events=5)
    monkeypatch.setattr(pending_queue, "PENDING_LIMITS", limits)
    return limits


def test_shares_are_checked_per_author_then_uncertified_then_in_all() -> None:
    limits = PendingLimits(events=4, bytes=10_000, per_author_events=2, per_author_bytes=1_000,
                           uncertified_events=3, uncertified_bytes=10_000)
    tally = PendingTally()
    a, b, c = b"a" * 32, b"b" * 32, b"c" * 32
    for author in (a, a):
        assert refusal(tally, author, 100, True, limits) is None
        tally.add(author, 100, True)
    assert "its author's share" in refusal(tally, a, 100, True, limits)
    assert refusal(tally, b, 2_000, False, limits) is not None  # one event over the author's bytes
    tally.add(b, 100, True)
    assert "not certified" in refusal(tally, c, 100, True, limits)
    assert refusal(tally, c, 100, False, limits) is None  # a member's chain with a gap still fits
    tally.add(c, 100, False)
    assert "queue of events waiting is full" in refusal(tally, b"d" * 32, 100, False, limits)


def test_a_group_share_counts_its_authors_together() -> None:
    limits = PendingLimits(events=100, bytes=10_000, per_author_events=2, per_author_bytes=1_000,
                           uncertified_events=3, uncertified_bytes=10_000, per_group_events=3, per_group_bytes=10_000)
    tally = PendingTally()
    group, a, b = b"g" * 32, b"a" * 32, b"b" * 32
    for author in (a, a, b):
        assert refusal(tally, author, 100, False, limits, group=group) is None
        tally.add(author, 100, False, group)
    assert "its group's share" in refusal(tally, b, 100, False, limits, group=group)
    assert refusal(tally, b"c" * 32, 100, False, limits, group=b"h" * 32) is None


def test_a_body_that_breaks_its_kinds_rules_is_refused_not_kept(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    stranger = _throwaway(net)
    huge = stranger.sign("need", {**NEED, "notes": "x" * 60_000})  # notes: at most 500 characters
    bad_vouch = stranger.sign("member.vouch", {"subject": bytes(32), "role": "emperor"})
    gap = net.device.sign("need", {**NEED, "quantity": -3}, seq=5, prev=bytes(32))  # a member's, at a gap
    out = log.ingest(wires([huge, bad_vouch, gap]))
    assert [(o.status, o.reason) for o in out] == [("rejected", "bad_field")] * 3
    assert "notes" in out[0].message
    assert log.store.pending_count() == 0
    fine = stranger.sign("need", NEED)  # its next event (a gap after the refused ones) still waits
    assert statuses(log.ingest(wires([fine]))) == ["pending"]


def test_an_author_has_a_share_and_what_does_not_fit_comes_again(net: Net, tmp_path: Path, small) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    chain = [net.device.sign("action", action(i)) for i in range(6)]
    out = log.ingest(wires(chain[1:]))  # gossip: seq 2..6 before seq 1
    assert statuses(out) == ["pending"] * 3 + ["rejected"] * 2
    assert {o.reason for o in out[3:]} == {"not_kept"}
    assert "will be fetched again by sync" in out[3].message
    assert log.store.pending_count() == 3
    assert statuses(log.ingest(wires(chain[:1]))) == ["accepted"]
    assert log.store.head(bytes(net.founder.device.public))[0] == 4
    assert statuses(log.ingest(wires(chain[4:]))) == ["accepted"] * 2  # the next sync round
    assert len(log.store.rows("action")) == 6 and log.store.pending_count() == 0


def test_the_devices_of_one_group_share_one_part_of_the_queue(net: Net, tmp_path: Path, monkeypatch) -> None:
    """A group key certifies as many devices as it likes: 20 devices of an infiltrating group, 1,000
    events each whose first seq never comes, filled the whole queue for a day. Now the devices of one
    group fill its share only, and another group's chain with a gap still finds room."""
    limits = replace(pending_queue.PENDING_LIMITS, per_author_events=3, per_group_events=5, events=8)
    monkeypatch.setattr(pending_queue, "PENDING_LIMITS", limits)
    log = net.new_log(tmp_path / "a.db")
    hostile = [net.device_of(net.group) for _ in range(3)]
    other_group = Author(SigningKey.generate(), net.genesis.network_id)
    net.group.sign("member.vouch", {"subject": bytes(other_group.key.public), "role": "group"})
    other_device = net.device_of(other_group)
    log.ingest(wires(net.group.made + other_group.made))
    gaps = [d.sign("action", action(i), seq=i + 2, prev=bytes(32)) for d in hostile for i in range(3)]
    out = log.ingest(wires(gaps))
    assert statuses(out).count("pending") == 5
    refused = [o for o in out if o.status == "rejected"]
    assert {o.reason for o in refused} == {"not_kept"} and "its group's share" in refused[0].message
    honest = [other_device.sign("action", action(i)) for i in range(3)]
    assert statuses(log.ingest(wires(honest[1:]))) == ["pending", "pending"]  # the queue is not full
    assert statuses(log.ingest(wires(honest[:1]))) == ["accepted"]
    assert len(log.store.rows("action")) == 3


def test_throwaway_keys_fill_only_their_share(net: Net, tmp_path: Path, small) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    junk = [_throwaway(net).sign("need", NEED) for _ in range(8)]
    out = log.ingest(wires(junk))
    assert sorted(statuses(out)) == ["pending"] * 5 + ["rejected"] * 3
    assert {o.reason for o in out if o.status == "rejected"} == {"not_kept"}
    # an honest member's event whose predecessor is late is still kept aside, then goes in
    first, second = net.device.sign("action", action(1)), net.device.sign("action", action(2))
    assert statuses(log.ingest(wires([second]))) == ["pending"]
    assert statuses(log.ingest(wires([first]))) == ["accepted"]
    assert len(log.store.rows("action")) == 2


def test_a_full_queue_costs_the_sending_peer_nothing() -> None:
    peer, now = Penalties(), now_ms()
    assert not peer.charge("not_kept", now, 25)  # 25 events of a relayed chain, its first one late
    assert peer.current_penalty(now) == 0 and peer.rejected_events == 0
    assert not peer.is_banned(now)


def test_events_kept_aside_too_long_are_dropped_and_come_again(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    t0 = now_ms()
    early = net.device.sign("action", action(1), ts=t0)  # its author's vouch is not here yet
    assert statuses(log.ingest(wires([early]), now=t0)) == ["pending"]
    later = t0 + pending_queue.PENDING_LIMITS.max_age_ms + 1
    other = _throwaway(net).sign("need", NEED, ts=later)
    assert statuses(log.ingest(wires([other]), now=later)) == ["pending"]
    assert log.store.pending_count() == 1  # the early one was dropped, the new one stays
    log.ingest(wires(net.group.made), now=later)  # the vouch arrives: nothing left to admit
    assert log.store.event_row(early.id) is None
    assert statuses(log.ingest(wires([early]), now=later)) == ["accepted"]  # sync fetches it again


def test_a_kept_aside_trust_event_drops_out_of_the_graph_with_age(net: Net, tmp_path: Path) -> None:
    """A vouch kept aside counts as a claim once a vouch reaches its author; dropped, it counts no more."""
    log = net.new_log(tmp_path / "a.db")
    t0 = now_ms()
    log.ingest(wires(net.group.made), now=t0)
    other = _throwaway(net)
    admit = net.group.sign("member.vouch", {"subject": bytes(other.key.public), "role": "group"}, ts=t0)
    log.ingest(wires([admit]), now=t0)
    device = SigningKey.generate()
    vouch = other.sign("member.vouch", device_vouch(other.key, device, bytes(32)), ts=t0, seq=2, prev=bytes(32))
    assert statuses(log.ingest(wires([vouch]), now=t0)) == ["pending"]  # waits for seq 1 of `other`
    assert log.trust.reaches(bytes(device.public))
    later = t0 + pending_queue.PENDING_LIMITS.max_age_ms + 1
    log.ingest(wires([net.device.sign("action", action(1), ts=later)]), now=later)
    assert log.store.pending_count() == 0
    assert not log.trust.reaches(bytes(device.public))


def test_junk_vouches_from_keys_nobody_reaches_do_not_reload_the_graph(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    junk = [_throwaway(net).sign("member.vouch", {"subject": bytes(SigningKey.generate().public), "role": "group"})
            for _ in range(40)]
    statements: list[str] = []
    log.store._db.set_trace_callback(statements.append)
    for ev in junk:
        assert statuses(log.ingest(wires([ev]))) == ["pending"]
    log.store._db.set_trace_callback(None)
    reloads = [s for s in statements if "FROM pending WHERE kind IN" in s]
    assert reloads == []
    assert log.store.pending_count() == 40


def test_a_vouch_kept_aside_unread_counts_once_its_author_is_admitted(net: Net, tmp_path: Path) -> None:
    """The reload skipped for a vouch nobody reached yet is not lost: the admission reads it."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    other = _throwaway(net)
    device_key = SigningKey.generate()
    device = Author(device_key, net.genesis.network_id)
    enc = bytes(32 * [7])
    vouch = other.sign("member.vouch", {"subject": bytes(device_key.public), "role": "device", "encryption_key": enc,
                                        "consent": device_consent(device_key, bytes(other.key.public), enc)})
    post = device.sign("need", NEED)
    assert statuses(log.ingest(wires([vouch, post]))) == ["pending", "pending"]
    assert log.trust.member(bytes(device_key.public)) is None
    admit = net.group.sign("member.vouch", {"subject": bytes(other.key.public), "role": "group"})
    assert statuses(log.ingest(wires([admit]))) == ["accepted"]
    assert log.trust.member(bytes(device_key.public)).group == bytes(other.key.public)
    assert log.store.event_row(post.id) is not None and log.store.pending_count() == 0


def test_trust_events_kept_aside_are_decoded_once_not_at_every_trust_change(net: Net, tmp_path: Path,
                                                                             monkeypatch) -> None:
    """A group admitted but whose first event is missing: its vouches wait, and each is a trust change
    (a chain of vouches reaches it). The graph is computed again each time, from events read once."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    other = _throwaway(net)
    log.ingest(wires([net.group.sign("member.vouch", {"subject": bytes(other.key.public), "role": "group"})]))
    other.seq, other.prev = 1, bytes(32)  # seq 1 never arrives here
    vouches = [other.sign("member.vouch", {"subject": bytes(SigningKey.generate().public), "role": "group"})
               for _ in range(30)]
    decoded: list[bytes] = []
    real = node.log.decode_event
    monkeypatch.setattr(node.log, "decode_event", lambda wire: decoded.append(wire) or real(wire))
    for ev in vouches:
        assert statuses(log.ingest(wires([ev]))) == ["pending"]
    assert len(decoded) <= len(vouches)  # each once (they were 30 * 31 / 2 = 465)
    assert all(log.trust.reaches(unpack(ev.body)["subject"]) for ev in vouches)


def test_events_a_revocation_took_out_of_the_log_all_come_back_even_days_later(small, tmp_path: Path) -> None:
    """An infiltrating admitter revokes a group it admitted; a day and more later its own admitter
    revokes it from before that act (rule 4), which voids the revocation. Every node had taken the
    group's events out, the group's own node too: those past the queue's share (3 per author
    here) or its age (24 h) were dropped, and no peer could ever send them again. Events that were
    in the log now wait aside without a share, for 90 days, and all come back."""
    keys = {name: SigningKey.generate() for name in ("calais", "mole", "dover")}
    genesis = make_genesis("infiltrated", [bytes(keys["calais"].public)], now_ms() - 2 * HOUR)
    calais, mole, dover = (Author(keys[n], genesis.network_id) for n in ("calais", "mole", "dover"))
    log = EventLog.create(Store(tmp_path / "a.db"), genesis)
    t0 = now_ms()
    admissions = [calais.sign("member.vouch", {"subject": bytes(mole.key.public), "role": "group"}),
                  mole.sign("member.vouch", {"subject": bytes(dover.key.public), "role": "group"})]
    past = [dover.sign("group.profile", {"name": f"Dover {i}", "region": "dover"}, ts=t0 - HOUR + i)
            for i in range(8)]
    assert set(statuses(log.ingest(wires(admissions), now=t0) + log.ingest(wires(past), now=t0))) == {"accepted"}
    erase = mole.sign("member.revoke", {"subject": bytes(dover.key.public), "from_seq": 1, "reason": "x"})
    log.ingest(wires([erase]), now=t0)
    assert log.store.head(bytes(dover.key.public))[0] == 0 and log.store.pending_count() == 8
    later = t0 + 2 * pending_queue.PENDING_LIMITS.max_age_ms
    caught = calais.sign("member.revoke", {"subject": bytes(mole.key.public), "from_seq": erase.seq,
                                           "reason": "infiltrator"}, ts=later)
    assert statuses(log.ingest(wires([caught]), now=later)) == ["accepted"]
    assert log.trust.member(bytes(dover.key.public)).revoked_from is None
    assert log.store.head(bytes(dover.key.public)) == (8, past[-1].id)
    assert log.store.pending_authors() == [(bytes(mole.key.public), erase.seq)]  # its void revocation waits aside
