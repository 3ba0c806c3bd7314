"""A revoked device cannot take a device vouched for without consent out of the network.

A device certified before devices gave their consent (solnet 0.1) stays its group's while nobody
else claims it (events/trust.py). Claims counted whatever their author's standing, so a mole its
group had revoked (with a pin), or a seized phone, signed past its revocation an admission of
another group's such device, or a vouch of it as a device: kept aside, it still contested the key,
and every node refused that device and its raid alert, in every arrival order. Now only the claims
their authors may sign contest it (a device vouch only a member group's); a member in good standing
still does (the device's consent is what guards it), even one that becomes a member only in a later
pass. Nor can a thief holding such a phone void its group's vouch by the phone's consent, given to a
key it made up through the phone or to a second seized phone. Real SQLite stores, the events in
several orders and batch splits."""
from __future__ import annotations

from pathlib import Path

from events.format import Event
from node.log import EventLog
from node_fixtures import action, device_vouch
from test_order_independence import ALERT_UNTIL, NOW, World, ingest_in, new_world, play, state


def _g1_of_0_1() -> World:
    """F admits G1 and G2; G1 vouches for its phone g1 without consent (as 0.1 did)."""
    world = new_world()
    k = world.keys
    play(world, [("admit", "F", "G1"), ("admit", "F", "G2")])
    legacy = device_vouch(k["G1"], k["g1"], b"\x05" * 32)
    del legacy["consent"]
    world.events.append(world.authors["G1"].sign("member.vouch", legacy))
    return world


def _legacy_world() -> tuple[World, Event]:
    """G1 with a device g1 vouched for without consent, whose raid alert is in the log; G2 with a
    consented device g2 (the mole), which signs an action before G2 revokes it from seq 2, pinned."""
    world = _g1_of_0_1()
    k, a = world.keys, world.authors
    world.events.append(a["G2"].sign("member.vouch", device_vouch(k["G2"], k["g2"], b"\x06" * 32)))
    alert = a["g1"].sign("alert", {"region": "calais", "type": "raid", "text": "police at the camp"},
                         expires=ALERT_UNTIL)
    world.events.append(alert)
    before = a["g2"].sign("action", action(1))
    world.events.append(before)
    world.events.append(a["G2"].sign("member.revoke", {"subject": world.pub("g2"), "from_seq": 2,
                                                        "reason": "infiltrator", "pin": before.id}))
    return world, alert


def _orders(world: World, claims: list[Event]) -> dict[str, tuple[list[Event], list[int]]]:
    ev = world.events
    everything = ev + claims
    return {"as signed": (everything, []), "claims first": (claims + ev, []),
            "one at a time": (everything, list(range(1, len(everything)))),
            "revocation last": ([e for e in everything if e.kind != "member.revoke"]
                                + [e for e in everything if e.kind == "member.revoke"], [len(everything) - 1])}


def _in_every_order(world: World, claims: list[Event], tmp_path: Path, check) -> None:
    """`check(log, name)` on a store fed the world's events and `claims` in each of `_orders`; and
    every store ends the same."""
    states = {}
    for n, (name, (order, cuts)) in enumerate(_orders(world, claims).items()):
        log = ingest_in(tmp_path / f"{n}.db", world, order, cuts)
        try:
            check(log, name)
            states[name] = state(log)
        finally:
            log.store.close()
    for name, got in states.items():
        assert got == states["as signed"], name


def _g1_keeps_its_device(world: World, alert: Event, claims: list[Event], tmp_path: Path) -> None:
    def check(log: EventLog, name: str) -> None:
        g1 = log.trust.member(world.pub("g1"))
        assert g1 is not None and g1.group == world.pub("G1"), name
        assert log.store.event_row(alert.id) is not None, name
        assert log.trust.member(world.pub("g2")).revoked_from == 2, name
    _in_every_order(world, claims, tmp_path, check)


def test_a_revoked_devices_admission_of_a_legacy_device_takes_nothing_out(tmp_path: Path) -> None:
    world, alert = _legacy_world()
    claim = world.authors["g2"].sign("member.vouch", {"subject": world.pub("g1"), "role": "group"})
    _g1_keeps_its_device(world, alert, [claim], tmp_path)


