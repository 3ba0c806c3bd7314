"""A thief holding a seized phone cannot erase the phone's past, on real SQLite stores.

The attack (review of 2026-12-04): the phone of a Calais coordinator is seized. Its key signed an
alert and admitted Dover. The thief signs one event at the phone's seq 1 (a fork): a fork used to
take every event of the key out of the log from the fork point on, on every node, for good: the
alert, and the admission, so Dover and everything it posted left the network. Calais's group key
now revokes the phone from its next seq and pins its chain (the id of its event just below): the
events off that chain are forgeries, refused, and the phone's past comes back where it had left,
the same on every node whatever order the phone's events, the thief's and the revocation arrive in.
"""
from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto.keys import SigningKey
from events import errors as E
from events.format import Event, decode_event
from events.genesis import make_genesis
from node.log import EventLog, now_ms
from node.outcome import ACCEPTED, REJECTED
from node.store import SCHEMA_VERSION, Store
from node.store.trust import ForkedLimits
from node_fixtures import Author, as_schema, device_vouch


class Seizure:
    """Calais founds the network; its phone admitted Dover and raised an alert; a thief forks the phone."""

    def __init__(self) -> None:
        self.keys = {name: SigningKey.generate() for name in ("calais", "phone", "dover")}
        self.genesis = make_genesis("seizure", [self.pub("calais")], now_ms() - 60_000)
        self.calais = Author(self.keys["calais"], self.genesis.network_id)
        self.phone = Author(self.keys["phone"], self.genesis.network_id)
        self.dover = Author(self.keys["dover"], self.genesis.network_id)
        self.setup = [self.calais.sign("member.vouch", device_vouch(self.keys["calais"], self.keys["phone"],
                                                                    b"\x01" * 32))]
        self.past = [
            self.phone.sign("alert", {"region": "calais", "type": "raid", "text": "police at the Rue de Moscou camp"},
                            expires=now_ms() + 3_600_000),
            self.phone.sign("member.vouch", {"subject": self.pub("dover"), "role": "group"}),
            self.phone.sign("need", {"category": "water", "quantity": 40, "region": "calais"}),
        ]
        self.dovers = [self.dover.sign("group.profile", {"name": "Dover", "region": "dover"})]
        # The thief's branch: a revocation of the group the phone admitted, then more of its own.
        self.thief = [
            self.phone.sign("member.revoke", {"subject": self.pub("dover"), "from_seq": 1, "reason": "x"},
                            seq=1, prev=None),
        ]
        self.thief.append(self.phone.sign("alert", {"region": "calais", "type": "raid", "text": "all calm, go home"},
                                          seq=2, prev=self.thief[0].id, expires=now_ms() + 3_600_000))

    def pub(self, name: str) -> bytes:
        return bytes(self.keys[name].public)

    def pinned_revocation(self) -> Event:
        head = self.past[-1]
        return self.calais.sign("member.revoke", {"subject": self.pub("phone"), "from_seq": head.seq + 1,
                                                  "reason": "seized", "pin": head.id})

    def log(self, path: Path) -> EventLog:
        log = EventLog.create(Store(path), self.genesis)
        log.ingest([e.encode() for e in self.setup])
        return log


def assert_past_kept(world: Seizure, log: EventLog, revocation: Event, where: str) -> None:
    phone = world.pub("phone")
    trust = log.trust
    assert trust.fork_point(phone) is None, f"the thief's fork still freezes the phone ({where})"
    assert trust.member(phone).revoked_from == 4 and trust.revocation(phone).id == revocation.id, where
    assert trust.member(world.pub("dover")) is not None, f"Dover left the network ({where})"
    stored = {e.id for e in log.store.all_events()}
    assert {e.id for e in world.past + world.dovers + [revocation]} <= stored, where
    assert not {e.id for e in world.thief} & stored, where
    assert phone not in log.store.fork_points() and log.store.forked_count(phone) == 0, where
    assert not [r for r in log.store.frozen_revocations() + log.store.frozen_claims() if r[1] == phone], where


