"""The trust graph (events.trust): who is a member, who may vouch and revoke whom, from which seq,
what happens to a trust event that has no effect, and that the answer depends only on the set of
trust events, never on the order they arrived in."""
from __future__ import annotations

import itertools
import random
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.keys import SigningKey
from events import trust as T
from events.errors import NOT_A_MEMBER, REVOKED, InvalidEvent
from events.trust import DEVICE_ROLE, GROUP_ROLE, Revocation, TrustGraph, Vouch, consent_is_valid, device_consent


def key() -> bytes:
    return bytes(SigningKey.generate().public)


def ek() -> bytes:
    return bytes(SigningKey.generate().public)  # any 32 bytes stand in for an X25519 key here


_ids = itertools.count(1)


def eid() -> bytes:
    return next(_ids).to_bytes(32, "big")


def device(group: bytes, dev: bytes, seq: int = 1, *, consent: bool = True, enc: bytes | None = None) -> Vouch:
    return Vouch(group, seq, dev, DEVICE_ROLE, enc or ek(), "pi", consent, eid())


def admit(voucher: bytes, new_group: bytes, seq: int = 1) -> Vouch:
    return Vouch(voucher, seq, new_group, GROUP_ROLE, None, "new group", False, eid())


def accept(group: bytes, admitter: bytes, seq: int = 1) -> Vouch:
    """`group`'s own key names `admitter` as a group it joined through."""
    return Vouch(group, seq, admitter, T.ACCEPT_ROLE, None, None, False, eid())


def revoke(g: TrustGraph, author: bytes, subject: bytes, from_seq: int, seq: int = 1, **kw) -> bytes:
    event_id = eid()
    g.add_revoke(author, subject, from_seq, seq=seq, id=event_id, **kw)
    return event_id


def received(g: TrustGraph, order) -> TrustGraph:
    """`g` with each vouch and revocation of `order` added as a node receives it, one by one."""
    for item in order:
        if isinstance(item, Vouch):
            g.add_vouch(item)
        else:
            g.add_revoke(item.by, item.subject, item.from_seq, seq=item.seq, id=item.id)
    return g


def snapshot(g: TrustGraph) -> dict:
    return {k: (m.role, m.group, m.revoked_from, m.revokes_until, m.encryption_key, m.admitters, m.wave)
            for k, m in g.members.items()}


@pytest.fixture
def net():
    """Founder groups A and B; A has devices a1, a2; B has device b1; a1 admitted group C (seq 5),
    with device c1."""
    n = {name: key() for name in ("A", "B", "a1", "a2", "b1", "C", "c1")}
    g = TrustGraph([n["A"], n["B"]])
    g.add_vouch(device(n["A"], n["a1"], 1))
    g.add_vouch(device(n["A"], n["a2"], 2))
    g.add_vouch(device(n["B"], n["b1"], 1))
    n["admit_C"] = admit(n["a1"], n["C"], 5)
    g.add_vouch(n["admit_C"])
    g.add_vouch(device(n["C"], n["c1"], 1))
    n["g"] = g
    return n


# --- membership ------------------------------------------------------------------------------------

def test_founders_are_groups():
    a, b = key(), key()
    g = TrustGraph([a, b])
    for f in (a, b):
        m = g.member(f)
        assert m.role == GROUP_ROLE and m.group == f and m.revoked_from is None and m.admitted_by is None
        assert m.wave == 0 and m.admitters == ()
    assert g.group_of(a) == a
    assert g.member(key()) is None and g.group_of(key()) is None


def test_group_key_vouches_device(net):
    g = net["g"]
    m = g.member(net["a1"])
    assert m.role == DEVICE_ROLE and m.group == net["A"] and m.encryption_key is not None
    assert g.group_of(net["b1"]) == net["B"]
    assert {d.key for d in g.devices_of(net["A"])} == {net["a1"], net["a2"]}
    assert g.check_author(net["a1"], 1000) is m


def test_a_device_cannot_vouch_a_device(net):
    g, stranger = net["g"], key()
    v = device(net["a1"], stranger, 7)
    g.add_vouch(v)
    assert g.member(stranger) is None
    assert g.effect(v.id) == T.NO_EFFECT_DEVICE_VOUCHES_DEVICE
    assert g.uncertified_or_limited()[stranger] == 1


def test_member_admits_new_group(net):
    g = net["g"]
    c = g.member(net["C"])
    assert c.role == GROUP_ROLE and c.group == net["C"] and c.admitted_by == net["A"] and c.admitters == (net["A"],)
    assert c.wave == 1 and g.effect(net["admit_C"].id) is None
    assert g.member(net["c1"]).group == net["C"]
    d = key()
    g.add_vouch(admit(net["c1"], d))  # a device of an admitted group admits again
    assert g.member(d).role == GROUP_ROLE and g.member(d).admitted_by == net["C"] and g.member(d).wave == 2


def test_a_founders_group_key_admits_a_group_directly():
    a, x = key(), key()
    g = TrustGraph([a])
    v = admit(a, x, 3)
    g.add_vouch(v)
    assert g.member(x).role == GROUP_ROLE and g.member(x).admitters == (a,) and g.effect(v.id) is None


def test_a_vouch_naming_a_founder_has_no_effect(net):
    g = net["g"]
    as_group, as_device = admit(net["b1"], net["A"], 2), device(net["B"], net["A"], 3)
    g.add_vouch(as_group)
    g.add_vouch(as_device)
    assert g.member(net["A"]).role == GROUP_ROLE and g.member(net["A"]).admitters == ()
    assert g.effect(as_group.id) == T.NO_EFFECT_FOUNDER == g.effect(as_device.id)
    revoke(g, net["b1"], net["A"], 1, seq=4)
    assert g.member(net["A"]).revoked_from is None and g.member(net["a1"]) is not None


def test_a_group_vouch_naming_another_groups_device_has_no_effect(net):
    g = net["g"]
    v = admit(net["B"], net["a1"], 2)  # a consented device of A
    g.add_vouch(v)
    assert g.member(net["a1"]).role == DEVICE_ROLE and g.member(net["a1"]).group == net["A"]
    assert g.effect(v.id) == T.NO_EFFECT_IS_DEVICE
    revoke(g, net["B"], net["a1"], 1, seq=3)
    assert g.member(net["a1"]).revoked_from is None


def test_a_device_vouch_naming_another_groups_device_has_no_effect(net):
    g = net["g"]
    hijack = device(net["B"], net["a1"], 2, consent=False)
    g.add_vouch(hijack)
    assert g.member(net["a1"]).group == net["A"] and g.effect(hijack.id) == T.NO_EFFECT_OTHER_GROUP
    assert not g.may_revoke(net["B"], net["a1"])


def test_vouch_by_non_member_counts_for_nothing():
    a, outsider, x, y = key(), key(), key(), key()
    g = TrustGraph([a])
    v = admit(outsider, x)
    g.add_vouch(v)
    g.add_vouch(device(x, y))
    assert g.member(x) is None and g.member(y) is None
    assert g.uncertified_or_limited() == {x: 1, y: 1}
    assert g.effect(v.id) == T.NO_EFFECT_VOUCHER_OUTSIDE


def test_certification_chains_through_later_vouches():
    """Vouches added before their voucher is certified count once it is."""
    a, b, c, d = key(), key(), key(), key()
    g = TrustGraph([a])
    g.add_vouch(device(c, d))
    g.add_vouch(admit(b, c))
    assert g.member(d) is None
    g.add_vouch(admit(a, b))
    assert g.member(b) and g.member(c) and g.member(d).group == c


# --- front-running an admission ---------------------------------------------------------------------

