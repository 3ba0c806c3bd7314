"""The log, the trust state and every read model are a function of the SET of valid events.

Hypothesis writes histories of several groups — concurrent admissions of one group by several
members, device certifications with and without the device's consent, revocations by likely and
unlikely authors (a revoker revoked in turn), forks (the other branch a need, a revocation or a vouch),
revocations of a device that pin its chain (on either branch of a fork), redactions, profiles and ordinary events —
then ingests the same events into real SQLite stores in shuffled orders and random batch splits.
Every store must end with the same trust graph, the same stored events (and body states), the
same read-model rows, every read model that `solnet view`, the API and the dashboard show
(node.views: the region summary, needs drawn from offers, updates and all clears, report-backs ...)
and a rebuild equal to what was maintained incrementally. Updates, fulfilments, closes and reports
name earlier events of any author, so those that may not count (another group's) are in the mix.

HYPOTHESIS_PROFILE=long (see tests/conftest.py) runs many more examples.
"""
from __future__ import annotations

import hashlib
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crypto.keys import SigningKey
from events.canonical import unpack
from events.format import Event
from events.genesis import make_genesis
from node.log import EventLog, now_ms
from node.store import Store
from node.views import VIEWS, view
from node_fixtures import Author, action, device_vouch
from sync.frontier import is_marker

GROUPS = ("F", "G1", "G2", "G3")  # F founds the network
DEVICES = {"f1": "F", "f2": "F", "g1": "G1", "g2": "G2", "g3": "G3", "x": "G1"}  # device -> its usual group


@dataclass
class World:
    """The keys and signed events of one generated history."""

    genesis: object
    keys: dict[str, SigningKey]
    authors: dict[str, Author]
    events: list[Event]

    def pub(self, name: str) -> bytes:
        return bytes(self.keys[name].public)


# A second founding group and its device, for the histories of two founders (`TWO_FOUNDERS_STEPS`)
FOUNDER2, FOUNDER2_DEVICE = "F2", "h2"


def new_world(founders: tuple[str, ...] = ("F",)) -> World:
    # The same keys in every example: a failure replays, and shrinks, exactly.
    keys = {name: SigningKey(hashlib.sha256(b"order test " + name.encode()).digest())
            for name in (*GROUPS, *DEVICES, FOUNDER2, FOUNDER2_DEVICE)}
    genesis = make_genesis("order test", [bytes(keys[f].public) for f in founders], now_ms() - 60_000)
    authors = {name: Author(k, genesis.network_id) for name, k in keys.items()}
    world = World(genesis, keys, authors, [])
    # Every history starts with the founder certifying its first device (else nothing happens).
    world.events.append(authors["F"].sign("member.vouch", device_vouch(keys["F"], keys["f1"], b"\x01" * 32)))
    return world


NOW = now_ms()
# An alert's end: a day after this module's import, past any run of the suite (a 79-minute one ran
# under load), within the 48 hours an alert may last from its stamp: a test signing late in a slow run
# stamps its alert after NOW, and an end an hour after NOW was then before the stamp (refused).
ALERT_UNTIL = NOW + 24 * 3_600_000
# Kinds that name an earlier event: what each names, and its fields (the named ids filled in).
REFERRING = {
    "need.update": ("need", lambda i, t, o: {"need": t, "quantity": 1 + i % 9} if i % 3 else {"need": t, "status": "withdrawn"}),
    "offer.update": ("offer", lambda i, t, o: {"offer": t, "quantity": 1 + i % 5}),
    "need.fulfil": ("need", lambda i, t, o: {"need": t, "quantity": 1 + i % 4, **({"offer": o} if o else {})}),
    "support.offer.update": ("support.offer", lambda i, t, o: {"offer": t, "capacity": 1 + i % 3}),
    "alert.update": ("alert", lambda i, t, o: {"alert": t, "status": ("update", "all_clear")[i % 2], "text": f"now {i}",
                                               "region": "calais", "type": "raid"}),
    "action.report": ("action", lambda i, t, o: {"action": t, "people": i, "outcome": f"went well {i}"}),
    # moved (its end with it), cancelled, on again: the newest of its group's wins
    "action.update": ("action", lambda i, t, o: ({"action": t, "starts_at": NOW + i * 3_600_000, "place": f"p{i}"},
                                                 {"action": t, "status": "cancelled", "note": f"n{i}"},
                                                 {"action": t, "status": "on", "ends_at": NOW + 9 * 86_400_000})[i % 3]),
    "fundraiser.update": ("fundraiser", lambda i, t, o: {"fundraiser": t, **({"raised": 100 * i} if i % 2 else {"pledge": 5 + i})}),
    "support.claim": ("support.request", lambda i, t, o: {"request": t}),
    "support.close": ("support.request", lambda i, t, o: {"request": t, "outcome": "resolved"}),
}