def test_a_revoked_devices_vouch_of_a_legacy_device_and_of_a_key_it_made_up_take_nothing_out(tmp_path: Path) -> None:
    """The same with a device vouch without consent, and with a fresh key the phone admits past its
    revocation which then claims the device (its chain complete, but no member)."""
    world, alert = _legacy_world()
    k, a = world.keys, world.authors
    claim = device_vouch(k["g2"], k["g1"], b"\x07" * 32)
    del claim["consent"]
    first = a["g2"].sign("member.vouch", claim)
    made_up = a["g2"].sign("member.vouch", {"subject": world.pub("x"), "role": "group"})
    then = device_vouch(k["x"], k["g1"], b"\x08" * 32)
    del then["consent"]
    _g1_keeps_its_device(world, alert, [first, made_up, a["x"].sign("member.vouch", then)], tmp_path)


def test_a_member_in_good_standing_still_contests_a_legacy_device(tmp_path: Path) -> None:
    """What the rule keeps (design 5.4): a member that may sign its admission of the device
    contests it (an admission beats a vouch without consent), in every order: the device's consent
    is what guards it."""
    world, alert = _legacy_world()
    claim = world.authors["G3"].sign("member.vouch", {"subject": world.pub("g1"), "role": "group"})
    admit_g3 = world.authors["F"].sign("member.vouch", {"subject": world.pub("G3"), "role": "group"})
    for n, (name, (order, cuts)) in enumerate(_orders(world, [admit_g3, claim]).items()):
        log = ingest_in(tmp_path / f"{n}.db", world, order, cuts)
        try:
            g1 = log.trust.member(world.pub("g1"))
            assert g1 is not None and g1.role == "group", name
            assert log.no_effect(alert) is not None, name
        finally:
            log.store.close()


def test_a_thief_cannot_erase_a_seized_legacy_phones_past_by_its_consent_to_a_key_it_made_up(tmp_path: Path) -> None:
    """A seized phone of 0.1 (vouched for without consent) that admitted Bristol, revoked by its
    group with a pin: past the revocation the thief admits a fresh key with it, and has that key
    vouch for the phone with the phone's consent. A consent makes a vouch without it void, so the
    phone was nobody's device on every node: its raid alert and Bristol (every event of it) gone.
    A consent to a key reached only through the phone itself is not counted, as for tears."""
    world = new_world()
    k, a = world.keys, world.authors
    play(world, [("admit", "F", "G1")])
    legacy = device_vouch(k["G1"], k["g1"], b"\x05" * 32)
    del legacy["consent"]
    world.events.append(a["G1"].sign("member.vouch", legacy))
    alert = a["g1"].sign("alert", {"region": "calais", "type": "raid", "text": "police at the camp"},
                         expires=ALERT_UNTIL)
    bristol = a["g1"].sign("member.vouch", {"subject": world.pub("G2"), "role": "group"})
    world.events += [alert, bristol, a["G2"].sign("group.profile", {"name": "Bristol", "region": "bristol"})]
    world.events.append(a["G1"].sign("member.revoke", {"subject": world.pub("g1"), "from_seq": 3,
                                                        "reason": "seized", "pin": bristol.id}))
    made_up = a["g1"].sign("member.vouch", {"subject": world.pub("x"), "role": "group"})
    consent = a["x"].sign("member.vouch", device_vouch(k["x"], k["g1"], b"\x07" * 32))
    def check(log: EventLog, name: str) -> None:
        g1 = log.trust.member(world.pub("g1"))
        assert g1 is not None and g1.group == world.pub("G1") and g1.revoked_from == 3, name
        assert log.store.event_row(alert.id) is not None, name
        assert log.trust.member(world.pub("G2")) is not None, name
        assert log.trust.member(world.pub("x")) is None, name
    _in_every_order(world, [made_up, consent], tmp_path, check)


