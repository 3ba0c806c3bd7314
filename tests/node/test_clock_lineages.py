"""Sources of the clock warnings counted by lineage in the trust graph (node/clock.py `independent`,
events/trust.py `TrustGraph.lineages`): one infiltrating member admits a second group with one
vouch, and until 2026-12-06 its two groups' events stamped 40 h ahead made every honest node say
"this machine's clock looks 39 h 59 min behind ... Set it", stretch its own raid alerts' lives by
as much, and take stamps that far ahead from its own publishing. Groups of one lineage (one group
just below the founders and every group admitted down from it) now count as one source."""
from __future__ import annotations

import itertools

from events.trust import GROUP_ROLE, TrustGraph, Vouch
from node.clock import ClockDoubt, OwnEventsRefused

HOUR = 3_600_000
NOW = 1_800_000_000_000
_ids = itertools.count(1)


def key(n: int) -> bytes:
    return n.to_bytes(32, "big")


F, HONEST, MOLE, SECOND, THIRD, OTHER = (key(n) for n in range(1, 7))


def admit(voucher: bytes, group: bytes, seq: int = 1) -> Vouch:
    return Vouch(voucher, seq, group, GROUP_ROLE, None, "new group", False, next(_ids).to_bytes(32, "big"))


def moles_network(reverse: bool = False) -> TrustGraph:
    """Founder F admitted HONEST and MOLE; MOLE admitted SECOND, and SECOND admitted THIRD (one
    lineage, MOLE's, of three groups). `reverse`: the same trust events in the other order."""
    vouches = [admit(F, HONEST), admit(F, MOLE), admit(MOLE, SECOND, 2), admit(SECOND, THIRD)]
    return TrustGraph([F], vouches[::-1] if reverse else vouches)


def test_a_groups_lineage_is_the_group_below_the_founders_it_was_admitted_through():
    for reverse in (False, True):
        g = moles_network(reverse)
        assert [g.lineages(k) for k in (F, HONEST, MOLE, SECOND, THIRD, OTHER)] == \
            [{F}, {HONEST}, {MOLE}, {MOLE}, {MOLE}, {OTHER}]  # OTHER: no member, its own
    both = TrustGraph([F], [admit(F, HONEST), admit(F, MOLE), admit(MOLE, OTHER), admit(HONEST, OTHER)])
    assert both.lineages(OTHER) == {HONEST, MOLE}  # admitted by both: either may have made it


def test_one_moles_groups_stamping_far_ahead_say_nothing_of_this_clock():
    """Three groups of one lineage: not enough, however many; a group of another lineage is."""
    for reverse in (False, True):
        g = moles_network(reverse)
        doubt = ClockDoubt(g.lineages)
        order = [MOLE, SECOND, THIRD]
        for n, group in enumerate(order[::-1] if reverse else order):
            doubt.note(group, 40 * HOUR + n, NOW)
        assert doubt.behind_ms(NOW + 1) is None
        doubt.note(HONEST, 2 * HOUR, NOW + 2)
        assert doubt.behind_ms(NOW + 3) == 2 * HOUR  # the least lead: the honest group's


def test_a_group_admitted_by_the_mole_and_an_honest_group_is_no_second_source():
    g = TrustGraph([F], [admit(F, HONEST), admit(F, MOLE), admit(MOLE, OTHER), admit(HONEST, OTHER)])
    doubt = ClockDoubt(g.lineages)
    doubt.note(MOLE, 40 * HOUR, NOW)
    doubt.note(OTHER, 40 * HOUR, NOW)
    assert doubt.behind_ms(NOW) is None  # the mole's vouch alone may have made OTHER


def test_an_honest_star_network_warns_from_two_groups():
    """The founder admitted every group: each is its own lineage, and two say this clock is behind
    (a founder's own group counts apart from the groups it admitted)."""
    g = TrustGraph([F], [admit(F, HONEST), admit(F, MOLE)])
    doubt = ClockDoubt(g.lineages)
    doubt.note(HONEST, 3 * HOUR, NOW)
    assert doubt.behind_ms(NOW) is None
    doubt.note(MOLE, 5 * HOUR, NOW)
    assert doubt.behind_ms(NOW) == 3 * HOUR
    founder_too = ClockDoubt(g.lineages)
    founder_too.note(F, HOUR, NOW)
    founder_too.note(HONEST, HOUR, NOW)
    assert founder_too.behind_ms(NOW) == HOUR


def test_the_lineage_is_read_from_the_graph_when_asked_whatever_order_trust_events_came_in():
    """SECOND, first known as admitted by MOLE, is admitted by the founder too (a vouch nearer the
    founders): then it is a lineage of its own, whether that vouch came before the refusals or
    after; and a group first known as the founder's, then found admitted by the mole only, is the
    mole's either way."""
    early = [admit(F, HONEST), admit(F, MOLE), admit(MOLE, SECOND)]
    for trust_first in (True, False):
        graph = {"now": TrustGraph([F], early + ([admit(F, SECOND)] if trust_first else []))}
        doubt = ClockDoubt(lambda group: graph["now"].lineages(group))
        doubt.note(MOLE, 40 * HOUR, NOW)
        doubt.note(SECOND, 40 * HOUR, NOW)
        graph["now"] = TrustGraph([F], [admit(F, SECOND)] + early)
        assert doubt.behind_ms(NOW) == 40 * HOUR, trust_first
    for notes in ([MOLE, SECOND], [SECOND, MOLE]):
        graph = {"now": TrustGraph([F], [admit(F, MOLE), admit(F, SECOND)])}
        doubt = ClockDoubt(lambda group: graph["now"].lineages(group))
        doubt.note(notes[0], 40 * HOUR, NOW)
        graph["now"] = TrustGraph([F], [admit(F, MOLE), admit(MOLE, SECOND)])  # no founder's vouch after all
        doubt.note(notes[1], 40 * HOUR, NOW)
        assert doubt.behind_ms(NOW) is None, notes


def test_the_lineages_are_kept_per_graph_not_walked_per_question():
    g = moles_network()
    walked = []
    members = g.members

    class Counting(dict):
        def get(self, k, default=None):
            walked.append(k)
            return members.get(k, default)

    g.members = Counting(members)
    doubt = ClockDoubt(g.lineages)
    doubt.note(THIRD, 40 * HOUR, NOW)
    doubt.note(SECOND, 40 * HOUR, NOW)
    for _ in range(100):
        assert doubt.behind_ms(NOW) is None
    assert len(walked) <= 5  # THIRD, SECOND, MOLE once; then from the cache


def test_peers_of_one_moles_groups_that_do_not_take_this_nodes_events_are_one_peer():
    """OwnEventsRefused counts the same way: peers of MOLE's lineage lacking what complete rounds
    gave them, round after round, say nothing (they told an admin with a right clock to set it back);
    a peer of another lineage too: said."""
    for reverse in (False, True):
        g = moles_network(reverse)
        refused = OwnEventsRefused(g.lineages)
        groups = [MOLE, SECOND, THIRD]
        for n, group in enumerate(groups[::-1] if reverse else groups):
            device = key(100 + n)
            refused.round_done(device, (5, 7), NOW, group=group)
            refused.round_done(device, (5, 7), NOW + 1000, group=group)
        assert refused.refused(NOW + 1000) is None
        refused.round_done(key(200), (6, 7), NOW + 2000, group=HONEST)
        refused.round_done(key(200), (6, 7), NOW + 3000, group=HONEST)
        assert refused.refused(NOW + 3000) == (4, 5)