def _post(i: int, kind: str) -> tuple[str, dict, int | None]:
    """(kind, fields, expiry) of a new event of `kind`, numbered `i`."""
    region = ("calais", "dover")[i % 2]
    if kind == "action":
        return "action", action(i, region=region), None
    if kind == "past_action":
        return "action", {**action(i, region=region), "starts_at": NOW - 86_400_000 - i}, None
    if kind in ("need", "offer"):
        return kind, {"category": ("tents", "water")[i % 2], "quantity": 1 + i, "region": "calais"}, None
    if kind == "support.offer":
        return kind, {"region": region, "type": "housing", "capacity": 1 + i % 4}, None
    if kind == "alert":
        return kind, {"region": "calais", "type": "raid", "text": f"alert {i}"}, ALERT_UNTIL
    if kind == "fundraiser":
        return kind, {"title": f"fund {i}", "goal": 1000, "currency": "EUR", "region": region}, None
    if kind == "support.request":
        return kind, {"region": region, "type": "legal", "people": "1", "urgency": ("low", "high")[i % 2]}, None
    if kind == "resource":
        return kind, {"title": f"leaflet {i}", "languages": ["ar", "fa", "en"][i % 3:], "summary": "rights",
                      "link": "https://example.org/r"}, None
    return "group.profile", {"name": f"says {i}", "region": "calais"}, None


def steps_of(groups: tuple[str, ...], devices: tuple[str, ...]) -> st.SearchStrategy:
    """The steps of a history among `groups` (the first a founder) and `devices`."""
    keys = [*groups, *devices]
    return st.one_of(
        st.tuples(st.just("admit"), st.sampled_from(keys), st.sampled_from(groups[1:])),
        # a group names a group it joined through (its own key, or a device that may not)
        st.tuples(st.just("accept"), st.sampled_from([*groups[1:], *devices]), st.sampled_from(groups)),
        st.tuples(st.just("device"), st.sampled_from(groups), st.sampled_from(list(devices)), st.booleans()),
        st.tuples(st.just("revoke"), st.sampled_from(keys), st.sampled_from(keys), st.integers(1, 4)),
        st.tuples(st.just("post"), st.sampled_from(list(devices)),
                  st.sampled_from(["action", "need", "profile", "offer", "support.offer", "alert", "fundraiser",
                                   "support.request", "resource", "past_action"])),
        st.tuples(st.just("refer"), st.sampled_from(list(devices)), st.sampled_from(sorted(REFERRING)), st.integers(0, 7),
                  st.integers(0, 7)),
        st.tuples(st.just("profile"), st.sampled_from(groups)),
        st.tuples(st.just("redact"), st.sampled_from(list(devices)), st.integers(0, 5)),
        st.tuples(st.just("fork"), st.sampled_from(keys), st.integers(1, 5),
                  st.sampled_from([None, *keys])),  # the other branch's event: a need, or a revocation
        # a fork whose other branch vouches: void, but a claim all the same (an admission, a device with
        # or without its consent)
        st.tuples(st.just("fork_vouch"), st.sampled_from(keys), st.integers(1, 5),
                  st.sampled_from(keys), st.sampled_from(["group", "consent", "no consent", "accept"])),
        # a group revoking a device (its own or not) after an event of it, pinning the chain up to that
        # event (of either branch when the device forked)
        st.tuples(st.just("pinned_revoke"), st.sampled_from(groups), st.sampled_from(list(devices)), st.integers(0, 9)),
        # a copy of a key that goes on in its own branch: several trust events (and a need) past the
        # fork point, each after the last (revocations, admissions, a device with its consent)
        st.tuples(st.just("fork_chain"), st.sampled_from(keys), st.integers(1, 5), st.lists(st.one_of(
            st.tuples(st.just("revoke"), st.sampled_from(keys), st.integers(1, 4)),
            st.tuples(st.just("group"), st.sampled_from(keys)),
            st.tuples(st.just("consent"), st.sampled_from(list(devices))),
            st.tuples(st.just("need"))), min_size=2, max_size=3)),
    )


STEPS = steps_of(GROUPS, tuple(DEVICES))
# Two founding groups, each admitting groups and certifying devices, revoking (only themselves may
# revoke a founder), forking: their decisions meet in the groups both admitted.
TWO_FOUNDERS_STEPS = steps_of(("F", FOUNDER2, *GROUPS[1:]), (*DEVICES, FOUNDER2_DEVICE))


