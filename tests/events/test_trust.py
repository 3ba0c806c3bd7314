"""The trust graph (events.trust): who is a member, who may vouch and revoke whom, from which seq,
and that the answer does not depend on the order trust events arrived in."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.keys import SigningKey
from events.errors import NOT_A_MEMBER, NOT_ALLOWED, REVOKED, InvalidEvent
from events.trust import DEVICE_ROLE, GROUP_ROLE, TrustGraph, Vouch


def key() -> bytes:
    return bytes(SigningKey.generate().public)


def ek() -> bytes:
    return bytes(SigningKey.generate().public)  # any 32 bytes stand in for an X25519 key here


def device(group: bytes, dev: bytes, seq: int = 1) -> Vouch:
    return Vouch(group, seq, dev, DEVICE_ROLE, ek(), "pi")


def admit(voucher: bytes, new_group: bytes, seq: int = 1) -> Vouch:
    return Vouch(voucher, seq, new_group, GROUP_ROLE, None, "new group")


def snapshot(g: TrustGraph) -> dict:
    return {k: (m.role, m.group, m.revoked_from, m.encryption_key, m.admitted_by) for k, m in g.members.items()}


@pytest.fixture
def net():
    """Founder groups A and B; A has devices a1, a2; B has device b1; a1 admitted group C, with device c1."""
    n = {name: key() for name in ("A", "B", "a1", "a2", "b1", "C", "c1")}
    g = TrustGraph([n["A"], n["B"]])
    g.add_vouch(device(n["A"], n["a1"], 1))
    g.add_vouch(device(n["A"], n["a2"], 2))
    g.add_vouch(device(n["B"], n["b1"], 1))
    g.add_vouch(admit(n["a1"], n["C"], 5))
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
    assert g.group_of(a) == a
    assert g.member(key()) is None and g.group_of(key()) is None


def test_group_key_vouches_device(net):
    g = net["g"]
    m = g.member(net["a1"])
    assert m.role == DEVICE_ROLE and m.group == net["A"] and m.encryption_key is not None
    assert g.group_of(net["b1"]) == net["B"]
    assert {d.key for d in g.devices_of(net["A"])} == {net["a1"], net["a2"]}
    assert g.check_author(net["a1"], 1000) is m


def test_device_cannot_vouch_a_device(net):
    g, stranger = net["g"], key()
    with pytest.raises(InvalidEvent) as info:
        g.check_vouch(g.member(net["a1"]), stranger, DEVICE_ROLE)
    assert info.value.reason == NOT_ALLOWED
    g.add_vouch(Vouch(net["a1"], 7, stranger, DEVICE_ROLE, ek()))  # even if it got into the graph
    assert g.member(stranger) is None
    assert g.uncertified_or_limited()[stranger] == 1


def test_group_may_vouch_its_devices_and_members_admit_groups(net):
    g = net["g"]
    g.check_vouch(g.member(net["A"]), key(), DEVICE_ROLE)
    g.check_vouch(g.member(net["a1"]), key(), GROUP_ROLE)
    g.check_vouch(g.member(net["B"]), key(), GROUP_ROLE)
    g.check_vouch(g.member(net["A"]), net["a1"], DEVICE_ROLE)  # re-vouching its own device


def test_member_admits_new_group(net):
    g = net["g"]
    c = g.member(net["C"])
    assert c.role == GROUP_ROLE and c.group == net["C"] and c.admitted_by == net["A"]
    assert g.member(net["c1"]).group == net["C"]
    d = key()
    g.add_vouch(admit(net["c1"], d))  # a device of an admitted group admits again
    assert g.member(d).role == GROUP_ROLE and g.member(d).admitted_by == net["C"]


def test_vouch_for_key_of_another_group_is_not_allowed(net):
    g = net["g"]
    with pytest.raises(InvalidEvent) as info:
        g.check_vouch(g.member(net["B"]), net["a1"], DEVICE_ROLE)
    assert info.value.reason == NOT_ALLOWED
    with pytest.raises(InvalidEvent) as info:
        g.check_vouch(g.member(net["A"]), net["B"], DEVICE_ROLE)  # a group key cannot become a device
    assert info.value.reason == NOT_ALLOWED
    with pytest.raises(InvalidEvent) as info:
        g.check_vouch(g.member(net["b1"]), net["a1"], GROUP_ROLE)  # a device cannot become a group
    assert info.value.reason == NOT_ALLOWED


def test_vouch_by_non_member_counts_for_nothing():
    a, outsider, x, y = key(), key(), key(), key()
    g = TrustGraph([a])
    g.add_vouch(admit(outsider, x))
    g.add_vouch(device(x, y))
    assert g.member(x) is None and g.member(y) is None
    assert g.uncertified_or_limited() == {x: 1, y: 1}


def test_certification_chains_through_later_vouches():
    """Vouches added before their voucher is certified count once it is."""
    a, b, c, d = key(), key(), key(), key()
    g = TrustGraph([a])
    g.add_vouch(device(c, d))
    g.add_vouch(admit(b, c))
    assert g.member(d) is None
    g.add_vouch(admit(a, b))
    assert g.member(b) and g.member(c) and g.member(d).group == c


# --- revocation ------------------------------------------------------------------------------------

def test_vouches_from_revoked_key_at_or_after_from_seq_do_not_count():
    a, dev, before, at, after = key(), key(), key(), key(), key()
    g = TrustGraph([a])
    g.add_vouch(device(a, dev))
    g.add_vouch(admit(dev, before, 4))
    g.add_vouch(admit(dev, at, 5))
    g.add_vouch(admit(dev, after, 6))
    assert all(g.member(k) for k in (before, at, after))
    g.add_revoke(a, dev, 5)
    assert g.member(before) is not None
    assert g.member(at) is None and g.member(after) is None
    assert g.member(dev).revoked_from == 5


def test_revocation_by_self():
    a, dev = key(), key()
    g = TrustGraph([a])
    g.add_vouch(device(a, dev))
    g.add_revoke(dev, dev, 3)
    assert g.member(dev).revoked_from == 3
    g.add_revoke(a, a, 10)  # a group key revokes itself too
    assert g.member(a).revoked_from == 10


def test_revocation_of_device_by_own_group_key(net):
    g = net["g"]
    g.add_revoke(net["A"], net["a2"], 2)
    assert g.member(net["a2"]).revoked_from == 2
    assert g.member(net["a1"]).revoked_from is None


def test_revocation_of_group_by_admitting_group(net):
    g = net["g"]
    g.add_revoke(net["A"], net["C"], 3)  # A's group key; C was admitted by A's device a1
    assert g.member(net["C"]).revoked_from == 3


def test_revocation_of_group_by_device_of_admitting_group(net):
    g = net["g"]
    g.add_revoke(net["a2"], net["C"], 1)
    assert g.member(net["C"]).revoked_from == 1


@pytest.mark.parametrize("author,subject", [
    ("B", "a1"), ("b1", "a1"), ("B", "C"), ("b1", "C"), ("C", "A"), ("c1", "A"), ("A", "B"), ("a1", "B"),
    ("a1", "a2"),  # a device cannot revoke a sibling
    ("a1", "A"),   # nor its own group key
    ("C", "c1x"),  # nor anyone revoke a key that is not theirs
])
def test_revocation_by_unrelated_key_has_no_effect(net, author, subject):
    g = net["g"]
    net["c1x"] = net["a1"]
    before = snapshot(g)
    g.add_revoke(net[author], net[subject], 1)
    assert snapshot(g) == before


def test_lowest_from_seq_wins(net):
    g = net["g"]
    for seq in (9, 4, 7):
        g.add_revoke(net["A"], net["a1"], seq)
    assert g.member(net["a1"]).revoked_from == 4
    g.add_revoke(net["a1"], net["a1"], 2)
    assert g.member(net["a1"]).revoked_from == 2
    g.add_revoke(net["B"], net["a1"], 1)  # not allowed: does not lower it
    assert g.member(net["a1"]).revoked_from == 2


def test_the_revocation_in_effect_says_who_when_and_why_whatever_the_order(net):
    """The read models show who revoked a key, from which seq and when: every node must pick the same
    revocation (lowest from_seq, then earliest), and an unauthorised one is never shown."""
    revokes = [(net["A"], 4, 200, "lost"), (net["a1"], 4, 100, "stolen"), (net["A"], 6, 50, "old"),
               (net["B"], 1, 10, "not B's to revoke")]
    shown = set()
    for order in (revokes, revokes[::-1], revokes[1:] + revokes[:1]):
        g = TrustGraph([net["A"], net["B"]])
        g.add_vouch(device(net["A"], net["a1"], 1))
        for author, seq, at, reason in order:
            g.add_revoke(author, net["a1"], seq, at=at, reason=reason)
        r = g.revocation(net["a1"])
        shown.add((r.by, r.from_seq, r.at, r.reason))
        assert g.member(net["a1"]).revoked_from == r.from_seq
    assert shown == {(net["a1"], 4, 100, "stolen")}
    assert TrustGraph([net["A"]]).revocation(net["A"]) is None


def test_group_revoked_from_seq_one_loses_its_devices(net):
    g = net["g"]
    g.add_revoke(net["a1"], net["C"], 1)
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
    g.add_revoke(a, a, 2)
    assert g.member(d1) is not None and g.member(d2) is None and g.member(d3) is None


def test_revoking_a_founder_device_chain_cascades(net):
    """a1 admitted C at seq 5; revoking a1 from seq 5 uncertifies C and C's device."""
    g = net["g"]
    g.add_revoke(net["A"], net["a1"], 5)
    assert g.member(net["C"]) is None and g.member(net["c1"]) is None
    limits = g.uncertified_or_limited()
    assert limits[net["a1"]] == 5 and limits[net["C"]] == 1 and limits[net["c1"]] == 1


