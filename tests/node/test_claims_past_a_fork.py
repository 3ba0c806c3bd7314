"""A fork freezes a key, but the vouches it signed past the fork point still count as claims, on
real SQLite stores.

Who claims which key counts every vouch received, valid or not (events/trust.py): a device that
consented to one group is nobody else's device, whatever that group's standing. A fork used to take
the forked key's vouches past its fork point out of that count, and only on the nodes that stored
its chain up to the fork: a device's consent to a group whose key was copied counted on one node
(the device is that group's, so another group's vouch without its consent is void) and not on
another (the other group's vouch made it theirs), so the members depended on the arrival order.
Now those vouches are kept beside the chain as claims (they admit no one), and spread like the
revocations past a fork point (tests/node/test_revocations_past_a_fork.py)."""
from __future__ import annotations

import itertools
from pathlib import Path

from crypto.keys import SigningKey
from events.genesis import make_genesis
from node.log import EventLog, now_ms
from node.store import SCHEMA_VERSION, Store
from node_fixtures import Author, as_schema, device_vouch
from sync.antientropy import Head, SendEvidence, ranges_to_send
from sync.frontier import is_marker
from sync.messages import HEAD_PREFIX


class Network:
    """Calais founds the network; Kent is a group whose key gets copied (a fork)."""

    def __init__(self) -> None:
        self.keys = {name: SigningKey.generate() for name in ("calais", "kent", "kent-pi", "laptop")}
        self.genesis = make_genesis("claims test", [self.pub("calais")], now_ms() - 60_000)
        self.calais = Author(self.keys["calais"], self.genesis.network_id)
        self.kent = Author(self.keys["kent"], self.genesis.network_id)
        self.setup = [self.calais.sign("member.vouch", device_vouch(self.keys["calais"], self.keys["laptop"],
                                                                    b"\x01" * 32))]

    def pub(self, name: str) -> bytes:
        return bytes(self.keys[name].public)

    def log(self, path: Path) -> EventLog:
        return EventLog.create(Store(path), self.genesis)

    def claim_without_consent(self, device: str) -> dict:
        fields = device_vouch(self.keys["calais"], self.keys[device], b"\x02" * 32)
        del fields["consent"]  # a vouch from before consent existed: it counts while nobody else claims the key
        return fields

    def kent_forked(self) -> tuple[list, object]:
        """Calais admits Kent; Kent signs its profile at seq 1 and the other hand another event
        there (the fork). Returns those events and Kent's vouch, past the fork point, of its Pi
        with the Pi's consent (seq 2)."""
        admit_kent = self.calais.sign("member.vouch", {"subject": self.pub("kent"), "role": "group"})
        kent_profile = self.kent.sign("group.profile", {"name": "Kent", "region": "kent"})
        fork = self.kent_branch(1)
        consent = self.kent.sign("member.vouch", device_vouch(self.keys["kent"], self.keys["kent-pi"], b"\x03" * 32))
        return [admit_kent, kent_profile, fork], consent

    def kent_branch(self, seq: int) -> object:
        """What the other hand signs with Kent's copied key at `seq` (a fork of Kent's chain)."""
        prev = next((e.id for e in self.kent.made if e.seq == seq - 1), None)
        return self.kent.sign("group.profile", {"name": "not Kent", "region": "kent"}, seq=seq, prev=prev)


def ingest_in_batches(log: EventLog, events: list, size: int) -> None:
    for i in range(0, len(events), size):
        log.ingest([e.encode() for e in events[i:i + size]])