def play(world: World, steps: list[tuple]) -> None:
    """Sign the events the steps describe, each in its author's chain."""
    k, a, ev = world.keys, world.authors, world.events
    counter = itertools.count()
    for step in steps:
        what = step[0]
        if what == "admit":
            ev.append(a[step[1]].sign("member.vouch", {"subject": world.pub(step[2]), "role": "group"}))
        elif what == "accept":
            ev.append(a[step[1]].sign("member.vouch", {"subject": world.pub(step[2]), "role": "accept"}))
        elif what == "device":
            _, group, dev, consent = step
            fields = device_vouch(k[group], k[dev], bytes([len(ev) % 7]) * 32)
            if not consent:
                del fields["consent"]
            ev.append(a[group].sign("member.vouch", fields))
        elif what == "revoke":
            _, author, subject, from_seq = step
            if author == subject:
                from_seq += a[author].seq + 1  # a key revokes itself from after the revocation
            ev.append(a[author].sign("member.revoke", {"subject": world.pub(subject), "from_seq": from_seq,
                                                       "reason": "test"}))
        elif what == "post":
            _, dev, kind = step
            kind, fields, expires = _post(next(counter), kind)
            ev.append(a[dev].sign(kind, fields, expires=expires, ts=NOW - 60_000 + len(ev)))
        elif what == "refer":
            _, dev, kind, pick, other = step
            named, make = REFERRING[kind]
            targets = [e for e in ev if e.kind == named and (named != "action" or _started(e))]
            offers = [e for e in ev if e.kind == "offer"]
            if targets:
                fields = make(next(counter), targets[pick % len(targets)].id,
                              offers[other % len(offers)].id if offers and other % 2 else None)
                ev.append(a[dev].sign(kind, fields, ts=NOW - 30_000 + len(ev)))
        elif what == "profile":
            ev.append(a[step[1]].sign("group.profile", {"name": f"{step[1]} {len(ev)}", "region": "dover"}))
        elif what == "redact":
            _, dev, pick = step
            own = [e for e in a[dev].made if e.kind in ("action", "need", "group.profile", "offer", "alert.update",
                                                          "need.fulfil", "support.offer", "member.vouch",
                                                          "member.revoke")]  # (trust events keep their bodies)
            if own:
                ev.append(a[dev].sign("redact", {"ids": [own[pick % len(own)].id]}))
        elif what == "pinned_revoke":
            _, group, dev, pick = step
            if a[dev].made:
                pinned = a[dev].made[pick % len(a[dev].made)]
                ev.append(a[group].sign("member.revoke", {"subject": world.pub(dev), "from_seq": pinned.seq + 1,
                                                          "reason": "seized", "pin": pinned.id}))
        elif what == "fork_chain":
            _, author, at, branch = step
            if a[author].made:
                seq = 1 + (at - 1) % a[author].seq
                prev = next((e.id for e in a[author].made if e.seq == seq - 1 and e.seq <= a[author].seq), None)
                for i, (part, *args) in enumerate(branch):
                    if part == "revoke":
                        kind, fields = "member.revoke", {"subject": world.pub(args[0]), "from_seq": args[1],
                                                         "reason": "other branch"}
                    elif part == "group":
                        kind, fields = "member.vouch", {"subject": world.pub(args[0]), "role": "group"}
                    elif part == "consent":
                        kind, fields = "member.vouch", device_vouch(k[author], k[args[0]], bytes([len(ev) % 7]) * 32)
                    else:
                        kind, fields = "need", {"category": "water", "quantity": 99 - i, "region": "calais"}
                    ev.append(a[author].sign(kind, fields, seq=seq, prev=prev))
                    seq, prev = seq + 1, ev[-1].id
        elif what in ("fork", "fork_vouch", "fork_prev"):
            author, at, other = step[1:4]
            made = [e for e in a[author].made if e.seq <= a[author].seq]
            if made:
                seq = 1 + (at - 1) % a[author].seq
                prev = next((e.id for e in made if e.seq == seq - 1), None)
                if what == "fork_prev" and seq > 1:
                    prev = bytes(32)  # a prev that names no event of the chain: a fork from seq - 1
                if what == "fork_vouch":
                    fields = ({"subject": world.pub(other), "role": step[4]} if step[4] in ("group", "accept") else
                              device_vouch(k[author], k[other], bytes([len(ev) % 7]) * 32))
                    if step[4] == "no consent":
                        del fields["consent"]
                    ev.append(a[author].sign("member.vouch", fields, seq=seq, prev=prev))
                elif other is None:
                    ev.append(a[author].sign("need", {"category": "water", "quantity": 99, "region": "calais"},
                                             seq=seq, prev=prev))
                else:  # the other hand revokes in its branch: past the fork point, that still counts
                    ev.append(a[author].sign("member.revoke", {"subject": world.pub(other), "from_seq": at,
                                                               "reason": "other branch"}, seq=seq, prev=prev))


def _started(ev: Event) -> bool:
    return unpack(ev.body)["starts_at"] < NOW