def test_revoked_founder_keeps_events_before_from_seq():
    a = key()
    g = TrustGraph([a])
    g.add_revoke(a, a, 1)
    assert g.member(a).revoked_from == 1
    assert g.uncertified_or_limited() == {a: 1}


# --- check_author and limits -----------------------------------------------------------------------

def test_check_author_not_a_member(net):
    with pytest.raises(InvalidEvent) as info:
        net["g"].check_author(key(), 1)
    assert info.value.reason == NOT_A_MEMBER


def test_check_author_revoked(net):
    g = net["g"]
    g.add_revoke(net["A"], net["a1"], 4)
    assert g.check_author(net["a1"], 3).key == net["a1"]
    for seq in (4, 5, 10**9):
        with pytest.raises(InvalidEvent) as info:
            g.check_author(net["a1"], seq)
        assert info.value.reason == REVOKED


def test_uncertified_or_limited_reports_limits(net):
    g = net["g"]
    assert g.uncertified_or_limited() == {}
    g.add_revoke(net["A"], net["a2"], 3)
    g.add_revoke(net["b1"], net["b1"], 8)
    orphan = key()
    g.add_vouch(device(key(), orphan))
    assert g.uncertified_or_limited() == {net["a2"]: 3, net["b1"]: 8, orphan: 1}