def test_the_thiefs_fork_after_the_pinned_revocation_is_refused(tmp_path: Path) -> None:
    world = Seizure()
    log = world.log(tmp_path / "calais.db")
    log.ingest([e.encode() for e in world.past + world.dovers])
    revocation = world.pinned_revocation()
    assert log.ingest([revocation.encode()])[0].status == ACCEPTED
    refused = log.ingest([e.encode() for e in world.thief])
    assert refused[0].status == REJECTED and refused[0].reason == E.OFF_PINNED, refused[0]
    assert "not on it" in refused[0].message and "seq 3" in refused[0].message
    assert_past_kept(world, log, revocation, "pin first")


def test_the_pinned_revocation_brings_back_what_the_fork_had_erased(tmp_path: Path) -> None:
    """The likely order: the thief signs in the hour of the raid, the group revokes the phone later."""
    world = Seizure()
    log = world.log(tmp_path / "calais.db")
    log.ingest([e.encode() for e in world.past + world.dovers])
    assert log.ingest([world.thief[0].encode()])[0].reason == E.FORK
    phone = world.pub("phone")
    assert log.trust.fork_point(phone) == 1 and log.trust.member(world.pub("dover")) is None  # erased, for now
    assert log.store.head(phone)[0] == 0
    revocation = world.pinned_revocation()
    assert log.ingest([revocation.encode()])[0].status == ACCEPTED
    assert_past_kept(world, log, revocation, "pin last")
    # The proof a peer that has not heard of the pin still sends: refused, the past stays.
    assert log.ingest([world.thief[0].encode()])[0].reason == E.OFF_PINNED
    assert_past_kept(world, log, revocation, "proof again")


def test_an_unpinned_revocation_leaves_the_fork_as_it_was(tmp_path: Path) -> None:
    """Without a pin nothing says which branch is the owner's: the fork stands (the rule before)."""
    world = Seizure()
    log = world.log(tmp_path / "calais.db")
    log.ingest([e.encode() for e in world.past + world.dovers + world.thief[:1]])
    plain = world.calais.sign("member.revoke", {"subject": world.pub("phone"), "from_seq": 4, "reason": "seized"})
    log.ingest([plain.encode()])
    assert log.trust.fork_point(world.pub("phone")) == 1
    assert log.trust.member(world.pub("dover")) is None
    # A pin that names an event off the kept chain resolves nothing either.
    wrong = world.calais.sign("member.revoke", {"subject": world.pub("phone"), "from_seq": 3, "reason": "seized",
                                                "pin": world.thief[1].id})
    log.ingest([wrong.encode()])
    assert log.trust.fork_point(world.pub("phone")) == 1 and log.store.head(world.pub("phone"))[0] == 0


def test_a_pin_counts_only_from_the_devices_own_group(tmp_path: Path) -> None:
    """Dover may not revoke Calais's phone, so a pin of Dover's (naming the thief's chain) is nothing."""
    world = Seizure()
    log = world.log(tmp_path / "calais.db")
    log.ingest([e.encode() for e in world.past + world.dovers])
    t = world.thief
    foreign = world.dover.sign("member.revoke", {"subject": world.pub("phone"), "from_seq": 3, "reason": "x",
                                                 "pin": t[1].id})
    log.ingest([foreign.encode()])
    assert log.trust.member(world.pub("phone")).pinned is None
    assert log.ingest([t[0].encode()])[0].reason == E.FORK


def _ingest_in(path: Path, world: Seizure, order: list[Event], cuts: list[int]) -> EventLog:
    log = world.log(path)
    wires = [e.encode() for e in order]
    bounds = [0, *sorted({c % (len(wires) + 1) for c in cuts}), len(wires)]
    for lo, hi in zip(bounds, bounds[1:]):
        if hi > lo:
            log.ingest(wires[lo:hi])
    return log


