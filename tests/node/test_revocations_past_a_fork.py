"""A fork freezes a key, but its revocations past the fork point still count, on real SQLite stores.

The attack: a thief holds a copy of a home with its group key. The owner revokes the stolen laptop;
the thief signs one more event at an earlier seq of the group key (a fork), which used to void
everything the key signed from there, the owner's revocation included. Now the revocations a
frozen key signed at or after its fork point, in either branch, are kept beside the chain, and a
group key's revocations of its own devices among them count (events/trust.py), whatever the order
the events arrive in; nothing else it signs there does (its revocations of other groups would let
a thief forking a seized phone revoke the groups its group admitted). They are announced in sync by a
marker head, so two nodes that both knew the fork still exchange them (sync/antientropy.py)."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto.keys import SigningKey
from events.errors import InvalidEvent
from events.format import Event
from events.genesis import make_genesis
from events.trust import NO_EFFECT_PAST_FORK
from node.log import EventLog, now_ms
from node.store import Store
from node.store.status_read import snapshot
from node_fixtures import Author, device_vouch
from sync.antientropy import Head, SendEvidence, ranges_to_send
from sync.frontier import is_marker
from sync.messages import HEAD_PREFIX


class Home:
    """Calais founds the network with its group key; the laptop, phone and Pi are its devices."""

    def __init__(self) -> None:
        self.keys = {name: SigningKey.generate() for name in ("calais", "laptop", "phone", "pi", "dover")}
        self.genesis = make_genesis("fork test", [self.pub("calais")], now_ms() - 60_000)
        self.group = Author(self.keys["calais"], self.genesis.network_id)
        self.setup = [self.group.sign("member.vouch", device_vouch(self.keys["calais"], self.keys[d], bytes([i]) * 32))
                      for i, d in enumerate(("laptop", "phone", "pi"))]

    def pub(self, name: str) -> bytes:
        return bytes(self.keys[name].public)

    def log(self, path: Path) -> EventLog:
        return EventLog.create(Store(path), self.genesis)

    def revoke(self, subject: str, from_seq: int = 1, **where) -> Event:
        return self.group.sign("member.revoke", {"subject": self.pub(subject), "from_seq": from_seq,
                                                 "reason": "stolen"}, **where)

    def other_branch(self, seq: int, kind: str = "group.profile", fields: dict | None = None) -> Event:
        """What the thief signs with the copied group key at `seq` (a fork of the owner's chain)."""
        prev = next((e.id for e in self.group.made if e.seq == seq - 1), None)
        return self.group.sign(kind, fields or {"name": "not Calais", "region": "calais"}, seq=seq, prev=prev)


def test_the_owners_revocation_of_a_stolen_device_stands_when_the_thief_forks_the_group_key(tmp_path: Path) -> None:
    home = Home()
    profile = home.group.sign("group.profile", {"name": "Calais", "region": "calais"})  # seq 4
    stolen = home.revoke("laptop")                                                       # seq 5
    fork = home.other_branch(4)
    thiefs_device = home.other_branch(5, "member.vouch", device_vouch(home.keys["calais"], home.keys["dover"],
                                                                      b"\x07" * 32))
    for n, order in enumerate(itertools.permutations([profile, stolen, fork, thiefs_device])):
        log = home.log(tmp_path / f"{n}.db")
        log.ingest([e.encode() for e in home.setup])
        for ev in order:
            log.ingest([ev.encode()])
        trust = log.trust
        assert trust.fork_point(home.pub("calais")) == 4, order
        assert trust.member(home.pub("laptop")).revoked_from == 1, f"the stolen laptop is back in order {n}"
        assert trust.revocation(home.pub("laptop")).id == stolen.id and trust.effect(stolen.id) is None
        assert trust.member(home.pub("dover")) is None  # the thief's vouch past the fork counts for nothing
        assert trust.member(home.pub("phone")).revoked_from is None
        assert [r[0] for r in log.store.frozen_revocations()] == [stolen.id]
        assert log.store.head(home.pub("calais"))[0] == 3  # the chain stays frozen below the fork
        log.store.close()


def test_the_owner_can_still_revoke_once_the_fork_is_known(tmp_path: Path) -> None:
    """The owner's node learns of the fork first: its group key's chain is frozen, yet `revoke` (log
    append) still signs and keeps a revocation, and a vouch is refused with the reason."""
    home = Home()
    log = home.log(tmp_path / "owner.db")
    log.ingest([e.encode() for e in home.setup])
    own = home.group.sign("group.profile", {"name": "Calais", "region": "calais"})
    log.ingest([own.encode(), home.other_branch(4).encode()])
    assert log.trust.fork_point(home.pub("calais")) == 4
    ev = log.append(home.keys["calais"], "member.revoke", {"subject": home.pub("laptop"), "from_seq": 1,
                                                           "reason": "stolen"}, offline=True)
    assert ev.seq == 4 and log.trust.member(home.pub("laptop")).revoked_from == 1
    with pytest.raises(InvalidEvent) as refused:
        log.append(home.keys["calais"], "member.vouch", device_vouch(home.keys["calais"], home.keys["dover"],
                                                                     b"\x07" * 32), offline=True)
    assert refused.value.reason == "revoked"
    with pytest.raises(InvalidEvent):  # revoking itself past the fork would void the other branch's revocations
        log.append(home.keys["calais"], "member.revoke", {"subject": home.pub("calais"), "from_seq": 9,
                                                          "reason": "x"}, offline=True)
    log.store.close()


def test_a_dominated_revocation_is_not_kept_and_the_kept_set_is_the_same_in_any_order(tmp_path: Path) -> None:
    """Per subject, a frozen key's revocation signed no later and revoking from no later dominates
    another: only the undominated ones are kept, so a flood of weaker ones adds nothing, and a
    thief's weak revocation at a low seq does not push out the owner's strong one at a higher seq."""
    home = Home()
    home.group.sign("group.profile", {"name": "Calais", "region": "calais"})  # seq 4
    strong = home.revoke("laptop", 1)                                           # seq 5, from 1
    weak_low = home.other_branch(4, "member.revoke", {"subject": home.pub("laptop"), "from_seq": 900})
    weak_high = home.revoke("laptop", 3, seq=9, prev=b"\x01" * 32)              # dominated by `strong`
    sets = set()
    for n, order in enumerate(itertools.permutations([strong, weak_low, weak_high, *home.group.made[3:4]])):
        log = home.log(tmp_path / f"{n}.db")
        log.ingest([e.encode() for e in home.setup])
        for ev in order:
            log.ingest([ev.encode()])
        sets.add(frozenset(r[0] for r in log.store.frozen_revocations()))
        assert log.trust.member(home.pub("laptop")).revoked_from == 1
        log.store.close()
    assert sets == {frozenset((strong.id, weak_low.id))}, sets


def test_a_frozen_keys_revocations_stop_counting_once_it_is_revoked_from_below_them(tmp_path: Path) -> None:
    """Dover, admitted by Calais, forks its group key; its revocation of its own device past the
    fork counts until Calais revokes Dover from a seq at or below it: then it counts no more and
    leaves the kept set for the bounded queue of events kept aside (a frozen key's flood ends with
    its revocation), in any order."""
    home = Home()
    dover = Author(home.keys["dover"], home.genesis.network_id)
    dover_device = SigningKey.generate()
    admit = home.group.sign("member.vouch", {"subject": home.pub("dover"), "role": "group"})
    certify = dover.sign("member.vouch", device_vouch(home.keys["dover"], dover_device, b"\x05" * 32))
    dover.sign("group.profile", {"name": "Dover", "region": "dover"})
    fork = dover.sign("group.profile", {"name": "Dover twin", "region": "dover"}, seq=2, prev=certify.id)
    cut = dover.sign("member.revoke", {"subject": bytes(dover_device.public), "from_seq": 1, "reason": "x"})
    revoke_dover = home.group.sign("member.revoke", {"subject": home.pub("dover"), "from_seq": 3, "reason": "y"})
    device = bytes(dover_device.public)
    for n, order in enumerate(([fork, cut, revoke_dover], [revoke_dover, cut, fork], [cut, fork, revoke_dover])):
        log = home.log(tmp_path / f"{n}.db")
        log.ingest([e.encode() for e in [*home.setup, admit, certify, dover.made[1]]])
        for i, ev in enumerate(order):
            log.ingest([ev.encode()])
            if ev is not revoke_dover and revoke_dover not in order[:i] and fork in order[:i + 1] and cut in order[:i + 1]:
                assert log.trust.member(device).revoked_from == 1  # counts while Dover may revoke at seq 3
        assert log.trust.member(home.pub("dover")).revokes_until == 3
        assert log.trust.member(device).revoked_from is None, order
        assert log.store.frozen_revocations() == [] and log.store.is_pending(cut.id), order
        log.store.close()


def test_two_nodes_that_both_knew_the_fork_exchange_the_revocations_past_it(tmp_path: Path) -> None:
    """Both stores hold the fork; only one holds the owner's revocation past it. The heads differ
    by the marker head, the round plans fork evidence for the group key, and that evidence carries
    the revocation: the other store keeps it, and then their heads agree."""
    home = Home()
    home.group.sign("group.profile", {"name": "Calais", "region": "calais"})
    stolen = home.revoke("laptop")
    fork = home.other_branch(4)
    has, lacks = home.log(tmp_path / "has.db"), home.log(tmp_path / "lacks.db")
    for log, extra in ((has, [stolen]), (lacks, [])):
        log.ingest([e.encode() for e in [*home.setup, home.group.made[3], fork, *extra]])
    mine, theirs = has.store.heads(), lacks.store.heads()
    # `solnet status` reads the heads apart (node/store/status_read.py): its frontier digest is the node's
    assert sorted(snapshot(tmp_path / "has.db").heads()) == sorted(tuple(h) for h in mine)
    assert [h for h in theirs if is_marker(h.author)] == [] and [h.seq for h in mine if is_marker(h.author)] == [1]
    table = {h.author: (h.seq, h.id[:HEAD_PREFIX]) for h in theirs}
    plan = ranges_to_send([Head(*h) for h in mine], table, forks=has.trust.forks)
    assert plan == [SendEvidence(home.pub("calais"))], plan
    outcomes = lacks.ingest(has.store.fork_evidence(home.pub("calais")))
    assert {o.reason for o in outcomes} <= {"author_frozen", "fork"}, outcomes
    assert lacks.trust.member(home.pub("laptop")).revoked_from == 1
    assert sorted(lacks.store.heads()) == sorted(has.store.heads())
    # and nothing is planned back: the other side holds nothing more
    table = {h.author: (h.seq, h.id[:HEAD_PREFIX]) for h in has.store.heads()}
    assert ranges_to_send([Head(*h) for h in lacks.store.heads()], table, forks=lacks.trust.forks) == []
    has.store.close()
    lacks.store.close()


SUBJECTS = ("laptop", "phone", "pi", "calais")


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.slow
def test_any_branches_of_a_forked_group_key_give_the_same_state_in_any_order(data, tmp_path_factory) -> None:
    """The owner's branch and the thief's, each a few profiles and revocations (of its devices, of
    itself) at any seqs from any seq: every store ends with the same members, the same kept
    revocations and the same heads, whatever the order and batches they came in."""
    home = Home()
    owner = [home.group.sign("group.profile", {"name": "Calais", "region": "calais"})]
    fork_at = data.draw(st.integers(4, 5), label="fork at")
    steps = data.draw(st.lists(st.tuples(st.booleans(), st.sampled_from(SUBJECTS), st.integers(1, 9)),
                               min_size=1, max_size=6), label="steps")
    thief_seq, thief_prev = fork_at, next((e.id for e in home.group.made if e.seq == fork_at - 1), None)
    thief = [home.other_branch(fork_at)]
    thief_prev = thief[0].id
    for by_owner, subject, from_seq in steps:
        fields = {"subject": home.pub(subject), "from_seq": from_seq + (9 if subject == "calais" else 0),
                  "reason": "r"}
        if by_owner:
            owner.append(home.group.sign("member.revoke", fields))
        else:
            thief_seq += 1
            thief.append(home.group.sign("member.revoke", fields, seq=thief_seq, prev=thief_prev))
            thief_prev = thief[-1].id
    events = [*owner, *thief]
    states = []
    for name in ("a", "b", "c"):
        order = data.draw(st.permutations(events), label=f"order {name}")
        size = data.draw(st.integers(1, 3), label=f"batch {name}")
        log = home.log(tmp_path_factory.mktemp("fork") / f"{name}.db")
        log.ingest([e.encode() for e in home.setup])
        for i in range(0, len(order), size):
            log.ingest([e.encode() for e in order[i:i + size]])
        states.append(({k: (m.revoked_from, m.revokes_until) for k, m in log.trust.members.items()},
                       log.store.frozen_revocations(), sorted(log.store.heads())))
        log.store.close()
    assert states[0] == states[1] == states[2]


def test_a_forked_devices_revocation_of_a_group_past_its_fork_never_counts(
        tmp_path: Path) -> None:
    """Dover's device forked, then revoked Hull (a group Dover admitted) past its fork point. Dover
    revoked the device from seq 2; Calais then revoked Dover from seq 3, which voids Dover's
    revocation of its device (signed at Dover's seq 4). Whatever the arrival order, the device's
    revocation of Hull never counts: past a fork only a group key's revocations of its own devices
    do (a thief forking a seized phone must not be able to revoke the groups its group admitted).
    It is still kept beside the chain, as every node keeps it."""
    home = Home()
    dover = Author(home.keys["dover"], home.genesis.network_id)
    device, hull = SigningKey.generate(), SigningKey.generate()
    dev = Author(device, home.genesis.network_id)
    setup = [home.group.sign("member.vouch", {"subject": home.pub("dover"), "role": "group"}),
             dover.sign("member.vouch", device_vouch(home.keys["dover"], device, b"\x06" * 32)),
             dover.sign("member.vouch", {"subject": bytes(hull.public), "role": "group"}),
             dover.sign("group.profile", {"name": "Dover", "region": "dover"}),
             dev.sign("group.profile", {"name": "Dover", "region": "dover", "description": "one"}),
             dev.sign("group.profile", {"name": "Dover", "region": "dover", "description": "two"})]
    fork = dev.sign("group.profile", {"name": "Dover", "region": "dover", "description": "twin"}, seq=2,
                    prev=setup[4].id)
    cut_hull = dev.sign("member.revoke", {"subject": bytes(hull.public), "from_seq": 1, "reason": "x"}, seq=3,
                        prev=setup[5].id)
    cut_device = dover.sign("member.revoke", {"subject": bytes(device.public), "from_seq": 2, "reason": "y"})
    cut_dover = home.group.sign("member.revoke", {"subject": home.pub("dover"), "from_seq": 3, "reason": "z"})
    assert cut_device.seq == 4
    for n, order in enumerate(itertools.permutations([cut_hull, cut_device, cut_dover])):
        log = home.log(tmp_path / f"{n}.db")
        log.ingest([e.encode() for e in [*home.setup, *setup, fork]])
        assert log.trust.fork_point(bytes(device.public)) == 2
        for ev in order:
            log.ingest([ev.encode()])
        trust = log.trust
        assert trust.member(bytes(device.public)).revokes_until is None, n
        assert trust.member(bytes(hull.public)).revoked_from is None, f"Hull revoked in order {n}"
        assert trust.effect(cut_hull.id) == NO_EFFECT_PAST_FORK
        assert [r[0] for r in log.store.frozen_revocations()] == [cut_hull.id], n
        log.store.close()