# --- order independence ----------------------------------------------------------------------------

def build(founders, items) -> TrustGraph:
    g = TrustGraph(founders)
    for item in items:
        if isinstance(item, Vouch):
            g.add_vouch(item)
        else:
            g.add_revoke(*item)
    return g


POOL = [key() for _ in range(10)]
ENC = [ek() for _ in range(10)]


@st.composite
def graphs(draw):
    """A random network over POOL: 1-3 founders, each other key vouched at most once, some revocations."""
    n_founders = draw(st.integers(1, 3))
    founders = POOL[:n_founders]
    items: list = []
    for i in range(n_founders, len(POOL)):
        if draw(st.booleans()):
            voucher = draw(st.sampled_from(POOL))
            role = draw(st.sampled_from([DEVICE_ROLE, GROUP_ROLE]))
            items.append(Vouch(voucher, draw(st.integers(1, 6)), POOL[i], role, ENC[i] if role == DEVICE_ROLE else None))
    voucher_of = {v.subject: v.voucher for v in items}
    for _ in range(draw(st.integers(0, 8))):
        subject = draw(st.sampled_from(POOL))
        # mostly revocations that may count (by itself or its voucher), some by anyone
        likely = [subject] + ([voucher_of[subject]] if subject in voucher_of else [])
        author = draw(st.one_of(st.sampled_from(likely), st.sampled_from(POOL)))
        items.append((author, subject, draw(st.integers(1, 6))))
    return founders, items