def state(log: EventLog) -> dict:
    store = log.store
    trust = log.trust
    events = sorted(store.event_states())
    # The heads and the count are kept as events come and go (revocations, forks): they must be
    # what the stored events say, whatever the order they came in.
    newest: dict[bytes, tuple[int, bytes]] = {}
    for event_id, author, seq, _ in events:
        newest[author] = max(newest.get(author, (0, b"")), (seq, event_id))
    assert sorted(h for h in store.heads() if not is_marker(h.author)) == sorted(
        (a, s, i) for a, (s, i) in newest.items())
    assert store.count() == len(events)
    return {
        # Every read model people see, read as the API reads them (bounded) and in full (the CLI).
        "views": {(name, bounded): view(log, name, now=NOW, limit=50 if bounded else None, peers=[])
                  for name in VIEWS for bounded in (False, True)},
        "members": {k: (m.role, m.group, m.revoked_from, m.encryption_key, m.admitters)
                    for k, m in trust.members.items()},
        # Fork points count where they limit a key (then the revocation in effect is the fork). A
        # fork between events that are out of the log anyway (past a revocation) may be known to one
        # node and not yet to another; it changes nothing unless that revocation stops counting, and
        # then both find it when the events come back.
        "revocations": {k: (r.by, r.from_seq, r.fork) for k, r in trust.revocations.items()},
        "events": events,
        # What a frozen key revoked past its fork point (it counts), the vouches it signed there
        # (claims), and how a round announces them.
        "frozen_revocations": store.frozen_revocations(),
        "frozen_claims": store.frozen_claims(),
        "marker_heads": sorted(h for h in store.heads() if is_marker(h.author)),
        "projections": store.projection_dump(),
    }


def ingest_in(path: Path, world: World, order: list[Event], cuts: list[int]) -> EventLog:
    log = EventLog.create(Store(path), world.genesis)
    wires = [e.encode() for e in order]
    bounds = [0, *sorted(set(c % (len(wires) + 1) for c in cuts)), len(wires)]
    for lo, hi in zip(bounds, bounds[1:]):
        if hi > lo:
            log.ingest(wires[lo:hi])
    return log


LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"