def test_a_member_vouching_first_for_a_newcomer_gets_no_power_over_it():
    """Calais (a founder) admits Dover; Bristol, admitted by Calais, saw Dover's id and vouched
    first. Whatever the order, Dover's admitter is Calais alone; Bristol's vouch has no effect and
    Bristol cannot revoke Dover. Calais can still revoke Bristol, and Bristol's later events lose
    their effect."""
    calais, bristol, bristol_pi, dover = key(), key(), key(), key()
    front_run, genuine = admit(bristol_pi, dover, 2), admit(calais, dover, 3)
    events = [admit(calais, bristol, 1), device(bristol, bristol_pi, 1), front_run, genuine]
    seen = set()
    for order in itertools.permutations(events):
        g = TrustGraph([calais], order)
        bristol_revokes_dover = revoke(g, bristol_pi, dover, 1, seq=3)
        assert g.member(dover).admitters == (calais,) and g.member(dover).revoked_from is None
        assert g.effect(front_run.id) == T.NO_EFFECT_NEARER and g.effect(genuine.id) is None
        assert g.effect(bristol_revokes_dover) == T.NO_EFFECT_NOT_ALLOWED
        calais_revokes_bristol = revoke(g, calais, bristol, 1, seq=4)
        assert g.effect(calais_revokes_bristol) is None and g.member(bristol).revoked_from == 1
        assert g.member(bristol_pi) is None and g.member(dover).admitters == (calais,)
        seen.add(tuple(sorted(snapshot(g).items())))
    assert len(seen) == 1


def test_admitters_at_the_same_distance_all_count_and_revocation_wins():
    """Brighton and Bristol, both admitted by Calais, both vouch for Eastbourne: both are its
    admitters and either may revoke it (a revocation wins over any admission). Calais revoking
    Bristol from before Bristol's revocation makes that revocation void."""
    calais, brighton, bristol, eastbourne = key(), key(), key(), key()
    base = [admit(calais, brighton, 1), admit(calais, bristol, 2), admit(brighton, eastbourne, 1),
            admit(bristol, eastbourne, 1)]
    g = TrustGraph([calais], base)
    assert g.member(eastbourne).admitters == tuple(sorted((brighton, bristol))) and g.member(eastbourne).wave == 2
    out = revoke(g, bristol, eastbourne, 1, seq=2)
    assert g.member(eastbourne).revoked_from == 1 and g.effect(out) is None
    revoke(g, calais, bristol, 2, seq=3)  # Bristol's seq 2 on count for nothing: its revocation of Eastbourne too
    assert g.member(eastbourne).revoked_from is None and g.effect(out) == T.NO_EFFECT_VOUCHER_OUTSIDE
    assert g.member(eastbourne).admitters == tuple(sorted((brighton, bristol)))  # Bristol's seq-1 vouch stands


def test_a_member_nearer_the_founders_cannot_take_a_newcomer_that_named_its_admitter():
    """Calais (founder) admitted Brighton and Hastings; Brighton admitted Bristol, which admitted
    Dover and Newport. Hastings, an infiltrator nearer the founders than Bristol, vouches for both:
    Newport named no admitter (it joined before accepts existed), so Hastings alone is its admitter
    (the nearest wave) and may revoke it. Dover named Bristol when it joined (`solnet join` signs
    the accept): Hastings's vouch and revocation of it have no effect, in every order."""
    calais, brighton, bristol, hastings, hastings_pi, dover, newport = (key() for _ in range(7))
    base = [admit(calais, brighton, 1), admit(calais, hastings, 2), device(hastings, hastings_pi, 1),
            admit(brighton, bristol, 1), admit(bristol, dover, 1), admit(bristol, newport, 2)]
    take_dover, take_newport = admit(hastings_pi, dover, 2), admit(hastings_pi, newport, 3)
    dover_names_bristol = accept(dover, bristol, 1)
    seen = set()
    for order in itertools.permutations([*base[4:], take_dover, take_newport, dover_names_bristol]):
        g = TrustGraph([calais], [*base[:4], *order])
        hastings_revokes_dover = revoke(g, hastings_pi, dover, 1, seq=4)
        hastings_revokes_newport = revoke(g, hastings_pi, newport, 1, seq=5)
        assert g.member(dover).admitters == (bristol,) and g.member(dover).wave == 3
        assert g.member(dover).revoked_from is None
        assert g.effect(take_dover.id) == T.NO_EFFECT_NOT_ACCEPTED
        assert g.effect(hastings_revokes_dover) == T.NO_EFFECT_NOT_ALLOWED
        assert g.effect(dover_names_bristol.id) is None
        assert g.member(newport).admitters == (hastings,) and g.member(newport).revoked_from == 1
        assert g.effect(hastings_revokes_newport) is None
        seen.add(tuple(sorted(snapshot(g).items())))
    assert len(seen) == 1


def test_a_group_that_named_its_admitters_is_admitted_by_those_only():
    """Dover named Bristol; while Bristol's vouch is not known, none of the groups it named can admit
    it, and the nearest wave decides (Hastings): a group is never shut out by its own accept. Once
    Bristol's vouch comes, Bristol alone. Dover may name another group later (a second accept):
    both count. An accept signed by one of Dover's devices, not its group key, names no one."""
    calais, bristol, hastings, dover, dover_pi = key(), key(), key(), key(), key()
    base = [admit(calais, bristol, 1), admit(calais, hastings, 2), admit(hastings, dover, 1),
            accept(dover, bristol, 1), device(dover, dover_pi, 2)]
    g = TrustGraph([calais], base)
    assert g.member(dover).admitters == (hastings,) and g.member(dover_pi).group == dover
    g.add_vouch(admit(bristol, dover, 1))
    assert g.member(dover).admitters == (bristol,) and g.member(dover_pi).group == dover
    by_device = accept(dover_pi, hastings, 1)
    g.add_vouch(by_device)
    assert g.member(dover).admitters == (bristol,) and g.effect(by_device.id) == T.NO_EFFECT_ACCEPT_NOT_OWN
    g.add_vouch(accept(dover, hastings, 3))
    assert g.member(dover).admitters == tuple(sorted((bristol, hastings)))


def test_a_group_whose_named_admitter_is_revoked_is_not_shut_out():
    """Dover joined through Bristol and named it; Calais revokes Bristol from seq 1 (an infiltrator
    that invited real groups). Dover is not out for good, unable to sign another accept: none of
    the groups it named can admit it, so the nearest wave decides, and Hastings's vouch admits it,
    in every order. While Bristol's vouch counts, Hastings's has no effect."""
    calais, bristol, hastings, dover = key(), key(), key(), key()
    events = [admit(calais, bristol, 1), admit(calais, hastings, 2), admit(bristol, dover, 1),
              accept(dover, bristol, 1), admit(hastings, dover, 1)]
    g = TrustGraph([calais], events)
    assert g.member(dover).admitters == (bristol,)
    seen = set()
    for order in itertools.permutations(events):
        g = TrustGraph([calais], order)
        revoke(g, calais, bristol, 1, seq=3)
        assert g.member(bristol).revoked_from == 1
        assert g.member(dover).admitters == (hastings,) and g.member(dover).revoked_from is None
        seen.add(tuple(sorted(snapshot(g).items())))
    assert len(seen) == 1


def test_the_accept_a_group_signs_at_its_join_counts_even_past_its_revocation_point():
    """Dover's opening accept (seq 1: `solnet join` signs it first) names Bristol, which invited it.
    Hastings, a front-runner of Dover's wave that vouched for it too, revokes it from seq 1: the
    accept is a claim, so that revocation (by a group Dover never named) does not count and cannot
    void the accept that makes it not count, in every order. Nor does an accept reach anyone."""
    calais, bristol, hastings, dover = key(), key(), key(), key()
    events = [admit(calais, bristol, 1), admit(calais, hastings, 2), admit(bristol, dover, 1),
              admit(hastings, dover, 2), accept(dover, bristol, 1)]
    for order in itertools.permutations(events):
        g = TrustGraph([calais], order)
        out = revoke(g, hastings, dover, 1, seq=3)
        assert g.member(dover).revoked_from is None and g.effect(out) == T.NO_EFFECT_NOT_ALLOWED
        assert g.member(dover).admitters == (bristol,) and g.effect(events[-1].id) is None
    stranger = key()
    g = TrustGraph([calais], [*events, accept(dover, stranger, 6)])
    assert not g.reaches(stranger) and g.member(stranger) is None