def test_a_key_let_out_of_its_contest_is_contested_again_by_a_claimant_that_became_a_member(tmp_path: Path) -> None:
    """G3 names G1 only as its admitter and admits x, whose device g1 posts a raid alert; the
    founder expels G1 (from 1), so G3 is no member until its restriction is lifted; G2 vouches for
    x as a device without consent, and revokes it from 1. In the first pass G3's admission of x
    could not count and x was let out of its contest to G2, for good: G2 held the group x as its
    device and its revocation erased x's past, the alert and g1 with it, on every node. Now a key
    let out is asked again against the last graph: G3, lifted, admits x, which is a group as
    before 2026-12-06 (G2 revokes nothing of it)."""
    world = new_world()
    play(world, [("admit", "F", "G1"), ("admit", "F", "G2"), ("admit", "F", "G3"), ("admit", "G1", "G3"),
                 ("accept", "G3", "G1"), ("admit", "G3", "x"), ("device", "x", "g1", True), ("post", "g1", "alert"),
                 ("revoke", "F", "G1", 1)])
    alert = world.events[-2]
    claim = device_vouch(world.keys["G2"], world.keys["x"], b"\x07" * 32)
    del claim["consent"]
    claims = [world.authors["G2"].sign("member.vouch", claim),
              world.authors["G2"].sign("member.revoke", {"subject": world.pub("x"), "from_seq": 1, "reason": "mine"})]

    def check(log: EventLog, name: str) -> None:
        x = log.trust.member(world.pub("x"))
        assert x is not None and (x.role, x.revoked_from) == ("group", None), name
        assert log.trust.member(world.pub("g1")).group == world.pub("x"), name
        assert log.store.event_row(alert.id) is not None and log.no_effect(alert) is None, name
    _in_every_order(world, claims, tmp_path, check)


def test_a_device_in_good_standing_does_not_contest_a_legacy_device(tmp_path: Path) -> None:
    """A device key can never hold a device (only a group key certifies one): G2's phone g2,
    certified and never revoked, vouching for G1's device of 0.1 without consent took it, and Bristol,
    which it admitted, out of the network on every node. Now it contests nothing."""
    world = _g1_of_0_1()
    k, a = world.keys, world.authors
    world.events.append(a["g1"].sign("member.vouch", {"subject": world.pub("G3"), "role": "group"}))
    world.events.append(a["G2"].sign("member.vouch", device_vouch(k["G2"], k["g2"], b"\x06" * 32)))
    claim = device_vouch(k["g2"], k["g1"], b"\x07" * 32)
    del claim["consent"]

    def check(log: EventLog, name: str) -> None:
        assert log.trust.member(world.pub("g1")).group == world.pub("G1"), name
        assert log.trust.member(world.pub("G3")).admitters == (world.pub("G1"),), name
    _in_every_order(world, [a["g2"].sign("member.vouch", claim)], tmp_path, check)


def test_a_second_seized_phones_vouch_carrying_the_first_ones_consent_voids_nothing(tmp_path: Path) -> None:
    """g1, G1's phone of 0.1, admitted Bristol (G3); g2 is G2's phone. Both are seized: G1 revokes
    g1 from 2 (pinned), G2 revokes g2 from 1. The thief signs with g2, at seq 1, a device vouch of
    g1 carrying g1's consent: the consent made G1's vouch void, and g1, its past and Bristol left
    every node. A consent voids a vouch without it only where a member group may sign it."""
    world = _g1_of_0_1()
    k, a = world.keys, world.authors
    bristol = a["g1"].sign("member.vouch", {"subject": world.pub("G3"), "role": "group"})
    world.events += [bristol, a["G3"].sign("group.profile", {"name": "Bristol", "region": "bristol"})]
    world.events.append(a["G2"].sign("member.vouch", device_vouch(k["G2"], k["g2"], b"\x06" * 32)))
    world.events.append(a["G1"].sign("member.revoke", {"subject": world.pub("g1"), "from_seq": 2,
                                                        "reason": "seized", "pin": bristol.id}))
    world.events.append(a["G2"].sign("member.revoke", {"subject": world.pub("g2"), "from_seq": 1,
                                                        "reason": "seized"}))
    consent = a["g2"].sign("member.vouch", device_vouch(k["g2"], k["g1"], b"\x07" * 32))

    def check(log: EventLog, name: str) -> None:
        g1 = log.trust.member(world.pub("g1"))
        assert g1 is not None and (g1.group, g1.revoked_from) == (world.pub("G1"), 2), name
        assert log.trust.member(world.pub("G3")) is not None, name
    _in_every_order(world, [consent], tmp_path, check)