def test_a_forked_groups_consent_vouch_claims_the_device_in_every_order(tmp_path: Path) -> None:
    """The history a hunt over random histories found: Calais vouches a Pi without its consent;
    the Pi admits Kent; Kent's key forks at seq 1, and at seq 2 Kent vouches the Pi with the Pi's
    consent. Before, a node that admitted Kent before the consent came (through the Pi as Calais's
    device), then found the fork, dropped the consent with Kent's events past the fork: 22 of the
    120 orders below differed. Kent is reached only through the Pi, so the Pi's consent to it does
    not void Calais's vouch (whoever holds a copy of the Pi's key makes any key it likes reachable
    through it: events/trust.py, since 2026-12-06): the Pi is Calais's device and Kent, frozen
    by its fork from seq 1, signs nothing, in every order."""
    net = Network()
    claim = net.calais.sign("member.vouch", net.claim_without_consent("kent-pi"))
    pi = Author(net.keys["kent-pi"], net.genesis.network_id)
    admit_kent = pi.sign("member.vouch", {"subject": net.pub("kent"), "role": "group"})
    kent_profile = net.kent.sign("group.profile", {"name": "Kent", "region": "kent"})  # seq 1
    fork = net.kent_branch(1)
    consent = net.kent.sign("member.vouch", device_vouch(net.keys["kent"], net.keys["kent-pi"], b"\x03" * 32))
    assert consent.seq == 2
    states = set()
    for n, order in enumerate(itertools.permutations([claim, admit_kent, kent_profile, fork, consent])):
        log = net.log(tmp_path / f"{n}.db")
        log.ingest([e.encode() for e in net.setup])
        ingest_in_batches(log, list(order), 1 + n % 3)
        members = log.trust.members
        assert members[net.pub("kent-pi")].group == net.pub("calais"), f"order {n}"
        assert log.trust.fork_point(net.pub("kent")) == 1 and not log.trust.signs_now(net.pub("kent")), f"order {n}"
        states.add((tuple(log.store.frozen_claims()), tuple(sorted(log.store.heads()))))
        log.store.close()
    assert len(states) == 1, "the kept claims or the heads depend on the order"


def test_a_vouch_past_the_fork_point_admits_no_one_but_still_claims_the_key(tmp_path: Path) -> None:
    """Kent, admitted by Calais, forks at seq 1; at seq 2 Kent vouches a Pi with its consent (void:
    nothing Kent signs from there admits anyone), and Calais vouches the same Pi without consent.
    The Pi consented to Kent, so it is nobody's device, in every order: the vouch is kept as a
    claim (the lower of two that claim the same), and the refusal says so."""
    net = Network()
    (admit_kent, kent_profile, fork), consent = net.kent_forked()
    again = net.kent.sign("member.vouch", device_vouch(net.keys["kent"], net.keys["kent-pi"], b"\x04" * 32))
    claim = net.calais.sign("member.vouch", net.claim_without_consent("kent-pi"))
    for n, order in enumerate(itertools.permutations([fork, again, consent, claim])):
        log = net.log(tmp_path / f"{n}.db")
        log.ingest([e.encode() for e in [*net.setup, admit_kent, kent_profile]])
        outcomes = {}
        for ev in order:
            outcomes.update((o.id, o) for o in log.ingest([ev.encode()]))
        trust = log.trust
        assert trust.member(net.pub("kent")).revoked_from == 1 and trust.fork_point(net.pub("kent")) == 1
        assert trust.member(net.pub("kent-pi")) is None, f"the Pi became a device in order {n}"
        assert [r[0] for r in log.store.frozen_claims()] == [consent.id], n
        if order.index(fork) < order.index(consent):  # refused at once, and kept
            assert outcomes[consent.id].reason == "author_frozen"
            assert "kept as a claim" in outcomes[consent.id].message
        log.store.close()


def test_a_vouch_past_the_fork_point_with_a_forged_consent_is_not_kept(tmp_path: Path) -> None:
    """A claim needs a valid vouch: one whose consent does not verify is refused as any such
    vouch is, and claims nothing."""
    net = Network()
    forked, _ = net.kent_forked()
    forged = device_vouch(net.keys["kent"], net.keys["kent-pi"], b"\x03" * 32)
    forged["consent"] = net.keys["kent"].sign(b"not the pi's consent")
    bad = net.kent.sign("member.vouch", forged)
    claim = net.calais.sign("member.vouch", net.claim_without_consent("kent-pi"))
    log = net.log(tmp_path / "a.db")
    log.ingest([e.encode() for e in [*net.setup, *forked]])
    [outcome] = log.ingest([bad.encode()])
    assert outcome.status == "rejected" and "consent does not verify" in outcome.message
    log.ingest([claim.encode()])
    assert log.store.frozen_claims() == []
    assert log.trust.member(net.pub("kent-pi")).group == net.pub("calais")  # nobody else claims it
    log.store.close()