def test_a_revoked_group_cannot_undo_its_revocation_by_naming_its_other_admitter():
    """Brighton and Bristol both admitted the mole's group, which named neither at its join. Brighton
    revokes it from seq 1; past that, the mole signs an accept naming Bristol (seq 5). Until
    2026-12-06 every accept was a claim, so Brighton's revocation then read "not allowed" and the
    mole was back. Now an accept that does not open its group's chain counts only where its author
    may sign: the mole stays revoked, its accept has no effect, in every order the events arrive in.
    Signed before the revocation point, it counts."""
    calais, brighton, bristol, mole = key(), key(), key(), key()
    events = [admit(calais, brighton, 1), admit(calais, bristol, 2), admit(brighton, mole, 1),
              admit(bristol, mole, 1)]
    names_bristol = accept(mole, bristol, 5)
    assert TrustGraph([calais], [*events, names_bristol]).member(mole).admitters == (bristol,)  # (not revoked yet)
    out = T.Revocation(mole, brighton, 1, None, None, 2, eid())
    seen = set()
    for order in itertools.permutations([*events[2:], names_bristol, out]):
        g = received(TrustGraph([calais], events[:2]), order)
        assert g.member(mole).revoked_from == 1 and g.effect(out.id) is None
        assert g.member(mole).admitters == tuple(sorted((brighton, bristol)))
        assert g.effect(names_bristol.id) == T.NO_EFFECT_ACCEPT_LATE
        assert not g.accept_counts_at(mole, 6, bristol) and not g.admits_again_if_vouched(mole, bristol, 3, 6)
        seen.add(tuple(sorted(snapshot(g).items())))
    assert len(seen) == 1
    g = TrustGraph([calais], [*events, names_bristol])
    revoke(g, brighton, mole, 6, seq=2)  # from seq 6: the accept at 5 was signed while the mole could
    assert g.member(mole).admitters == (bristol,) and g.member(mole).revoked_from is None


def test_a_late_accept_counts_past_a_front_runners_revocation():
    """Lewes joined before 2026-12-04 through Bristol (wave 2) and later ran `solnet accept`, as
    `solnet status` told it (seq 5: not its opening accept). Hastings (wave 1, nearer the founders
    than Bristol) vouches for it and revokes it from seq 1. Without the accept Hastings would be
    Lewes's only admitter (the nearest wave); the accept is there to stop that: it counts past a
    revocation by a group strictly nearer the founders than the group it names, so Hastings is no
    admitter and its revocation "not allowed", in every order. (From 2026-12-06 to this fix the
    accept counted only where Lewes may sign: Lewes was revoked from 1, its past gone, and neither
    another accept nor Bristol vouching again brought it back.)"""
    calais, brighton, hastings, bristol, lewes = key(), key(), key(), key(), key()
    base = [admit(calais, brighton, 1), admit(calais, hastings, 2), admit(brighton, bristol, 1),
            admit(bristol, lewes, 1)]
    names_bristol = accept(lewes, bristol, 5)
    front_run = admit(hastings, lewes, 3)
    out = T.Revocation(lewes, hastings, 1, None, None, 4, eid())
    seen = set()
    for order in itertools.permutations([base[3], names_bristol, front_run, out]):
        g = received(TrustGraph([calais], base[:3]), order)
        assert g.member(lewes).revoked_from is None and g.member(lewes).admitters == (bristol,)
        assert g.effect(out.id) == T.NO_EFFECT_NOT_ALLOWED and g.effect(names_bristol.id) is None
        assert g.effect(front_run.id) == T.NO_EFFECT_NOT_ACCEPTED
        seen.add(tuple(sorted(snapshot(g).items())))
    assert len(seen) == 1
    # Without the accept, Hastings is its only admitter and the revocation counts; the accept may
    # still be signed then (`solnet accept`), and Bristol's vouch again would bring Lewes back.
    g = TrustGraph([calais], [*base, front_run])
    revoke(g, hastings, lewes, 1, seq=4)
    assert g.member(lewes).revoked_from == 1 and g.member(lewes).admitters == (hastings,)
    assert g.accept_counts_at(lewes, 5, bristol) and g.admitted_only_by_named_if(lewes, bristol, 5)
    assert g.admits_again_if_vouched(lewes, bristol, 2, 5)
    # Not one naming a group of the revoker's wave (here the revoker itself), nor one past a fork.
    assert not g.accept_counts_at(lewes, 5, hastings)
    g.set_fork(lewes, 5)  # nor past its own fork
    assert not g.accept_counts_at(lewes, 6, bristol) and not g.accept_counts_at(lewes, 5, bristol)


def test_a_group_front_run_before_it_joined_names_its_inviter_at_join():
    """Hastings (nearer the founders) vouched for Dover before Bristol's invite reached it, and
    revoked it from seq 1 before Dover joined. Dover's join signs its opening accept (seq 1) naming
    Bristol, past that revocation: it counts, Hastings's vouch and revocation have no effect. A
    fork at seq 1 (a second event there: the key in two hands from the start) opens no chain."""
    calais, brighton, bristol, hastings, dover = key(), key(), key(), key(), key()
    events = [admit(calais, brighton, 1), admit(calais, hastings, 2), admit(brighton, bristol, 1),
              admit(hastings, dover, 1), admit(bristol, dover, 1), accept(dover, bristol, 1)]
    g = TrustGraph([calais], events)
    out = revoke(g, hastings, dover, 1, seq=2)
    assert g.member(dover).admitters == (bristol,) and g.member(dover).revoked_from is None
    assert g.effect(out) == T.NO_EFFECT_NOT_ALLOWED and g.effect(events[-1].id) is None
    g.set_fork(dover, 1)
    assert g.member(dover).revoked_from == 1 and g.effect(events[-1].id) == T.NO_EFFECT_ACCEPT_LATE


# --- devices and consent ----------------------------------------------------------------------------

def test_consent_is_a_signature_of_the_device_over_group_and_encryption_key():
    group, dev, enc = key(), SigningKey.generate(), ek()
    consent = device_consent(dev, group, enc)
    assert consent_is_valid(group, bytes(dev.public), enc, consent)
    assert not consent_is_valid(key(), bytes(dev.public), enc, consent)  # another group
    assert not consent_is_valid(group, bytes(dev.public), ek(), consent)  # another encryption key
    assert not consent_is_valid(group, key(), enc, consent)  # another device
    assert not consent_is_valid(group, bytes(dev.public), enc, consent[:-1] + bytes([consent[-1] ^ 1]))
    assert not consent_is_valid(group, bytes(dev.public), enc, b"short")


def test_a_consenting_device_cannot_be_claimed_by_another_group_or_admitted_as_a_group():
    a, b, d = key(), key(), key()
    genuine = device(a, d, 5)
    claims = [device(b, d, 1, consent=False), admit(b, d, 1)]
    for order in itertools.permutations([genuine, *claims]):
        g = TrustGraph([a, b], order)
        m = g.member(d)
        assert (m.role, m.group) == (DEVICE_ROLE, a)
        assert g.effect(genuine.id) is None
        assert g.effect(claims[0].id) == T.NO_EFFECT_OTHER_GROUP and g.effect(claims[1].id) == T.NO_EFFECT_IS_DEVICE


def test_a_device_that_consented_to_two_groups_is_nobodys():
    """A consent carries no seq: a thief holding a seized phone its group (the farther) revoked
    consents to an accomplice group nearer the founders. Until 2026-12-04 the nearer took the
    device, its past alerts included (their all clear became the accomplice's), and its revocation
    was void. Now a key that consented to two groups is no group's device, whatever the order."""
    a, b, d = key(), key(), key()
    near, far = device(a, d, 1), device(b, d, 1)
    for order in ([near, far], [far, near]):
        g = TrustGraph([a], [admit(a, b, 2), *order])
        assert g.member(d) is None
        assert g.effect(near.id) == g.effect(far.id) == T.NO_EFFECT_TORN
    g = TrustGraph([a], [admit(a, b, 2), far, device(b, d, 3)])  # the same group again (a new encryption key)
    assert g.member(d).group == b


def test_consents_given_through_the_device_itself_do_not_tear_it_from_its_group():
    """A thief holding only a seized phone's key makes keys reachable through the phone (a vouch of
    itself, of a fresh key) and has them claim the phone with its consent: that tore the phone from
    its group, taking its past and the groups it admitted out of every log. Consents count for
    tearing only from groups reached without passing through the device."""
    a, b, d, x, admitted = key(), key(), key(), key(), key()
    genuine = device(b, d, 1)
    by_itself = [device(d, d, 9)]                          # the phone vouching for itself
    by_a_fresh_key = [admit(d, x, 9), device(x, d, 1)]     # a fresh key, reached through the phone
    for thief in (by_itself, by_a_fresh_key):
        for order in itertools.permutations([genuine, admit(d, admitted, 2), *thief]):
            g = TrustGraph([a], [admit(a, b, 1), *order])
            assert g.member(d).group == b, order
            assert g.member(admitted) is not None
    # A group reached otherwise still tears it (an accomplice member: the key is in two hands).
    g = TrustGraph([a], [admit(a, b, 1), genuine, admit(a, x, 2), device(x, d, 1)])
    assert g.member(d) is None