def _seized_legacy_phone_and_an_expelled_group(expelled_from: int) -> tuple[World, Event, Event]:
    """g1, G1's phone of 0.1, posted a raid alert and admitted Bristol (G3); G1 revokes it from 3,
    pinned (seized). G2 certified its phone g2 (its seq 1) and long ago the founder expelled G2 from
    `expelled_from`. Returns the world, the alert and the thief's vouch: G2's key, at its next seq,
    vouching for g1 as a device with g1's consent (the thief holds g1's key)."""
    world = _g1_of_0_1()
    k, a = world.keys, world.authors
    alert = a["g1"].sign("alert", {"region": "calais", "type": "raid", "text": "police at the camp"},
                         expires=ALERT_UNTIL)
    bristol = a["g1"].sign("member.vouch", {"subject": world.pub("G3"), "role": "group"})
    world.events += [alert, bristol, a["G3"].sign("group.profile", {"name": "Bristol", "region": "bristol"})]
    world.events.append(a["G2"].sign("member.vouch", device_vouch(k["G2"], k["g2"], b"\x06" * 32)))
    world.events.append(a["F"].sign("member.revoke", {"subject": world.pub("G2"), "from_seq": expelled_from,
                                                       "reason": "infiltrator"}))
    world.events.append(a["G1"].sign("member.revoke", {"subject": world.pub("g1"), "from_seq": 3,
                                                        "reason": "seized", "pin": bristol.id}))
    consent = a["G2"].sign("member.vouch", device_vouch(k["G2"], k["g1"], b"\x07" * 32))
    return world, alert, consent


def test_a_group_expelled_long_ago_cannot_erase_a_seized_legacy_phones_past_by_its_consent(tmp_path: Path) -> None:
    """The case left open in closing note 50: the thief holds g1, a seized phone of 0.1, and the key
    of G2, a group the founder expelled long ago. G2 vouches for g1 with g1's consent: until
    2026-12-06 any consent made G1's vouch without it void, so g1 was nobody's device and its raid
    alert and Bristol, which it admitted, left every node. G2 may not sign at that seq (expelled
    from 1, the default, or from 2 keeping its past): the consent voids nothing, in every order."""
    for expelled_from in (1, 2):
        world, alert, consent = _seized_legacy_phone_and_an_expelled_group(expelled_from)

        def check(log: EventLog, name: str) -> None:
            g1 = log.trust.member(world.pub("g1"))
            assert g1 is not None and (g1.group, g1.revoked_from) == (world.pub("G1"), 3), name
            assert log.store.event_row(alert.id) is not None and log.no_effect(alert) is None, name
            assert log.trust.member(world.pub("G3")).admitters == (world.pub("G1"),), name
            assert log.trust.member(world.pub("G2")).revoked_from == expelled_from, name
            assert (log.trust.member(world.pub("g2")) is not None) == (expelled_from > 1), name  # (its past)
        folder = tmp_path / f"from{expelled_from}"
        folder.mkdir()
        _in_every_order(world, [consent], folder, check)


def test_a_member_group_in_good_standing_still_takes_a_legacy_device_by_its_consent(tmp_path: Path) -> None:
    """What the rule keeps (design 5.4): a member group that may sign a vouch carrying the device's
    consent holds the device, G1's vouch without it void (the consent is the device's choice); the
    founder revoking G2 from before that vouch gives g1 back to G1, its past with it."""
    world, alert, consent = _seized_legacy_phone_and_an_expelled_group(9)

    def check(log: EventLog, name: str) -> None:
        g1 = log.trust.member(world.pub("g1"))
        assert g1 is not None and g1.group == world.pub("G2"), name
    _in_every_order(world, [consent], tmp_path, check)