def test_every_order_of_the_chain_the_thief_and_the_pin_ends_the_same(tmp_path: Path) -> None:
    """The orders that matter, one event per batch: the pin before or after the thief, the thief's
    branch before the phone's own (a new node fed by a hostile peer first)."""
    world = Seizure()
    revocation = world.pinned_revocation()
    blocks = {"past": world.past, "dover": world.dovers, "thief": world.thief, "pin": [revocation]}
    for n, order in enumerate(itertools.permutations(blocks)):
        events = [e for name in order for e in blocks[name]]
        log = _ingest_in(tmp_path / f"{n}.db", world, events, list(range(len(events))))
        assert_past_kept(world, log, revocation, " then ".join(order))
        log.store.close()


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow,
                                                                               HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_shuffled_arrival_in_random_batches_ends_the_same(data, tmp_path: Path) -> None:
    world = Seizure()
    revocation = world.pinned_revocation()
    events = world.past + world.dovers + world.thief + [revocation]
    order = data.draw(st.permutations(events), label="order")
    cuts = data.draw(st.lists(st.integers(0, 12), max_size=5), label="cuts")
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.db"
    log = _ingest_in(path, world, order, cuts)
    assert_past_kept(world, log, revocation, "shuffled")
    log.store.close()


def test_a_flood_of_the_thiefs_events_cannot_push_the_phones_chain_out(tmp_path: Path, monkeypatch) -> None:
    """What the thief signs past the fork point is kept within bounds (here 3 events); the phone's
    own chain, taken out of the log by the fork, always is."""
    monkeypatch.setattr("node.store.trust.FORKED_LIMITS", ForkedLimits(per_author_events=3))
    world = Seizure()
    log = world.log(tmp_path / "calais.db")
    log.ingest([e.encode() for e in world.past + world.dovers])
    flood = list(world.thief)
    for i in range(10):
        flood.append(world.phone.sign("need", {"category": "tents", "quantity": i + 1, "region": "calais"},
                                      seq=flood[-1].seq + 1, prev=flood[-1].id))
    # Its branch from seq 2 first (a fork there), then its seq 1 (a fork lower down, once the queue is full).
    log.ingest([e.encode() for e in flood[1:]])
    log.ingest([flood[0].encode()])
    phone = world.pub("phone")
    kept = log.store.forked_of(phone)
    assert sum(stored for *_, stored in kept) == 3 and sum(not stored for *_, stored in kept) == 3
    revocation = world.pinned_revocation()
    log.ingest([revocation.encode()])
    assert_past_kept(world, log, revocation, "after a flood")


def test_a_schema_7_home_migrates_and_keeps_a_forked_devices_events(tmp_path: Path) -> None:
    world = Seizure()
    path = tmp_path / "calais.db"
    world.log(path).store.close()
    as_schema(path, 7, "DROP TABLE forked", "DROP TABLE forged")
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION and store.integrity() == "ok"
    log = EventLog(store)
    log.ingest([e.encode() for e in world.past + world.dovers + world.thief[:1]])
    assert log.store.forked_count(world.pub("phone")) == 4  # the phone's three, the thief's one
    revocation = world.pinned_revocation()
    log.ingest([revocation.encode()])
    assert_past_kept(world, log, revocation, "migrated")