class SeizedPhones:
    """Founder f admits groups g1 and g2 (seqs 1, 2), and g3 (seq 3); phones p1 and p2 are devices
    of g1 and g2 (or both of g1: `same_group`), with their consent. Each phone admitted a group
    (new1, new2) at its seq 2; after a raid each group revokes its phone from seq 3, pinning its
    chain (the id of its event at seq 2). `thief` holds the keys that sign the thief's vouches."""

    def __init__(self, same_group: bool = False) -> None:
        self.f, self.g1, self.g2, self.g3, self.p1, self.p2, self.new1, self.new2 = (key() for _ in range(8))
        group2 = self.g1 if same_group else self.g2
        self.vouches = [admit(self.f, self.g1, 1), admit(self.f, self.g2, 2), admit(self.f, self.g3, 3),
                        device(self.g1, self.p1, 1), device(group2, self.p2, 2),
                        admit(self.p1, self.new1, 2), admit(self.p2, self.new2, 2)]
        self.revokes = [Revocation(self.p1, self.g1, 3, 10, "seized", 3, eid(), pin=self.vouches[5].id),
                        Revocation(self.p2, group2, 3, 10, "seized", 4, eid(), pin=self.vouches[6].id)]

    def graph(self, extra_vouches=(), extra_revokes=()) -> TrustGraph:
        return TrustGraph([self.f], [*self.vouches, *extra_vouches], [*self.revokes, *extra_revokes])

    def assert_pasts_kept(self, g: TrustGraph) -> None:
        for phone, admitted in ((self.p1, self.new1), (self.p2, self.new2)):
            m = g.member(phone)
            assert m is not None and m.role == DEVICE_ROLE and m.revoked_from == 3 and m.pinned is not None
            assert g.member(admitted) is not None

    def each_vouching_the_other(self) -> list[Vouch]:
        """What the thief signs with the two phones' keys after the revocations (seq 3 and on):
        each phone vouches for the other as its device, with the other's consent."""
        return [device(self.p2, self.p1, 3), device(self.p1, self.p2, 4)]

    def through_fresh_keys(self) -> list[Vouch]:
        """The same through keys of the thief's own: each phone admits a fresh key (past its
        revocation point), which vouches for the other phone with that phone's consent."""
        x1, x2 = key(), key()
        return [admit(self.p1, x1, 3), device(x1, self.p2, 1), admit(self.p2, x2, 3), device(x2, self.p1, 1)]


@pytest.mark.parametrize("same_group", [False, True])
def test_two_seized_phones_vouching_for_each_other_keep_their_pasts(same_group: bool):
    """Two phones seized in one raid, of two groups or of one, each revoked by its group with a pin.
    The thief, holding only the phones' keys, has each phone vouch for the other as its device with
    the other's consent. Both consents counted as claims (every received vouch of a reachable key
    does, rule 11), so each phone consented to two groups and was torn: no member at all, its past
    alerts and the groups it admitted out of every log (until 2026-12-04). A device key can never
    hold a device, and the vouches are past the phones' revocation points: they tear nothing."""
    net = SeizedPhones(same_group)
    net.assert_pasts_kept(net.graph())
    for thief in (net.each_vouching_the_other(), net.through_fresh_keys()):
        g = net.graph(thief)
        net.assert_pasts_kept(g)
        assert all(g.effect(v.id) == T.NO_EFFECT_VOUCHER_OUTSIDE for v in thief)


def test_a_group_expelled_long_ago_cannot_tear_a_seized_phone_from_its_group():
    """The thief holding one seized phone's key and the key of a group its admitter revoked from
    seq 1 long ago: that group vouches for the phone with the phone's consent. It tore the phone
    (until 2026-12-04). A member group that may sign its vouch still tears it (the key is in two
    hands, and neither group may hold it), until that group's admitter revokes it from before its
    vouch: then the phone is its own group's again, its past with it."""
    net = SeizedPhones()
    expelled = Revocation(net.g3, net.f, 1, 20, "infiltrator", 4, eid())
    thief = device(net.g3, net.p1, 5)
    g = net.graph([thief], [expelled])
    net.assert_pasts_kept(g)
    assert g.member(net.g3).revoked_from == 1 and g.effect(thief.id) == T.NO_EFFECT_VOUCHER_OUTSIDE
    g = net.graph([thief])  # g3 a member in good standing: an accomplice
    assert g.member(net.p1) is None and g.member(net.new1) is None
    assert g.effect(thief.id) == g.effect(net.vouches[3].id) == T.NO_EFFECT_TORN
    net.assert_pasts_kept(net.graph([thief], [Revocation(net.g3, net.f, 5, 20, "accomplice", 4, eid())]))


def test_a_seized_phones_pinned_past_stays_whatever_the_order():
    """The events of the three scenarios above, in many orders, given at once and one at a time."""
    net = SeizedPhones()
    vouches = [*net.vouches, *net.each_vouching_the_other(), *net.through_fresh_keys(), device(net.g3, net.p1, 5)]
    revokes = [*net.revokes, Revocation(net.g3, net.f, 1, 20, "infiltrator", 4, eid())]
    reference = TrustGraph([net.f], vouches, revokes)
    net.assert_pasts_kept(reference)
    rng = random.Random(20261204)
    for _ in range(40):
        items = [("v", v) for v in vouches] + [("r", r) for r in revokes]
        rng.shuffle(items)
        at_once = TrustGraph([net.f], [i for w, i in items if w == "v"], [i for w, i in items if w == "r"])
        one_by_one = TrustGraph([net.f])
        for what, item in items:
            if what == "v":
                one_by_one.add_vouch(item)
            else:
                one_by_one.add_revoke(item.by, item.subject, item.from_seq, seq=item.seq, id=item.id, at=item.at,
                                      reason=item.reason, pin=item.pin)
        for g in (at_once, one_by_one):
            assert snapshot(g) == snapshot(reference) and g.effects == reference.effects
            assert {k: m.pinned for k, m in g.members.items()} == {k: m.pinned for k, m in reference.members.items()}


def test_a_pin_signed_past_its_authors_fork_point_pins_nothing():
    """Whoever copied a group key forks it and, in its branch, revokes the group's device with a
    pin naming the branch it forged of the device, from a lower seq than the owner's pin: it took
    the owner's chain's place. A pin counts only below its author's fork point."""
    a, d = key(), key()
    owners_pin = eid()
    g = TrustGraph([a], [device(a, d, 1)])
    revoke(g, a, d, 4, seq=2, pin=owners_pin)
    revoke(g, a, d, 2, seq=3, pin=eid())  # the other hand's, in its branch
    g.set_fork(a, 3)
    assert g.member(d).pinned == (4, owners_pin) and g.member(d).revoked_from == 2


def test_a_device_vouched_without_consent_counts_while_no_other_group_claims_it():
    """Vouches made before consent existed (solnet 0.1) keep their devices, unless contested."""
    a, b, d = key(), key(), key()
    legacy = device(a, d, consent=False)
    g = TrustGraph([a, b], [legacy])
    assert g.member(d).group == a and g.effect(legacy.id) is None
    other = device(b, d, consent=False)
    for order in ([legacy, other], [other, legacy]):
        g = TrustGraph([a, b], order)
        assert g.member(d) is None and g.effect(legacy.id) == T.NO_EFFECT_CONTESTED
    g = TrustGraph([a, b], [legacy, admit(b, d)])  # a group admission beats a claim without consent
    assert g.member(d).role == GROUP_ROLE