def test_two_nodes_that_both_knew_the_fork_exchange_the_claims_past_it(tmp_path: Path) -> None:
    """Both stores hold Kent's fork; only one received Kent's consent vouch past it. The marker
    heads differ, the round plans fork evidence for Kent, and the evidence carries the vouch: the
    other store keeps it, the Pi is no member on either, and their heads agree."""
    net = Network()
    forked, consent = net.kent_forked()
    claim = net.calais.sign("member.vouch", net.claim_without_consent("kent-pi"))
    has, lacks = net.log(tmp_path / "has.db"), net.log(tmp_path / "lacks.db")
    for log, extra in ((has, [consent]), (lacks, [])):
        log.ingest([e.encode() for e in [*net.setup, *forked, claim, *extra]])
    assert has.trust.member(net.pub("kent-pi")) is None
    assert lacks.trust.member(net.pub("kent-pi")).group == net.pub("calais")  # it has not seen the consent
    mine, theirs = has.store.heads(), lacks.store.heads()
    assert [h.seq for h in mine if is_marker(h.author)] == [1] and not [h for h in theirs if is_marker(h.author)]
    table = {h.author: (h.seq, h.id[:HEAD_PREFIX]) for h in theirs}
    assert ranges_to_send([Head(*h) for h in mine], table, forks=has.trust.forks) == [SendEvidence(net.pub("kent"))]
    lacks.ingest(has.store.fork_evidence(net.pub("kent")))
    assert lacks.trust.member(net.pub("kent-pi")) is None
    assert lacks.store.frozen_claims() == has.store.frozen_claims()
    assert sorted(lacks.store.heads()) == sorted(has.store.heads())
    table = {h.author: (h.seq, h.id[:HEAD_PREFIX]) for h in has.store.heads()}
    assert ranges_to_send([Head(*h) for h in lacks.store.heads()], table, forks=lacks.trust.forks) == []
    has.store.close()
    lacks.store.close()


def test_a_frozen_keys_claims_wait_aside_while_it_is_no_member_and_still_count(tmp_path: Path) -> None:
    """Kent forks, its consent vouch past the fork is kept; then Calais revokes Kent from seq 1.
    The vouch waits aside with Kent's other events (the same kept set as on a node that never
    stored Kent's chain), and the Pi it names is still no group: Calais admits it. (Not a vouch of
    it without consent: a consent in a vouch its author may not sign, revoked from before it,
    voids none since 2026-12-06, events/trust.py `_newly_consenting`.)"""
    net = Network()
    forked, consent = net.kent_forked()
    claim = net.calais.sign("member.vouch", {"subject": net.pub("kent-pi"), "role": "group"})
    cut_kent = net.calais.sign("member.revoke", {"subject": net.pub("kent"), "from_seq": 1, "reason": "copied key"})
    log = net.log(tmp_path / "a.db")
    log.ingest([e.encode() for e in [*net.setup, *forked, consent, claim]])
    assert [r[0] for r in log.store.frozen_claims()] == [consent.id]
    log.ingest([cut_kent.encode()])
    assert log.store.frozen_claims() == [] and log.store.is_pending(consent.id)
    assert log.trust.member(net.pub("kent-pi")) is None
    never = net.log(tmp_path / "b.db")  # a node that got Calais's revocation of Kent first
    never.ingest([e.encode() for e in [*net.setup, forked[0], cut_kent, *forked[1:], consent, claim]])
    assert never.store.frozen_claims() == [] and never.trust.member(net.pub("kent-pi")) is None
    assert sorted(never.store.heads()) == sorted(log.store.heads())
    log.store.close()
    never.store.close()


def test_a_schema_6_home_migrates_and_then_keeps_claims_past_a_fork(tmp_path: Path) -> None:
    """A home written by schema 6 (no table of claims) opens, gains the table, and keeps the next
    vouch past a fork point it receives."""
    net = Network()
    forked, consent = net.kent_forked()
    path = tmp_path / "old.db"
    log = net.log(path)
    log.ingest([e.encode() for e in [*net.setup, *forked]])
    log.store.close()
    as_schema(path, 6, "DROP TABLE frozen_claims")
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION and store.integrity() == "ok"
    log = EventLog(store)
    assert log.trust.fork_point(net.pub("kent")) == 1 and store.frozen_claims() == []
    log.ingest([consent.encode()])
    assert [r[0] for r in store.frozen_claims()] == [consent.id]
    store.close()