def test_what_is_kept_past_the_fork_loses_its_bodies_at_expiry_and_at_a_wipe(tmp_path: Path) -> None:
    """The phone's alert, taken out of the log by the fork, waits for the pin: its text goes at the
    alert's expiry all the same, and a panic wipe takes every kept event."""
    world = Seizure()
    log = world.log(tmp_path / "calais.db")
    log.ingest([e.encode() for e in world.past + world.dovers + world.thief[:1]])
    phone = world.pub("phone")
    alert = world.past[0]

    def kept_body(event_id: bytes) -> bytes | None:
        return next(decode_event(wire).body for i, _, _, wire, _ in log.store.forked_of(phone) if i == event_id)

    assert kept_body(alert.id) is not None and kept_body(world.past[2].id) is not None
    later = alert.header.expires + 1
    log.ingest([world.calais.sign("group.profile", {"name": "Calais", "region": "calais"}).encode()], now=later)
    assert kept_body(alert.id) is None and kept_body(world.past[2].id) is not None  # the need has no expiry
    revocation = world.pinned_revocation()
    log.ingest([revocation.encode()], now=later)
    assert_past_kept(world, log, revocation, "after the alert expired")  # back, as the stub every node holds
    assert log.store.event_row(alert.id)[8] is None

    other = world.log(tmp_path / "bristol.db")
    other.ingest([e.encode() for e in world.past + world.dovers + world.thief[:1]])
    with other.store.write():
        other.store.forget_private_and_local(["support.request"])
    assert other.store.forked_count(phone) == 0


def test_a_pin_above_a_lower_revocation_holds_in_either_order(tmp_path: Path) -> None:
    """The group revokes the phone from seq 2 (no pin) and, in another revocation, from seq 4 with a
    pin: its seq 2 and 3 wait aside, out of the log. The thief's seq 1 is still off the pinned chain,
    followed through what waits aside, whether it comes before the revocations or after."""
    world = Seizure()
    revocations = [world.pinned_revocation(),
                   world.calais.sign("member.revoke", {"subject": world.pub("phone"), "from_seq": 2, "reason": "x"})]
    for n, order in enumerate((revocations + world.thief[:1], world.thief[:1] + revocations)):
        log = world.log(tmp_path / f"{n}.db")
        log.ingest([e.encode() for e in world.past + world.dovers])
        for ev in order:
            log.ingest([ev.encode()])
        phone = world.pub("phone")
        assert log.trust.fork_point(phone) is None and log.trust.member(phone).revoked_from == 2, n
        assert log.store.head(phone) == (1, world.past[0].id), n
        assert not log.store.forked_count(phone) and not log.store.fork_count(), n
        log.store.close()


def test_an_expired_event_back_from_the_fork_is_expired_as_everywhere(tmp_path: Path) -> None:
    """A node that held the phone's alert whole until it expired, and one that got it back from what
    the fork had kept, as a stub once it expired: both hold it as expired."""
    world = Seizure()
    revocation = world.pinned_revocation()
    later = world.past[0].header.expires + 1
    states = []
    for n, events in enumerate((world.past + world.dovers + [revocation] + world.thief,
                                world.past + world.dovers + world.thief + [revocation])):
        log = world.log(tmp_path / f"{n}.db")
        log.ingest([e.encode() for e in events[:len(world.past) + 1]])
        for ev in events[len(world.past) + 1:]:
            log.ingest([ev.encode()], now=later)
        states.append(sorted(log.store.event_states()))
        log.store.close()
    assert states[0] == states[1]


def test_a_member_forking_its_own_devices_cannot_keep_the_phones_chain_out(tmp_path: Path, monkeypatch) -> None:
    """The rows never in the log are bounded in all (here 6): a member that forks a device of its own
    and floods it fills them. On a node that got the thief's branch of the phone first, the phone's
    own events then had no room, and the pin never resolved there. The device holding the most gives
    way now."""
    monkeypatch.setattr("node.store.trust.FORKED_LIMITS", ForkedLimits(per_author_events=5, events=6))
    world = Seizure()
    spare_key = SigningKey.generate()
    spare = Author(spare_key, world.genesis.network_id)
    flood = [world.calais.sign("member.vouch", device_vouch(world.keys["calais"], spare_key, b"\x02" * 32)),
             spare.sign("need", {"category": "tents", "quantity": 1, "region": "calais"})]
    prev = None
    for i in range(8):  # its other branch, from seq 1
        flood.append(spare.sign("need", {"category": "tents", "quantity": 2 + i, "region": "calais"},
                                seq=i + 1, prev=prev))
        prev = flood[-1].id
    log = world.log(tmp_path / "new.db")
    log.ingest([e.encode() for e in world.thief + world.dovers])  # a hostile peer's first
    log.ingest([e.encode() for e in flood])
    assert log.store.forked_count(bytes(spare_key.public)) >= 5
    log.ingest([e.encode() for e in world.past])
    revocation = world.pinned_revocation()
    log.ingest([revocation.encode()])
    assert_past_kept(world, log, revocation, "after a member's flood")