def test_a_vouch_whose_chain_is_incomplete_does_not_count_yet():
    """Vouches and revocations kept aside behind a gap in their author's chain count only once the
    chain up to them is known. As claims, they contest a device vouched for without consent only
    then too (events/trust.py `_newly_uncontested`): a chain with a gap its author never fills
    would otherwise contest it for good."""
    a, b, d, x = key(), key(), key(), key()
    gap_device = Vouch(a, 3, d, DEVICE_ROLE, ek(), None, True, eid(), complete=False)
    gap_admit = Vouch(a, 4, x, GROUP_ROLE, None, None, False, eid(), complete=False)
    gap_revoke = Revocation(b, a, 1, 10, None, 5, eid(), complete=False)
    g = TrustGraph([a], [gap_device, gap_admit, admit(a, b, 1)], [gap_revoke])
    assert g.member(d) is None and g.member(x) is None and g.member(b).revoked_from is None
    assert not {gap_device.id, gap_admit.id, gap_revoke.id} & set(g.effects)
    legacy = device(a, x, 2, consent=False)  # x is claimed as a group by the incomplete vouch
    assert TrustGraph([a], [gap_admit, legacy]).member(x).group == a
    complete = Vouch(a, 4, x, GROUP_ROLE, None, None, False, gap_admit.id)  # (the gap filled)
    assert TrustGraph([a], [complete, legacy]).member(x).role == GROUP_ROLE  # (an admission beats it)


def test_a_key_let_out_of_its_contest_goes_back_when_a_claimant_becomes_a_member():
    """G1's device d1 of 0.1 admits G4, which admits X; the mole group M vouches G4 as a device
    without consent, and admits d1 behind a gap it never fills. In the first pass d1 (held by G1,
    M's claim not counted yet) and G4 (d1 no member yet) were both let out of their contests:
    M held the group G4 as its device, for good, and could revoke it from 1 (G4's past and X
    gone). Now G4, contested by d1's admission in the last graph, is contested for good: a group."""
    f, g1, m, d1, g4, x = key(), key(), key(), key(), key(), key()
    gap = Vouch(m, 5, d1, GROUP_ROLE, None, None, False, eid(), complete=False)
    vouches = [admit(f, g1, 1), admit(f, m, 2), device(g1, d1, 1, consent=False), admit(d1, g4, 1),
               admit(g4, x, 1), device(m, g4, 1, consent=False), gap]
    for order in (vouches, vouches[::-1]):
        g = TrustGraph([f], order, [Revocation(g4, m, 1, None, None, 2, eid())])
        assert g.member(d1).group == g1
        assert (g.member(g4).role, g.member(g4).admitters, g.member(g4).revoked_from) == (GROUP_ROLE, (g1,), None)
        assert g.member(x).role == GROUP_ROLE


def test_a_group_skips_a_vouch_it_may_not_make_and_keeps_going():
    """One refused vouch (a founder, a key already a member) does not stop the group's later ones."""
    a, b, d1, d2, g2 = key(), key(), key(), key(), key()
    g = TrustGraph([a, b], [device(a, b, 1), device(a, d1, 2), admit(a, b, 3), admit(b, d1, 1), device(a, d2, 4),
                            admit(a, g2, 5)])
    assert g.member(d2).group == a and g.member(g2).admitters == (a,) and g.member(d1).group == a


def test_same_state_compares_members_and_forks():
    a, d = key(), key()
    base = TrustGraph([a], [device(a, d)])
    assert base.same_state(TrustGraph([a], [device(a, d)])) is False  # another encryption key
    twin = TrustGraph([a], base._vouches)
    assert twin.same_state(base)
    twin.set_fork(d, 4)
    assert not twin.same_state(base) and not base.same_state(twin)
    assert not TrustGraph([a]).same_state(base)


def test_a_consent_voids_a_vouch_without_it_only_where_a_member_group_may_sign_it():
    """d consented to group b, which a admitted after a's own revocation point: b is reachable but
    no member, so its vouch carrying d's consent is one no group can act on, and a's vouch for d
    without consent holds (until 2026-12-06 it was void: a second seized phone, revoked, voided
    its group's vouch of the first so). Where a member group may sign its consent vouch, the
    vouch without consent is void, and says why."""
    a, b, d = key(), key(), key()
    own = device(b, d, consent=True)
    other = device(a, d, 1, consent=False)
    g = TrustGraph([a], [admit(a, b, 3), own, other], [Revocation(a, a, 2, None, None, 1, eid())])
    assert g.member(b) is None and g.member(d).group == a and g.effect(other.id) is None
    g = TrustGraph([a], [admit(a, b, 1), own, other], [Revocation(a, a, 3, None, None, 2, eid())])
    assert g.member(d).group == b and g.effect(other.id) == T.NO_EFFECT_OTHER_GROUP
    mine = device(a, d, 2, consent=True)
    g = TrustGraph([a], [mine, other])
    assert g.member(d).group == a and g.effect(other.id) == T.NO_EFFECT_NO_CONSENT and g.effect(mine.id) is None
    outsider = TrustGraph([a], [device(key(), d, consent=True), other])  # a claim by nobody's key is none
    assert outsider.member(d).group == a
    contested = device(a, key(), consent=False)
    g2 = TrustGraph([a, b], [contested, device(b, contested.subject, consent=False)])
    assert g2.effect(contested.id) == T.NO_EFFECT_CONTESTED


def test_the_latest_valid_vouch_sets_the_encryption_key():
    a, d = key(), key()
    old = Vouch(a, 1, d, DEVICE_ROLE, b"\x01" * 32, None, True, eid())
    new = Vouch(a, 2, d, DEVICE_ROLE, b"\x02" * 32, None, True, eid())
    for order in ([old, new], [new, old]):
        g = TrustGraph([a], order)
        assert g.member(d).encryption_key == b"\x02" * 32
        assert g.effect(new.id) is None and g.effect(old.id) == T.NO_EFFECT_SUPERSEDED


# --- revocation ------------------------------------------------------------------------------------

def test_vouches_from_revoked_key_at_or_after_from_seq_do_not_count():
    a, dev, before, at, after = key(), key(), key(), key(), key()
    g = TrustGraph([a])
    g.add_vouch(device(a, dev))
    g.add_vouch(admit(dev, before, 4))
    g.add_vouch(admit(dev, at, 5))
    g.add_vouch(admit(dev, after, 6))
    assert all(g.member(k) for k in (before, at, after))
    revoke(g, a, dev, 5, seq=2)
    assert g.member(before) is not None
    assert g.member(at) is None and g.member(after) is None
    assert g.member(dev).revoked_from == 5


def test_revocation_by_self():
    a, dev = key(), key()
    g = TrustGraph([a])
    g.add_vouch(device(a, dev))
    revoke(g, dev, dev, 3, seq=2)
    assert g.member(dev).revoked_from == 3
    revoke(g, a, a, 10, seq=9)  # a group key revokes itself too
    assert g.member(a).revoked_from == 10


def test_a_key_revoking_itself_from_its_own_seq_or_lower_has_no_effect():
    a, dev = key(), key()
    g = TrustGraph([a], [device(a, dev)])
    for from_seq in (1, 4):
        r = revoke(g, dev, dev, from_seq, seq=4)
        assert g.effect(r) == T.NO_EFFECT_SELF_TOO_LOW
    assert g.member(dev).revoked_from is None
    later = revoke(g, dev, dev, 9, seq=6)  # a valid one after a refused one still counts
    assert g.member(dev).revoked_from == 9 and g.effect(later) is None


def test_a_key_revoking_itself_later_than_its_group_did_changes_nothing():
    a, dev = key(), key()
    g = TrustGraph([a], [device(a, dev)])
    revoke(g, a, dev, 5, seq=2)
    own = revoke(g, dev, dev, 8, seq=2)  # signed before seq 5, so valid, but from a higher seq
    assert g.member(dev).revoked_from == 5 and g.revocation(dev).by == a
    assert g.effect(own) == T.NO_EFFECT_LOWER_WINS


def test_revocation_of_device_by_own_group_key(net):
    g = net["g"]
    revoke(g, net["A"], net["a2"], 2, seq=3)
    assert g.member(net["a2"]).revoked_from == 2
    assert g.member(net["a1"]).revoked_from is None


def test_revocation_of_group_by_admitting_group(net):
    g = net["g"]
    revoke(g, net["A"], net["C"], 3, seq=4)  # A's group key; C was admitted by A's device a1
    assert g.member(net["C"]).revoked_from == 3