@settings(max_examples=150, deadline=None, database=None)
@given(st.data())
def test_result_is_independent_of_order(data):
    founders, items = data.draw(graphs())
    reference = build(founders, items)
    shuffled = data.draw(st.permutations(items))
    other = build(founders, shuffled)
    assert snapshot(other) == snapshot(reference)
    assert other.uncertified_or_limited() == reference.uncertified_or_limited()


@settings(max_examples=100, deadline=None, database=None)
@given(st.data())
def test_member_vouches_stay_within_the_rules(data):
    """Whatever is added, every device is vouched by a group, every member is reachable, and revoked
    vouchers certify nothing they vouched at or after their revocation point."""
    founders, items = data.draw(graphs())
    g = build(founders, items)
    vouches = [v for v in items if isinstance(v, Vouch)]
    for k, m in g.members.items():
        if k in founders:
            assert m.role == GROUP_ROLE
            continue
        (v,) = [v for v in vouches if v.subject == k]
        voucher = g.member(v.voucher)
        assert voucher is not None and voucher.may_sign(v.voucher_seq)
        if m.role == DEVICE_ROLE:
            assert voucher.role == GROUP_ROLE and m.group == v.voucher
    for v in vouches:
        voucher = g.member(v.voucher)
        if voucher is not None and voucher.may_sign(v.voucher_seq) and v.subject not in founders:
            if v.role == GROUP_ROLE or voucher.role == GROUP_ROLE:
                assert v.subject in g.members


# --- known bugs ------------------------------------------------------------------------------------

def test_re_vouching_an_existing_group_does_not_grant_power_to_revoke_it(net):
    g = net["g"]
    attacker = g.member(net["b1"])  # any device of any group
    try:
        g.check_vouch(attacker, net["A"], GROUP_ROLE)
    except InvalidEvent as refused:
        assert refused.reason == NOT_ALLOWED
        return
    g.add_vouch(admit(net["b1"], net["A"], 2))
    g.add_revoke(net["b1"], net["A"], 1)
    assert g.member(net["A"]).revoked_from is None
    assert g.member(net["a1"]) is not None


def test_device_vouched_by_two_groups_is_order_independent():
    a, b, d = key(), key(), key()
    va, vb = device(a, d), device(b, d)
    one, two = build([a, b], [va, vb]), build([a, b], [vb, va])
    assert snapshot(one) == snapshot(two)
    one.add_revoke(a, d, 1)
    two.add_revoke(a, d, 1)
    assert snapshot(one) == snapshot(two)


def test_re_vouch_with_new_encryption_key_is_order_independent():
    a, d = key(), key()
    old, new = Vouch(a, 1, d, DEVICE_ROLE, b"\x01" * 32), Vouch(a, 2, d, DEVICE_ROLE, b"\x02" * 32)
    assert snapshot(build([a], [old, new])) == snapshot(build([a], [new, old]))