class AdmittedSeizure:
    """The seizure again, Calais now a group that the founder Paris admitted, so that the pin can
    stop counting and count again: Paris revoking Calais from before the pin voids it (rule 4), and
    Paris's key forking below that revocation voids the revocation (rule 6)."""

    def __init__(self) -> None:
        names = ("paris", "calais", "phone", "dover")
        self.keys = {name: SigningKey.generate() for name in names}
        self.genesis = make_genesis("seizure", [self.pub("paris")], now_ms() - 60_000)
        paris, calais, phone, dover = (Author(self.keys[n], self.genesis.network_id) for n in names)
        self.setup = [paris.sign("member.vouch", {"subject": self.pub("calais"), "role": "group"}),
                      paris.sign("group.profile", {"name": "Paris", "region": "paris"}),
                      calais.sign("member.vouch", device_vouch(self.keys["calais"], self.keys["phone"], b"\x01" * 32))]
        self.past = [
            phone.sign("alert", {"region": "calais", "type": "raid", "text": "police at the Rue de Moscou camp"},
                       expires=now_ms() + 3_600_000),
            phone.sign("member.vouch", {"subject": self.pub("dover"), "role": "group"}),
            phone.sign("need", {"category": "water", "quantity": 40, "region": "calais"}),
            dover.sign("group.profile", {"name": "Dover", "region": "dover"}),
        ]
        self.thief = [phone.sign("member.revoke", {"subject": self.pub("dover"), "from_seq": 1, "reason": "x"},
                                 seq=1, prev=None)]
        self.pin = calais.sign("member.revoke", {"subject": self.pub("phone"), "from_seq": 4, "reason": "seized",
                                                 "pin": self.past[2].id})
        # Whoever holds a copy of Calais's group key signs at the pin's own seq: a pin signed at or
        # past its author's fork point does not count (it could be the copy's).
        self.group_fork = calais.sign("group.profile", {"name": "Calais", "region": "calais"}, seq=self.pin.seq,
                                      prev=self.pin.header.prev)
        self.cut_calais = paris.sign("member.revoke", {"subject": self.pub("calais"), "from_seq": 2, "reason": "x"})
        self.founder_fork = paris.sign("group.profile", {"name": "Paris?", "region": "paris"},
                                       seq=self.cut_calais.seq, prev=self.cut_calais.header.prev)

    def pub(self, name: str) -> bytes:
        return bytes(self.keys[name].public)

    def run(self, path: Path, blocks: dict[str, list[Event]], order: tuple[str, ...]) -> EventLog:
        """A store fed the setup and the phone's past, then `blocks` in `order`, one event a batch."""
        log = EventLog.create(Store(path), self.genesis)
        log.ingest([e.encode() for e in self.setup + self.past])
        for name in order:
            for ev in blocks[name]:
                log.ingest([ev.encode()])
        return log


def _outcome(world: AdmittedSeizure, log: EventLog) -> tuple:
    """What the phone's fate shows: its fork point, whether Dover (its admission) is a member, its
    events in the log, and the revocations and claims kept past fork points."""
    phone = world.pub("phone")
    return (log.trust.fork_point(phone), log.trust.member(world.pub("dover")) is not None,
            sorted(e.id for e in log.store.all_events()), log.store.frozen_revocations(), log.store.frozen_claims(),
            log.store.projection_dump())