def test_revocation_of_group_by_device_of_admitting_group(net):
    g = net["g"]
    revoke(g, net["a2"], net["C"], 1, seq=1)
    assert g.member(net["C"]).revoked_from == 1


@pytest.mark.parametrize("author,subject", [
    ("B", "a1"), ("b1", "a1"), ("B", "C"), ("b1", "C"), ("C", "A"), ("c1", "A"), ("A", "B"), ("a1", "B"),
    ("a1", "a2"),  # a device cannot revoke a sibling
    ("a1", "A"),   # nor its own group key
    ("C", "a1"),   # nor anyone revoke a key that is not theirs
])
def test_revocation_by_unrelated_key_has_no_effect(net, author, subject):
    g = net["g"]
    before = snapshot(g)
    r = revoke(g, net[author], net[subject], 1, seq=2)
    assert snapshot(g) == before
    assert g.effect(r) == T.NO_EFFECT_NOT_ALLOWED
    assert not g.may_revoke(net[author], net[subject])


def test_a_revocation_of_an_unknown_key_has_no_effect(net):
    g = net["g"]
    stranger = key()
    r = revoke(g, net["A"], stranger, 1, seq=3)
    assert g.effect(r) == T.NO_EFFECT_UNKNOWN
    assert not g.may_revoke(net["A"], stranger) and not g.may_revoke(stranger, net["C"])
    assert g.may_revoke(stranger, stranger)  # anyone may revoke itself (it counts once it is a member)


def test_a_revocation_says_who_when_and_why(net):
    g = net["g"]
    revoke(g, net["A"], net["a2"], 3, seq=4, at=1234, reason="phone lost")
    r = g.revocation(net["a2"])
    assert (r.by, r.from_seq, r.at, r.reason, r.seq) == (net["A"], 3, 1234, "phone lost", 4)


def test_lowest_from_seq_wins(net):
    g = net["g"]
    for seq, from_seq in ((3, 9), (4, 4), (5, 7)):
        revoke(g, net["A"], net["a1"], from_seq, seq=seq)
    assert g.member(net["a1"]).revoked_from == 4
    revoke(g, net["a1"], net["a1"], 2, seq=1)
    assert g.member(net["a1"]).revoked_from == 2
    revoke(g, net["B"], net["a1"], 1, seq=3)  # not allowed: does not lower it
    assert g.member(net["a1"]).revoked_from == 2


def test_nothing_a_revoked_key_signs_after_its_revocation_point_counts():
    """A stolen group key, revoked by its admitter from seq 4: its revocation of its own device at
    seq 6 (to cut the honest owner off) and its admission of a crony at seq 5 count for nothing,
    whatever the order they arrive in."""
    calais, thief_group, honest_pi, crony = key(), key(), key(), key()
    vouches = [admit(calais, thief_group, 1), device(thief_group, honest_pi, 1), admit(thief_group, crony, 5)]
    for order in itertools.permutations(range(3)):
        g = TrustGraph([calais], vouches)
        ids = {}
        for i in order:
            if i == 0:
                ids["cut"] = revoke(g, calais, thief_group, 4, seq=2)
            elif i == 1:
                ids["pi"] = revoke(g, thief_group, honest_pi, 1, seq=6)
            else:
                ids["self"] = revoke(g, thief_group, thief_group, 9, seq=7)  # tries to move its own point up
        assert g.member(thief_group).revoked_from == 4 and g.revocation(thief_group).by == calais
        assert g.member(honest_pi).revoked_from is None and g.member(crony) is None
        assert g.effect(ids["cut"]) is None
        assert g.effect(ids["pi"]) == g.effect(ids["self"]) == T.NO_EFFECT_VOUCHER_OUTSIDE


def test_revoking_a_revoker_from_before_its_revocation_voids_it():
    """An infiltrating admitter revokes the group it admitted; its own admitter revokes it from a
    seq at or below that revocation: the victim is a member again."""
    root, mole, victim = key(), key(), key()
    g = TrustGraph([root], [admit(root, mole, 1), admit(mole, victim, 1)])
    kick = revoke(g, mole, victim, 1, seq=2)
    assert g.member(victim).revoked_from == 1
    revoke(g, root, mole, 2, seq=2)
    assert g.member(victim).revoked_from is None and g.effect(kick) == T.NO_EFFECT_VOUCHER_OUTSIDE
    assert g.member(victim).admitters == (mole,)  # admitted by the mole at seq 1, before its point


def test_the_revocation_in_effect_is_the_lowest_then_the_earliest_then_by_author_then_by_event():
    """Fixed keys, so the tie-breaks are exercised every run, not by chance."""
    a, dev = b"\x10" * 32, b"\x50" * 32  # keys sort by their bytes: a before dev
    g = TrustGraph([a], [Vouch(a, 1, dev, DEVICE_ROLE, b"\x01" * 32, None, True, b"\x01" * 32)])
    cases = [
        Revocation(dev, a, 6, 50, "old", 2, b"\x02" * 32),
        Revocation(dev, dev, 4, 200, "self, later", 1, b"\x03" * 32),
        Revocation(dev, a, 4, 100, "earliest of the lowest", 3, b"\x04" * 32),
        Revocation(dev, a, 4, 100, "same time, later event id", 4, b"\x05" * 32),
    ]
    for order in itertools.permutations(cases):
        g2 = TrustGraph([a], g._vouches, order)
        r = g2.revocation(dev)
        assert (r.by, r.from_seq, r.at, r.reason) == (a, 4, 100, "earliest of the lowest")
        assert g2.effect(b"\x04" * 32) is None
        assert g2.effect(b"\x05" * 32) == g2.effect(b"\x02" * 32) == T.NO_EFFECT_LOWER_WINS
    tie = [Revocation(dev, dev, 7, 100, "by the device", 5, b"\x06" * 32),
           Revocation(dev, a, 7, 100, "by the group", 6, b"\x07" * 32)]
    for order in (tie, tie[::-1]):
        r = TrustGraph([a], g._vouches, order).revocation(dev)
        assert r.by == a and r.reason == "by the group"
    # The time decides before the author: the device's own, earlier, wins over its group's.
    timed = [Revocation(dev, dev, 7, 50, "by the device, earlier", 5, b"\x08" * 32),
             Revocation(dev, a, 7, 100, "by the group, later", 6, b"\x09" * 32)]
    for order in (timed, timed[::-1]):
        assert TrustGraph([a], g._vouches, order).revocation(dev).reason == "by the device, earlier"
    # A revocation without a time counts as the earliest.
    untimed = [Revocation(dev, dev, 7, None, "no time", 5, b"\x0a" * 32),
               Revocation(dev, a, 7, 1, "at 1 ms", 6, b"\x0b" * 32)]
    for order in (untimed, untimed[::-1]):
        assert TrustGraph([a], g._vouches, order).revocation(dev).reason == "no time"


def test_group_revoked_from_seq_one_loses_its_devices(net):
    g = net["g"]
    revoke(g, net["a1"], net["C"], 1, seq=6)
    assert g.member(net["C"]).revoked_from == 1
    assert g.member(net["c1"]) is None
    assert g.devices_of(net["C"]) == []
    with pytest.raises(InvalidEvent) as info:
        g.check_author(net["c1"], 1)
    assert info.value.reason == NOT_A_MEMBER


def test_group_revoked_from_seq_n_keeps_devices_vouched_before_n():
    a, d1, d2, d3 = key(), key(), key(), key()
    g = TrustGraph([a])
    g.add_vouch(device(a, d1, 1))
    g.add_vouch(device(a, d2, 2))
    g.add_vouch(device(a, d3, 3))
    revoke(g, a, a, 2, seq=1)
    assert g.member(d1) is not None and g.member(d2) is None and g.member(d3) is None