@settings(max_examples=1500 if LONG else 40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.slow
def test_stores_fed_the_same_events_in_any_order_and_batches_agree(data, tmp_path_factory):
    world = new_world()
    play(world, data.draw(st.lists(STEPS, min_size=4, max_size=36), label="steps"))
    agree_in_two_other_orders(data, world, tmp_path_factory.mktemp("order"), rebuild=True)


@settings(max_examples=600 if LONG else 25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_two_founders_decisions_agree_in_any_order(data, tmp_path_factory):
    """Two founding groups: both admit groups (a group both admitted has both as admitters, and
    either's revocation wins), certify devices, revoke themselves or try to revoke each other (no
    effect), fork, and copies of their keys go on in their own branches. Every order, the same."""
    world = new_world(("F", FOUNDER2))
    play(world, data.draw(st.lists(TWO_FOUNDERS_STEPS, min_size=4, max_size=30), label="steps"))
    agree_in_two_other_orders(data, world, tmp_path_factory.mktemp("founders"), rebuild=False)


def agree_in_two_other_orders(data, world: World, folder: Path, *, rebuild: bool) -> None:
    """Ingest `world`'s events as signed, then twice more in drawn orders and batch splits: the
    same state each time (and, if `rebuild`, the same read models rebuilt from the log)."""
    reference = ingest_in(folder / "ref.db", world, world.events, [])
    expected = state(reference)
    for name in ("b", "c"):
        order = data.draw(st.permutations(world.events), label=f"order {name}")
        cuts = data.draw(st.lists(st.integers(0, 60), max_size=6), label=f"cuts {name}")
        log = ingest_in(folder / f"{name}.db", world, order, cuts)
        got = state(log)
        for part in expected:
            assert got[part] == expected[part], f"{part} differs after ingesting in another order"
        if rebuild:
            log.rebuild()
            assert log.store.projection_dump() == expected["projections"], "rebuild differs from incremental"
        log.store.close()
    reference.store.close()


def test_the_front_run_admission_with_real_stores(tmp_path: Path) -> None:
    """The reported attack, on real stores: Bristol (a member) vouches for Dover before Calais
    does; Calais revokes Bristol. In either arrival order Calais's vouch takes effect, Calais's later
    events all go in (nothing waits in `pending`), Bristol is revoked, and Dover is a member admitted
    by Calais alone."""
    world = new_world()
    k, a = world.keys, world.authors
    calais, bristol, dover = a["F"], a["G1"], world.pub("G2")
    world.events += [calais.sign("member.vouch", {"subject": world.pub("G1"), "role": "group"}),
                     bristol.sign("member.vouch", device_vouch(k["G1"], k["g1"], b"\x02" * 32))]
    front_run = a["g1"].sign("member.vouch", {"subject": dover, "role": "group"})
    genuine = calais.sign("member.vouch", {"subject": dover, "role": "group"})
    cut_off = calais.sign("member.revoke", {"subject": world.pub("G1"), "from_seq": 1, "reason": "infiltrator"})
    later = calais.sign("group.profile", {"name": "Calais", "region": "calais"})
    setup = list(world.events)
    for i, order in enumerate(([front_run, genuine, cut_off, later], [genuine, cut_off, later, front_run],
                               [cut_off, front_run, later, genuine])):
        log = ingest_in(tmp_path / f"{i}.db", world, setup + order, [])
        assert log.trust.member(dover).admitters == (world.pub("F"),)
        assert log.trust.member(world.pub("G1")).revoked_from == 1
        assert log.trust.effect(genuine.id) is None and log.trust.effect(cut_off.id) is None
        assert log.store.pending_count() == 0 or all(
            author != world.pub("F") for author, _ in log.store.pending_authors())
        assert log.store.head(world.pub("F"))[1] == later.id
        log.store.close()


_POST = st.tuples(st.just("post"), st.sampled_from(list(DEVICES)),
                  st.sampled_from(["action", "need", "offer", "support.offer", "alert", "fundraiser", "support.request",
                                   "resource", "past_action", "profile"]))
_REFER = st.tuples(st.just("refer"), st.sampled_from(list(DEVICES)), st.sampled_from(sorted(REFERRING)),
                   st.integers(0, 2), st.integers(0, 3))  # few targets: several updates of one event
# Posts and what refers to them; now and then a redaction takes one out (revocations are the first
# test's business: here they would take out most of what refers to anything).
COORDINATION_STEPS = st.one_of(_POST, _POST, _REFER, _REFER, _REFER,
                               st.tuples(st.just("redact"), st.sampled_from(list(DEVICES)), st.integers(0, 5)))


def certified_world() -> World:
    """Every group admitted and every device certified, so that what the steps post counts."""
    world = new_world()
    play(world, [("admit", "F", g) for g in GROUPS[1:]]
         + [("device", group, dev, True) for dev, group in DEVICES.items() if dev != "f1"])
    return world


@settings(max_examples=1000 if LONG else 100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_coordination_read_models_agree_in_any_order(data, tmp_path_factory):
    """Needs adjusted by their group or another, fulfilments drawing on offers, support offers and
    their updates, alerts updated and cleared, report-backs, fundraiser reports and pledges,
    claims and closes: every view (the region summary included) is the same in every order."""
    world = certified_world()
    play(world, data.draw(st.lists(COORDINATION_STEPS, min_size=10, max_size=50), label="steps"))
    folder = tmp_path_factory.mktemp("coordination")
    reference = ingest_in(folder / "ref.db", world, world.events, [])
    expected = state(reference)
    order = data.draw(st.permutations(world.events), label="order")
    cuts = data.draw(st.lists(st.integers(0, 80), max_size=6), label="cuts")
    log = ingest_in(folder / "other.db", world, order, cuts)
    got = state(log)
    for part in expected:
        assert got[part] == expected[part], f"{part} differs after ingesting in another order"
    log.rebuild()
    assert state(log)["views"] == expected["views"], "read models differ after a rebuild"
    log.store.close()
    reference.store.close()


# A device's group (mostly) or another revoking it, pinning its chain at one of its events (of either
# branch once it forked).
_PINNED_REVOKE = st.sampled_from(sorted(DEVICES)).flatmap(lambda dev: st.tuples(
    st.just("pinned_revoke"), st.sampled_from([DEVICES[dev]] * 3 + list(GROUPS)), st.just(dev), st.integers(0, 9)))
SEIZURE_STEPS = st.one_of(
    _POST, _POST, _PINNED_REVOKE,
    st.tuples(st.just("fork"), st.sampled_from(sorted(DEVICES)), st.integers(1, 5), st.sampled_from([None, *GROUPS])),
    st.tuples(st.just("admit"), st.sampled_from(sorted(DEVICES)), st.sampled_from(GROUPS[1:])),
    st.tuples(st.just("revoke"), st.sampled_from(GROUPS), st.sampled_from(sorted(DEVICES)), st.integers(1, 4)),
    # A copy of a group key forks it (perhaps at its pinning revocation's seq: the pin stops counting),
    # and the founder revokes a group it admitted (perhaps from before its pin: void, rule 4).
    st.tuples(st.just("fork"), st.sampled_from(GROUPS), st.integers(1, 8), st.sampled_from([None, *GROUPS])),
    st.tuples(st.just("fork_prev"), st.sampled_from(sorted(DEVICES)), st.integers(2, 6), st.none()),
    st.tuples(st.just("revoke"), st.just("F"), st.sampled_from(GROUPS[1:]), st.integers(1, 6)),
)


@settings(max_examples=1000 if LONG else 60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_seized_devices_and_pinned_revocations_agree_in_any_order(data, tmp_path_factory):
    """Certified devices post and admit groups; copies of their keys fork them (the other branch a
    need or a revocation of a group); groups revoke devices, their own or not, pinning the chain at
    an event of either branch, or without a pin. Copies of group keys fork them too, and the founder
    revokes groups: a pin stops counting, and may count again. Whether a fork stands or the pin
    shows it to be a forgery (the phone's past back, the thief's branch nowhere), every store ends
    the same."""
    world = certified_world()
    play(world, data.draw(st.lists(SEIZURE_STEPS, min_size=6, max_size=30), label="steps"))
    agree_in_two_other_orders(data, world, tmp_path_factory.mktemp("seizure"), rebuild=False)


def test_a_revocation_let_in_from_aside_is_counted_before_the_next_event_leaves_aside(tmp_path: Path) -> None:
    """Found by the test above: the founder revokes G1 from seq 1, and a copy of G1's key forks it at
    seq 1 (its vouches there kept as claims beside the chain, until the revocation counts). When the
    founder's chain came in from aside, its trust events were counted as each next one was let in,
    already out of `pending` and not yet stored: a gap in the founder's chain, the revocation void
    for that moment, and G1's vouches went back beside the chain for good on this node only."""
    world = certified_world()
    play(world, [("post", "f1", "action")] * 6 + [("revoke", "F", "G1", 1), ("fork", "G1", 1, None)])
    expected = state(ingest_in(tmp_path / "ref.db", world, world.events, []))
    order = [world.events[i] for i in (15, 10, 1, 16, 14, 5, 4, 0, 2, 12, 7, 3, 13, 9, 11, 8, 6)]
    got = state(ingest_in(tmp_path / "other.db", world, order, [13, 45, 48]))
    assert got["frozen_claims"] == expected["frozen_claims"] == []
    assert got == expected


def test_a_prev_naming_another_seq_below_lowers_the_fork_a_twin_made_first(tmp_path: Path) -> None:
    """Found by the seizure test (long profile): f1 posts; copies of its key sign a need at seq 2
    after the chain's seq 1 (a fork from 2) and one whose prev names no event of the chain (a fork
    from 1). Where the first was read first (the order they were signed in), the other was refused
    as past the fork point without being read as a fork, and f1's seq 1 stayed in that node's log
    only. Every order ends frozen from 1, with none of f1's events in the log."""
    world = certified_world()
    play(world, [("post", "f1", "action")] * 14 + [("fork", "f1", 2, None), ("fork_prev", "f1", 2, None)])
    ev = world.events
    f1 = world.pub("f1")
    runs = {"as signed": (ev, []), "the two forks swapped": (ev[:-2] + [ev[-1], ev[-2]], []),
            "one at a time": (ev, list(range(1, len(ev)))),
            "the forks waiting aside for seq 1": (ev[:-16] + ev[-2:] + ev[-16:-2], [len(ev) - 16, len(ev) - 14])}
    states = {}
    for n, (name, (order, cuts)) in enumerate(runs.items()):
        log = ingest_in(tmp_path / f"{n}.db", world, order, cuts)
        assert log.trust.fork_point(f1) == 1, name
        states[name] = state(log)
        log.store.close()
    assert all(author != f1 for _, author, _, _ in states["as signed"]["events"])
    for name, got in states.items():
        assert got == states["as signed"], name


def _agree_from_2_when_a_revocation_stops_counting(world: World, author: str, revoker: str, chain_kind: str,
                                                   bad: Event, tmp_path: Path) -> None:
    """`author`'s chain of three, a twin of its seq 3 (a fork from 3), and `bad`, its event at seq 3
    whose prev names no event of the chain (a fork from 2); `revoker` revokes it from 2, and the
    founder revokes `revoker` from before that revocation (which then no longer counts). Each
    order, one event a batch, ends frozen from 2 and in the same state."""
    a = world.authors[author]
    fields = {"action": lambda i: action(i), "group.profile": lambda i: {"name": f"{author} {i}", "region": "dover"}}
    chain = [a.sign(chain_kind, fields[chain_kind](i)) for i in range(3)]
    events = [*chain, a.sign(chain_kind, fields[chain_kind](9), seq=3, prev=chain[1].id), bad]
    cut = world.authors[revoker].sign("member.revoke", {"subject": world.pub(author), "from_seq": 2, "reason": "seized"})
    lift = world.authors["F"].sign("member.revoke", {"subject": world.pub(revoker), "from_seq": cut.seq,
                                                     "reason": "infiltrator"})
    base = list(world.events)
    orders = {"as signed": base + events + [cut, lift],
              "revoked before the other prev came": base + events[:4] + [cut, events[4], lift],
              "revoked first": base + [cut] + events + [lift]}
    states = {}
    for n, (name, order) in enumerate(orders.items()):
        log = ingest_in(tmp_path / f"{n}.db", world, order, list(range(1, len(order))))
        assert log.trust.fork_point(world.pub(author)) == 2, name
        states[name] = state(log)
        log.store.close()
    for name, got in states.items():
        assert got == states["as signed"], name


def test_a_prev_naming_another_seq_below_lowers_the_fork_once_a_revocation_stops_counting(tmp_path: Path) -> None:
    """A device frozen from 3 by a twin, revoked by its group from 2 (seq 2 out of the log), gets its
    event at 3 whose prev names another seq 2: nothing to compare it with, so it is kept beside the
    chain. When the founder revokes the group from before its revocation, seq 2 comes back, and
    that event makes the fork from 2, as on the nodes that read it while seq 2 was there."""
    world = certified_world()
    bad = world.authors["g1"].sign("need", {"category": "water", "quantity": 99, "region": "calais"}, seq=3,
                                   prev=bytes(32))
    _agree_from_2_when_a_revocation_stops_counting(world, "g1", "G1", "action", bad, tmp_path)


def test_a_group_keys_revocation_at_its_fork_point_naming_another_seq_below_lowers_the_fork(tmp_path: Path) -> None:
    """The same for a group key, whose events past a fork point are not kept beside the chain: its
    revocation at seq 3 whose prev names another seq 2 waits aside while its admitter's revocation
    from 2 counts, and is kept as a revocation past the fork point once that one stops counting; it
    makes the fork from 2 once seq 2 is back."""
    world = new_world()
    play(world, [("admit", "F", "G2"), ("admit", "G2", "G1")])
    bad = world.authors["G1"].sign("member.revoke", {"subject": world.pub("G3"), "from_seq": 1, "reason": "other branch"},
                                   seq=3, prev=bytes(32))
    _agree_from_2_when_a_revocation_stops_counting(world, "G1", "G2", "group.profile", bad, tmp_path)


def test_a_prev_naming_another_seq_below_a_revocation_point_is_a_fork_in_any_order(tmp_path: Path) -> None:
    """Found by a longer hunt of the seizure test's kind: the founder revokes G1 from seq 2, and a
    copy of G1's key signs a seq 2 whose prev names no seq 1 of its chain (a fork from 1, where G1
    still signs). Where that event came before the revocation, G1 was frozen from 1 (its device g1 no
    member); where the revocation came first it waited aside unread, past the revocation point, and
    G1 kept its seq 1 and g1. Every order: frozen from 1, g1 no member."""
    world = certified_world()
    play(world, [("post", "f1", "action"), ("revoke", "F", "G1", 2), ("fork_prev", "G1", 2, None)])
    g1_group = world.pub("G1")
    ev = world.events
    own = [e for e in ev if e.author == g1_group]
    runs = {"as signed, one batch": (ev, []), "one at a time": (ev, list(range(1, len(ev)))),
            "the other prev before the revocation": (ev[:-2] + [ev[-1], ev[-2]], list(range(1, len(ev)))),
            # it waits aside until G1's seq 1 comes, the revocation counting already
            "G1's chain last": ([e for e in ev if e.author != g1_group] + own, list(range(1, len(ev))))}
    states = {}
    for n, (name, (order, cuts)) in enumerate(runs.items()):
        log = ingest_in(tmp_path / f"{n}.db", world, order, cuts)
        assert (log.trust.fork_point(g1_group), log.trust.member(world.pub("g1"))) == (1, None), name
        states[name] = state(log)
        log.store.close()
    first = next(iter(states.values()))
    for name, got in states.items():
        assert got == first, name


# Declines name a reply (a pledge, a fulfilment) and what it answers: made from a reply already signed
DECLINING = {"fundraiser.decline": ("fundraiser.update", "fundraiser"), "need.decline": ("need.fulfil", "need")}
_DECLINE = st.tuples(st.just("decline"), st.sampled_from(list(DEVICES)), st.sampled_from(sorted(DECLINING)),
                     st.integers(0, 3))


def play_declines(world: World, steps: list[tuple]) -> None:
    """`play`, and declines by any device of replies already signed (their owner's or not)."""
    for step in steps:
        if step[0] != "decline":
            play(world, [step])
            continue
        _, dev, kind, pick = step
        named, field = DECLINING[kind]
        replies = [e for e in world.events if e.kind == named and "raised" not in unpack(e.body)]
        if replies:
            reply = replies[pick % len(replies)]
            world.events.append(world.authors[dev].sign(kind, {field: unpack(reply.body)[field], "decline": reply.id},
                                                        ts=NOW - 20_000 + len(world.events)))


@settings(max_examples=1000 if LONG else 60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_declines_of_pledges_and_fulfilments_agree_in_any_order(data, tmp_path_factory):
    """fundraiser.decline and need.decline, by the owner's group or another, of one pledge or
    fulfilment among several of a group, before or after what they name: every view the same."""
    world = certified_world()
    play_declines(world, data.draw(st.lists(st.one_of(_POST, _REFER, _REFER, _DECLINE, _DECLINE),
                                            min_size=10, max_size=40), label="steps"))
    folder = tmp_path_factory.mktemp("declines")
    reference = ingest_in(folder / "ref.db", world, world.events, [])
    expected = state(reference)
    order = data.draw(st.permutations(world.events), label="order")
    log = ingest_in(folder / "other.db", world, order, data.draw(st.lists(st.integers(0, 80), max_size=4)))
    got = state(log)
    for part in expected:
        assert got[part] == expected[part], f"{part} differs after ingesting in another order"
    log.store.close()
    reference.store.close()


@settings(max_examples=200 if LONG else 25, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_sealed_replies_count_only_where_they_reach_the_owner_in_any_order(data, tmp_path_factory):
    """The infiltrator review: a pledge or a fulfilment sealed to groups that leave out the
    fundraiser's (need's) group was counted by those groups' desks, while the owner never saw it nor
    could decline it. Real sealed events in real stores, read by G1's device (the owner) and G3's
    (told of the hidden ones): neither counts them, sealed replies to the owner count, sealed
    declines take them out, the same in every order."""
    from crypto.envelope import seal
    from crypto.keys import EncryptionKey
    from events.sealed import inner_plaintext
    from node.audience import Opener, opened_rows
    from node.views import reader_of

    enc = {d: EncryptionKey(hashlib.sha256(b"order test enc " + d.encode()).digest()) for d in ("g1", "g2", "g3")}
    world = new_world()
    play(world, [("admit", "F", g) for g in GROUPS[1:]])
    a, k = world.authors, world.keys
    for dev in ("g1", "g2", "g3"):
        world.events.append(a[DEVICES[dev]].sign("member.vouch", device_vouch(k[DEVICES[dev]], k[dev],
                                                                              bytes(enc[dev].public))))
    g = {name: world.pub(name) for name in GROUPS}

    def sealed(dev: str, kind: str, fields: dict, to: list[str]) -> Event:
        readers = [enc[dev].public, *(enc[d].public for d in ("g1", "g2", "g3") if DEVICES[d] in to and d != dev)]
        body = {"envelope": seal(inner_plaintext(kind, fields, [g[t] for t in to]), readers)}
        ev = a[dev].sign("sealed", body, ts=NOW - 10_000 + len(world.events))
        world.events.append(ev)
        return ev

    def public(dev: str, kind: str, fields: dict) -> Event:
        world.events.append(a[dev].sign(kind, fields, ts=NOW - 10_000 + len(world.events)))
        return world.events[-1]

    fund = public("g1", "fundraiser", {"title": "Bail", "goal": 5000, "currency": "GBP", "region": "calais"})
    need = public("g1", "need", {"category": "tents", "quantity": 10, "region": "calais"})
    sealed("g2", "fundraiser.update", {"fundraiser": fund.id, "pledge": 99_999_999}, ["G3"])  # leaves out G1
    sealed("g2", "need.fulfil", {"need": need.id, "quantity": 10}, ["G3"])
    ok = sealed("g2", "fundraiser.update", {"fundraiser": fund.id, "pledge": 100}, ["G1"])
    covered = sealed("g2", "need.fulfil", {"need": need.id, "quantity": 2}, ["G1"])
    p3 = public("g3", "fundraiser.update", {"fundraiser": fund.id, "pledge": 7})
    u3 = public("g3", "need.fulfil", {"need": need.id, "quantity": 1})
    sealed("g1", "fundraiser.decline", {"fundraiser": fund.id, "decline": p3.id}, ["G3"])
    sealed("g1", "need.decline", {"need": need.id, "decline": u3.id}, ["G3"])
    sealed("g3", "need.decline", {"need": need.id, "decline": covered.id}, ["G1"])  # not G3's need: nothing

    def seen(log: EventLog) -> dict:
        out = {}
        for dev in ("g1", "g3"):
            opener = Opener(enc[dev])
            reader = reader_of(log, opened_rows(log, opener), opener=opener)
            out[dev] = {name: view(log, name, now=NOW, peers=[], reader=reader)
                        for name in ("fundraisers", "needs", "regions")}
        return out

    folder = tmp_path_factory.mktemp("sealed_replies")
    reference = ingest_in(folder / "ref.db", world, world.events, [])
    expected = seen(reference)
    for dev, counted, pledges, fulfilled, by in (("g1", 100, [ok.id], 2, [covered.id]), ("g3", 0, [], 0, [])):
        [f] = expected[dev]["fundraisers"]
        [n] = [n for n in expected[dev]["needs"] if n["side"] == "need"]
        assert (f["pledged"], [p["id"] for p in f["pledged_by"]], [d["id"] for d in f["declined"]]) == (
            counted, pledges, [p3.id]), dev
        assert (n["fulfilled"], [b["id"] for b in n["fulfilled_by"]], [d["id"] for d in n["declined"]]) == (
            fulfilled, by, [u3.id]), dev
    order = data.draw(st.permutations(world.events), label="order")
    log = ingest_in(folder / "other.db", world, order, data.draw(st.lists(st.integers(0, 30), max_size=4)))
    assert seen(log) == expected
    log.store.close()
    reference.store.close()