def test_a_pin_that_stops_counting_leaves_the_same_fork_in_every_order(tmp_path: Path) -> None:
    """The pin stops counting once a copy of Calais's key signs at its seq. A node that refused the
    thief's event while the pin counted kept the phone's past for good (the forgery was not kept),
    and one that undid the fork by the pin never froze the phone again; one that got the copy's
    event first froze it. Now every order ends with the fork standing, as the pin says nothing."""
    world = AdmittedSeizure()
    blocks = {"pin": [world.pin], "thief": world.thief, "group fork": [world.group_fork]}
    outcomes = {}
    for n, order in enumerate(itertools.permutations(blocks)):
        log = world.run(tmp_path / f"{n}.db", blocks, order)
        outcomes[order] = _outcome(world, log)
        assert outcomes[order][:2] == (1, False), f"{' then '.join(order)}: the phone's fork must stand"
        assert log.trust.member(world.pub("phone")).pinned is None
        log.store.close()
    first = next(iter(outcomes.values()))
    assert all(o == first for o in outcomes.values()), "the same events gave different states"


def test_a_pin_voided_and_restored_by_rule_4_ends_the_same_in_every_order(tmp_path: Path) -> None:
    """Paris revokes Calais from before the pin (the pin stops counting: the fork stands), and Paris's
    key forks below that revocation (it stops counting: the pin counts again, the phone's past is
    back). Each of the 24 orders ends as the set of events says: the pin counts."""
    world = AdmittedSeizure()
    blocks = {"pin": [world.pin], "thief": world.thief, "cut calais": [world.cut_calais],
              "founder fork": [world.founder_fork]}
    outcomes = {}
    for n, order in enumerate(itertools.permutations(blocks)):
        log = world.run(tmp_path / f"{n}.db", blocks, order)
        outcomes[order] = _outcome(world, log)
        assert outcomes[order][:2] == (None, True), f"{' then '.join(order)}: the pin must hold"
        assert log.trust.member(world.pub("phone")).revoked_from == 4
        log.store.close()
    first = next(iter(outcomes.values()))
    assert all(o == first for o in outcomes.values()), "the same events gave different states"
    without = {name: blocks[name] for name in ("pin", "thief", "cut calais")}
    for n, order in enumerate(itertools.permutations(without)):
        log = world.run(tmp_path / f"without-{n}.db", without, order)
        assert _outcome(world, log)[:2] == (1, False), f"{' then '.join(order)}: the pin is void, the fork stands"
        log.store.close()


def test_a_schema_8_home_migrates_and_keeps_the_forgeries_it_refuses(tmp_path: Path) -> None:
    world = AdmittedSeizure()
    path = tmp_path / "calais.db"
    EventLog.create(Store(path), world.genesis).store.close()
    as_schema(path, 8, "DROP TABLE forged")
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION and store.integrity() == "ok"
    log = EventLog(store)
    log.ingest([e.encode() for e in world.setup + world.past + [world.pin]])
    assert log.ingest([e.encode() for e in world.thief])[0].reason == E.OFF_PINNED
    assert [row[0] for row in log.store.forged_of(world.pub("phone"))] == [world.thief[0].id]
    log.ingest([world.group_fork.encode()])
    assert _outcome(world, log)[:2] == (1, False)
    assert log.store.forged_count(world.pub("phone")) == 0  # the proof of the fork now