def test_a_group_revoked_from_a_later_seq_names_the_groups_its_staying_devices_admitted():
    """An informer's group G1 had its device g1 (certified at seq 1) admit a puppet group P, and
    admitted H itself at seq 3. Its admitter F revokes G1 from seq 2: g1 stays a member (certified
    before), and P with it, but `still_admitted_by` counted only G1's own vouches and named nothing,
    so `solnet revoke` said nothing of P. It names P, by the device, at the seq G1 certified it (the
    seq to revoke G1 from to take g1, and so P, away); a device certified from the revocation point
    on is no member, and what it admitted is no longer named."""
    f, g1, d1, d2, p, q, h = key(), key(), key(), key(), key(), key(), key()
    vouches = [admit(f, g1, 1), device(g1, d1, 1), device(g1, d2, 2), admit(d1, p, 1), admit(d2, q, 1),
               admit(g1, h, 3)]
    later = TrustGraph([f], vouches)
    revoke(later, f, g1, 4, seq=2)
    assert later.still_admitted_by(g1) == [(p, 1, d1), (q, 2, d2), (h, 3, None)]
    g = TrustGraph([f], vouches)
    revoke(g, f, g1, 2, seq=2)
    assert g.member(d1).revoked_from is None and g.member(p).revoked_from is None and g.member(d2) is None
    assert g.still_admitted_by(g1) == [(p, 1, d1)]
    assert g.still_admitted_by(d1) == [(p, 1, None)]  # a device's own admission, as before
    revoke(g, f, g1, 1, seq=3)
    assert g.member(p) is None and g.still_admitted_by(g1) == []


def test_revoking_a_founder_device_chain_cascades(net):
    """a1 admitted C at seq 5; revoking a1 from seq 5 uncertifies C and C's device."""
    g = net["g"]
    revoke(g, net["A"], net["a1"], 5, seq=3)
    assert g.member(net["C"]) is None and g.member(net["c1"]) is None
    limits = g.uncertified_or_limited()
    assert limits[net["a1"]] == 5 and limits[net["C"]] == 1 and limits[net["c1"]] == 1


# --- forks ------------------------------------------------------------------------------------------

def test_a_forked_key_is_treated_as_revoked_from_its_fork_point(net):
    g = net["g"]
    g.set_fork(net["a1"], 7)
    assert g.member(net["a1"]).revoked_from == 7
    r = g.revocation(net["a1"])
    assert (r.subject, r.by, r.from_seq, r.fork, r.reason) == (net["a1"], net["a1"], 7, True, "fork")
    g.set_fork(net["a1"], 9)  # a higher one changes nothing
    assert g.member(net["a1"]).revoked_from == 7 and g.fork_point(net["a1"]) == 7
    g.set_fork(net["a1"], 5)  # a lower one lowers it
    assert g.member(net["a1"]).revoked_from == 5 and g.fork_point(net["a1"]) == 5
    assert net["a1"] not in [d.key for d in g.devices_of(net["A"]) if d.revoked_from is None]
    revoke(g, net["A"], net["a1"], 3, seq=4)  # a revocation from below the fork point shows instead
    assert g.member(net["a1"]).revoked_from == 3 and not g.revocation(net["a1"]).fork


def test_a_forked_key_cannot_undo_its_groups_revocation():
    """The thief of a device key forks it to fight its revocation: the revocation is signed by the
    group key, so it stands whatever the device's chain holds, in either arrival order."""
    a, laptop = key(), key()
    for fork_first in (True, False):
        g = TrustGraph([a], [device(a, laptop)])
        if fork_first:
            g.set_fork(laptop, 12)
        revoke(g, a, laptop, 11, seq=2, reason="seized")
        if not fork_first:
            g.set_fork(laptop, 12)
        assert g.member(laptop).revoked_from == 11 and g.revocation(laptop).by == a


def test_a_revocation_from_the_fork_point_itself_is_shown_rather_than_the_fork(net):
    g = net["g"]
    g.set_fork(net["a1"], 4)
    revoke(g, net["A"], net["a1"], 4, seq=5, reason="lost")
    r = g.revocation(net["a1"])
    assert not r.fork and r.by == net["A"] and r.reason == "lost" and g.member(net["a1"]).revoked_from == 4


def test_a_thief_who_forks_a_group_key_cannot_void_the_owners_revocation_of_a_stolen_device():
    """A home is copied with its group key: the owner revokes the stolen laptop at seq 9; the thief
    signs another event at seq 4 (a fork below it). The fork freezes the group key from seq 4, yet
    its revocations signed from there on still count, in either branch and either arrival order."""
    a, laptop, phone = key(), key(), key()
    for fork_first in (True, False):
        g = TrustGraph([a], [device(a, laptop, 1), device(a, phone, 2)])
        if fork_first:
            g.set_fork(a, 4)
        stolen = revoke(g, a, laptop, 1, seq=9, reason="stolen")
        if not fork_first:
            g.set_fork(a, 4)
        assert g.member(laptop).revoked_from == 1 and g.revocation(laptop).id == stolen
        assert g.effect(stolen) is None
        assert g.member(a).revoked_from == 4 and g.member(a).revokes_until is None
        assert g.member(phone).revoked_from is None  # vouched before the fork: still a device


@pytest.mark.parametrize("own_seq", [4, 5])
def test_a_forked_key_gives_no_authority_past_its_fork_point(own_seq: int):
    """Vouches signed at or after the fork point, and a revocation of itself there (which would
    void the revocations of the other branch), have no effect: at the fork point itself (one of the
    two events there) as past it."""
    a, phone, laptop, newcomer = key(), key(), key(), key()
    g = TrustGraph([a], [device(a, phone, 1)])
    g.set_fork(a, 4)
    g.add_vouch(device(a, newcomer, 5))
    g.add_vouch(admit(a, key(), 4))
    own = revoke(g, a, a, 6, seq=own_seq)  # the thief's branch: "revoked from 6", to void the owner's seq 7
    g.add_vouch(device(a, laptop, 2))
    stolen = revoke(g, a, laptop, 1, seq=7)
    assert g.member(newcomer) is None and len(g.members) == 3
    assert g.effect(own) == T.NO_EFFECT_VOUCHER_OUTSIDE and g.member(a).revokes_until is None
    assert g.member(laptop).revoked_from == 1 and g.effect(stolen) is None


def test_a_forked_keys_revocations_of_groups_count_below_its_fork_point_only():
    """A forked device key of an admitting group revokes the group it admitted: that counts below
    the fork point (and below the device's revocation point by its group), never from the fork
    point on. Else a thief holding a seized phone, which its group revoked from its next seq, signs
    at a lower seq (a fork) a revocation of every group its group admitted, and erases them."""
    a, a1, c = key(), key(), key()
    for revoked_at in (3, 8):
        for cut_seq, counts in ((3, revoked_at > 3), (4, False), (6, False)):
            g = TrustGraph([a], [device(a, a1, 1), admit(a1, c, 2)])
            g.set_fork(a1, 4)
            revoke(g, a, a1, revoked_at, seq=2)
            cut = revoke(g, a1, c, 1, seq=cut_seq)
            assert g.member(a1).revoked_from == min(4, revoked_at) and g.member(a1).revokes_until == revoked_at
            assert (g.member(c).revoked_from == 1) == counts, (revoked_at, cut_seq)
            assert (g.effect(cut) is None) == counts
            if cut_seq >= 4 and revoked_at > cut_seq:
                assert g.effect(cut) == T.NO_EFFECT_PAST_FORK


def test_a_thief_forking_a_revoked_phone_cannot_revoke_the_groups_its_group_admitted():
    """The owner revokes a seized phone from its next seq (2), keeping its past; the thief signs, at
    the phone's seq 1 (a fork), a revocation of Dover, a group the phone's group admitted."""
    calais, phone, dover = key(), key(), key()
    for fork_first in (True, False):
        g = TrustGraph([calais], [device(calais, phone, 1), admit(calais, dover, 2)])
        revoke(g, calais, phone, 2, seq=3, reason="seized")
        if fork_first:
            g.set_fork(phone, 1)
        thief = revoke(g, phone, dover, 1, seq=1)
        if not fork_first:
            g.set_fork(phone, 1)
        assert g.member(dover).revoked_from is None and g.effect(thief) == T.NO_EFFECT_PAST_FORK


def test_a_fork_of_a_key_nobody_vouched_limits_it_from_seq_one():
    a, stranger = key(), key()
    g = TrustGraph([a])
    g.set_fork(stranger, 3)
    assert g.uncertified_or_limited() == {stranger: 1}


def test_check_author_not_a_member(net):
    stranger = key()
    with pytest.raises(InvalidEvent) as info:
        net["g"].check_author(stranger, 1)
    assert info.value.reason == NOT_A_MEMBER
    assert info.value.args[0] == f"author {stranger.hex()[:16]} is not certified by this network's trust graph"