def _seized_phone_and_a_forked_group_key(vouched_again: bool) -> tuple[World, Event, Event]:
    """g1, G1's phone (of 0.1; vouched for again with its consent if `vouched_again`), posted a raid
    alert and admitted Bristol (G3); G1 revokes it from 3, pinned (seized). G2 certified g2 and
    published its profile (seqs 1, 2). The thief holds g1 and a copy of G2's key: it signs at G2's
    seq 2 (a fork) a vouch of g1 carrying g1's consent. Returns the world, the alert and that vouch."""
    world = _g1_of_0_1()
    k, a = world.keys, world.authors
    if vouched_again:  # `solnet id --request` on the phone, `solnet vouch REQUEST` on G1's main node
        world.events.append(a["G1"].sign("member.vouch", device_vouch(k["G1"], k["g1"], b"\x05" * 32)))
    alert = a["g1"].sign("alert", {"region": "calais", "type": "raid", "text": "police at the camp"},
                         expires=ALERT_UNTIL)
    bristol = a["g1"].sign("member.vouch", {"subject": world.pub("G3"), "role": "group"})
    world.events += [alert, bristol, a["G3"].sign("group.profile", {"name": "Bristol", "region": "bristol"})]
    g2 = a["G2"].sign("member.vouch", device_vouch(k["G2"], k["g2"], b"\x06" * 32))
    world.events += [g2, a["G2"].sign("group.profile", {"name": "Kent", "region": "kent"})]
    world.events.append(a["G1"].sign("member.revoke", {"subject": world.pub("g1"), "from_seq": 3,
                                                        "reason": "seized", "pin": bristol.id}))
    forked = a["G2"].sign("member.vouch", device_vouch(k["G2"], k["g1"], b"\x07" * 32), seq=2, prev=g2.id)
    return world, alert, forked


def test_a_forked_group_keys_consent_voids_a_0_1_vouch_but_not_one_vouched_again_with_consent(tmp_path: Path) -> None:
    """What is left (KNOWN51, the trade-off of design 5.4): a consent in a forked group key's vouch
    voids a vouch without consent (so that no group takes the new device of a group whose key was
    copied), so a thief holding a seized phone of 0.1 and a copy of another group's key takes the
    phone's past and Bristol out of every node. A phone vouched for again with its consent before it
    was seized keeps them: a forked vouch tears no device (only a member group's that may sign it)."""
    for vouched_again in (False, True):
        world, alert, forked = _seized_phone_and_a_forked_group_key(vouched_again)
        folder = tmp_path / f"again{int(vouched_again)}"
        folder.mkdir()

        def check(log: EventLog, name: str) -> None:
            assert log.trust.member(world.pub("G2")).revoked_from == 2, name  # (the fork)
            g1 = log.trust.member(world.pub("g1"))
            if not vouched_again:
                assert g1 is None and log.trust.member(world.pub("G3")) is None, name
                assert log.store.event_row(alert.id) is None, name
                return
            assert g1 is not None and (g1.group, g1.revoked_from) == (world.pub("G1"), 3), name
            assert log.store.event_row(alert.id) is not None and log.no_effect(alert) is None, name
            assert log.trust.member(world.pub("G3")).admitters == (world.pub("G1"),), name
        _in_every_order(world, [forked], folder, check)


def test_a_member_admitting_a_0_1_device_takes_it_unless_it_was_vouched_for_again_with_consent(tmp_path: Path) -> None:
    """Why the README asks groups to vouch for their devices of 0.1 again: any member group in good
    standing that admits such a device as a group takes it from its group (an admission beats a
    vouch without consent, design 5.4), its raid alert then counts for nothing; once its group vouched
    for it again with its consent, no admission can make it a group, in every order."""
    for vouched_again in (False, True):
        world, alert = _legacy_world()
        if vouched_again:
            world.events.append(world.authors["G1"].sign("member.vouch", device_vouch(
                world.keys["G1"], world.keys["g1"], b"\x05" * 32)))
        claim = world.authors["G2"].sign("member.vouch", {"subject": world.pub("g1"), "role": "group"})
        folder = tmp_path / f"again{int(vouched_again)}"
        folder.mkdir()

        def check(log: EventLog, name: str) -> None:
            g1 = log.trust.member(world.pub("g1"))
            if vouched_again:
                assert g1 is not None and (g1.role, g1.group) == ("device", world.pub("G1")), name
                assert log.no_effect(alert) is None, name
            else:
                assert g1 is not None and g1.role == "group" and log.no_effect(alert) is not None, name
        _in_every_order(world, [claim], folder, check)