def test_forgeries_are_kept_within_bounds_the_lowest_first(tmp_path: Path, monkeypatch) -> None:
    """A thief flooding forgeries cannot push out the one at the lowest seq (the fork point, should
    the pin stop counting), whatever order they come in; they go at a panic wipe."""
    monkeypatch.setattr("node.store.forged.FORGED_LIMITS", ForkedLimits(per_author_events=3, events=5))
    world = AdmittedSeizure()
    phone = Author(world.keys["phone"], world.genesis.network_id)
    forgeries = [phone.sign("need", {"category": "tents", "quantity": i + 1, "region": "calais"}, seq=1 + i % 3,
                            prev=world.past[i % 3 - 1].id if i % 3 else None) for i in range(9)]
    kept = []
    for n, order in enumerate((forgeries, forgeries[::-1])):
        log = EventLog.create(Store(tmp_path / f"{n}.db"), world.genesis)
        log.ingest([e.encode() for e in world.setup + world.past + [world.pin]])
        for ev in order:
            assert log.ingest([ev.encode()])[0].reason == E.OFF_PINNED
        kept.append(log.store.forged_of(world.pub("phone")))
        with log.store.write():
            log.store.forget_private_and_local([])
        assert log.store.forged_count(world.pub("phone")) == 0
        log.store.close()
    assert kept[0] == kept[1] and len(kept[0]) == 3
    assert [seq for _, seq, _ in kept[0]] == [1, 1, 1]


class TwoSeizures(Seizure):
    """As Seizure, and a second phone seized in the same raid: Kent's (Calais admitted Kent), which
    admitted Deal and raised an alert. Both groups revoke their phone with a pin; the thief, holding
    only the two phones' keys, has each vouch for the other with the other's consent."""

    def __init__(self) -> None:
        super().__init__()
        for name in ("kent", "phone2", "deal"):
            self.keys[name] = SigningKey.generate()
        self.kent = Author(self.keys["kent"], self.genesis.network_id)
        self.phone2 = Author(self.keys["phone2"], self.genesis.network_id)
        self.setup += [self.calais.sign("member.vouch", {"subject": self.pub("kent"), "role": "group"}),
                       self.kent.sign("member.vouch", device_vouch(self.keys["kent"], self.keys["phone2"],
                                                                   b"\x02" * 32))]
        pin = self.pinned_revocation()  # of the first phone, from the seq after its own past
        self.past += [self.phone2.sign("alert", {"region": "kent", "type": "raid", "text": "raid at the port"},
                                       expires=now_ms() + 3_600_000),
                      self.phone2.sign("member.vouch", {"subject": self.pub("deal"), "role": "group"})]
        self.pins = [pin,
                     self.kent.sign("member.revoke", {"subject": self.pub("phone2"), "from_seq": 3,
                                                      "reason": "seized", "pin": self.past[-1].id})]
        self.vouches = [self.phone2.sign("member.vouch", device_vouch(self.keys["phone2"], self.keys["phone"],
                                                                      b"\x03" * 32)),
                        self.phone.sign("member.vouch", device_vouch(self.keys["phone"], self.keys["phone2"],
                                                                     b"\x04" * 32))]


def test_two_seized_phones_vouching_for_each_other_keep_their_pasts_in_every_order(tmp_path: Path) -> None:
    """The thief's two vouches are past the phones' revocation points, kept aside, yet counted as
    claims: each phone 'consented to two groups' and was torn, no member at all, its alerts and the
    groups it admitted out of the log on every node (review of 2026-12-04). A tear now needs two
    groups that could hold the phone: they tear nothing, whatever the order."""
    world = TwoSeizures()
    late = [*world.pins, *world.vouches]
    for n, order in enumerate(itertools.permutations(late)):
        log = _ingest_in(tmp_path / f"{n}.db", world, [*world.past, *world.dovers, *order], list(range(8)))
        trust, where = log.trust, f"order {n}"
        assert trust.member(world.pub("phone")).revoked_from == 4, where
        assert trust.member(world.pub("phone2")).revoked_from == 3, where
        assert trust.member(world.pub("dover")) is not None and trust.member(world.pub("deal")) is not None, where
        stored = {e.id for e in log.store.all_events()}
        assert {e.id for e in world.past + world.pins} <= stored and not {e.id for e in world.vouches} & stored, where
        assert all(log.store.is_pending(e.id) for e in world.vouches), where