def test_check_author_revoked(net):
    g = net["g"]
    revoke(g, net["A"], net["a1"], 4, seq=3)
    assert g.check_author(net["a1"], 3).key == net["a1"]
    for seq in (4, 5, 10**9):
        with pytest.raises(InvalidEvent) as info:
            g.check_author(net["a1"], seq)
        assert info.value.reason == REVOKED
        assert info.value.args[0] == f"author {net['a1'].hex()[:16]} is revoked from seq 4 (event has seq {seq})"


def test_uncertified_or_limited_reports_limits(net):
    g = net["g"]
    assert g.uncertified_or_limited() == {}
    revoke(g, net["A"], net["a2"], 3, seq=3)
    revoke(g, net["b1"], net["b1"], 8, seq=2)
    orphan = key()
    g.add_vouch(device(key(), orphan))
    assert g.uncertified_or_limited() == {net["a2"]: 3, net["b1"]: 8, orphan: 1}


# --- order independence ----------------------------------------------------------------------------

POOL = [bytes([i + 1]) * 32 for i in range(10)]
SCALE = 20 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 1


@st.composite
def histories(draw):
    """Random trust events over POOL: 1-3 founders, vouches of every role (devices with or without
    consent, several per subject: concurrent admissions and claims; accepts by any key, naming any
    key), revocations by likely and unlikely authors at any seq, and fork points."""
    n_founders = draw(st.integers(1, 3))
    founders = POOL[:n_founders]
    vouches = []
    for _ in range(draw(st.integers(0, 14))):
        role = draw(st.sampled_from([DEVICE_ROLE, GROUP_ROLE, T.ACCEPT_ROLE]))
        vouches.append(Vouch(draw(st.sampled_from(POOL)), draw(st.integers(1, 6)), draw(st.sampled_from(POOL)), role,
                             draw(st.sampled_from([b"\x01" * 32, b"\x02" * 32])) if role == DEVICE_ROLE else None,
                             None, role == DEVICE_ROLE and draw(st.booleans()), eid()))
    revokes = [Revocation(draw(st.sampled_from(POOL)), draw(st.sampled_from(POOL)), draw(st.integers(1, 6)),
                          draw(st.integers(0, 3)), None, draw(st.integers(1, 6)), eid())
               for _ in range(draw(st.integers(0, 8)))]
    forks = {k: draw(st.integers(1, 6)) for k in draw(st.lists(st.sampled_from(POOL), max_size=2))}
    return founders, vouches, revokes, forks


def effects(g: TrustGraph) -> dict:
    return dict(g.effects)


@settings(max_examples=300 * SCALE, deadline=None, database=None)
@given(st.data())
@pytest.mark.slow
def test_the_graph_is_a_function_of_the_set_of_trust_events(data):
    founders, vouches, revokes, forks = data.draw(histories())
    reference = TrustGraph(founders, vouches, revokes, forks)
    other = TrustGraph(founders, data.draw(st.permutations(vouches)), data.draw(st.permutations(revokes)),
                       dict(data.draw(st.permutations(list(forks.items())))))
    assert snapshot(other) == snapshot(reference)
    assert other.revocations == reference.revocations
    assert effects(other) == effects(reference)
    # Added one at a time (as a node receives them), in yet another order: the same.
    one_by_one = TrustGraph(founders)
    items = [("v", v) for v in vouches] + [("r", r) for r in revokes] + [("f", f) for f in forks.items()]
    for what, item in data.draw(st.permutations(items)):
        if what == "v":
            one_by_one.add_vouch(item)
        elif what == "r":
            one_by_one.add_revoke(item.by, item.subject, item.from_seq, seq=item.seq, at=item.at, id=item.id)
        else:
            one_by_one.set_fork(*item)
    assert snapshot(one_by_one) == snapshot(reference) and effects(one_by_one) == effects(reference)


@settings(max_examples=200 * SCALE, deadline=None, database=None)
@given(st.data())
def test_members_follow_the_rules(data):
    """Whatever the events: every member is a founder or reached through a vouch its author could
    sign; a device belongs to the group that vouched it; every admitter of a group is one wave
    nearer the founders, and one it named if it named any (rule 1); a revocation point comes from a fork
    or a revocation that counts (one by
    a forked key past its fork point included, section 5.6 rule 6)."""
    founders, vouches, revokes, forks = data.draw(histories())
    g = TrustGraph(founders, vouches, revokes, forks)
    by_voucher: dict[bytes, list[Vouch]] = {}
    for v in vouches:
        if v.role != T.ACCEPT_ROLE:
            by_voucher.setdefault(v.voucher, []).append(v)

    def beside(device: bytes) -> set[bytes]:  # the keys reached from the founders not through `device`
        return T._reached(set(founders) - {device}, by_voucher, skip=device)

    for k, m in g.members.items():
        if k in founders:
            assert m.role == GROUP_ROLE and m.wave == 0
            continue
        assert k not in founders
        if m.role == DEVICE_ROLE:
            assert any(v.subject == k and v.voucher == m.group and v.role == DEVICE_ROLE
                       and g.member(m.group).may_sign(v.voucher_seq) for v in vouches)
            assert g.member(m.group).role == GROUP_ROLE and g.member(m.group).wave == m.wave
            # No second group could hold it (a member group that may sign its consent vouch, reached
            # without passing through the device): else it is torn.
            assert len({v.voucher for v in vouches if v.subject == k and v.role == DEVICE_ROLE and v.consent
                        and v.voucher in beside(k) and g.member(v.voucher) is not None
                        and g.member(v.voucher).role == GROUP_ROLE
                        and g.member(v.voucher).may_sign(v.voucher_seq)}) <= 1
        else:
            assert m.admitters and m.admitted_by == m.admitters[0]
            for admitter in m.admitters:
                assert g.member(admitter).wave + 1 == m.wave
                assert any(v.subject == k and v.role == GROUP_ROLE and g.group_of(v.voucher) == admitter
                           and g.member(v.voucher).may_sign(v.voucher_seq) for v in vouches)
            named = {v.subject for v in vouches if v.role == T.ACCEPT_ROLE and v.voucher == k and g.effect(v.id) is None}
            # A group that named any: only those admit it, unless none of them could (not a member
            # nearer the founders with a valid vouch for it): then the nearest wave, as without accepts.
            could = [n for n in named if g.member(n) is not None and g.member(n).wave < m.wave and any(
                v.subject == k and v.role == GROUP_ROLE and g.group_of(v.voucher) == n
                and g.member(v.voucher).may_sign(v.voucher_seq) for v in vouches)]
            assert not named or set(m.admitters) <= named or not could
        if m.revoked_from is not None:
            r = g.revocation(k)
            assert r.from_seq == m.revoked_from
            # A revocation of another key counts while its author may revoke at that seq, a fork of
            # its author aside (rule 6); a key's revocation of itself only where it may still sign.
            assert r.fork or (g.may_revoke(r.by, k) and g.member(r.by).may_sign(r.seq) and r.seq < r.from_seq
                              if r.by == k else g.may_revoke(r.by, k) and g.member(r.by).may_revoke(r.seq))
    # An accept counts if it opens its group's chain (seq 1, no fork there: `solnet join` signs it), or
    # where its author, a member group, may sign (a revoked group cannot undo its revocation so), or
    # past a revocation by another group strictly nearer the founders than the group it names (a
    # front-runner's), below any fork of its author.
    for v in vouches:
        if v.role == T.ACCEPT_ROLE and g.effect(v.id) is None and not (v.voucher_seq == 1 and forks.get(v.voucher, 2) > 1):
            author, named, r = g.member(v.voucher), g.member(v.subject), g.revocation(v.voucher)
            assert author.role == GROUP_ROLE and author.group == v.voucher
            assert author.may_sign(v.voucher_seq) or (
                named is not None and named.role == GROUP_ROLE and r is not None and not r.fork and r.by != v.voucher
                and g.member(r.by).wave < named.wave and forks.get(v.voucher, v.voucher_seq + 1) > v.voucher_seq)
    for r in revokes:
        counts = g.effect(r.id) is None
        if counts:
            assert g.revocation(r.subject) == r
