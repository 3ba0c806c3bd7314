"""The link-slot decisions (sync/link_slots.py), fed facts directly: one link per device, the same
choice on both sides of two crossing dials, and a cap on inbound links per group."""
from __future__ import annotations

import itertools

import pytest

from sync.handshake import DUPLICATE_LINK, GROUP_FULL, INBOUND_FULL, HandshakeError
from sync.link_slots import (CROSSED, MAKES_ROOM, MAX_INBOUND, MAX_INBOUND_PER_GROUP, RACE_WINDOW_MS, REPLACED,
                             SAME_DIALLER, Replace, Slot,
                             place)

SMALL, LARGE = bytes(31) + b"\x01", b"\xff" * 32  # two device keys, SMALL < LARGE
GROUP = b"g" * 32
_numbers = itertools.count(1)


def slot(device: bytes, *, outbound: bool, at: int, group: bytes | None = GROUP) -> Slot:
    return Slot(next(_numbers), device, group, outbound, at)


def test_the_same_dialler_again_gets_in_at_once_and_a_third_link_replaces_the_oldest() -> None:
    """A peer that restarted (or whose link died unseen) dials again, or runs a one-off `solnet sync`
    beside its node: it gets in at once, and neither cuts the other; a third link takes the oldest's slot."""
    first = slot(LARGE, outbound=False, at=0)
    second = slot(LARGE, outbound=False, at=1)
    assert place(SMALL, second, [first]) == []
    third = slot(LARGE, outbound=False, at=2)
    assert place(SMALL, third, [second, first]) == [Replace(first.number, REPLACED)]


def test_many_links_from_one_device_hold_two_slots() -> None:
    links: list[Slot] = []
    for t in range(100):
        new = slot(LARGE, outbound=False, at=t)
        gone = {r.number for r in place(SMALL, new, links)}
        links = [s for s in links if s.number not in gone] + [new]
    assert len(links) == SAME_DIALLER == 2
    assert [s.opened_ms for s in links] == [98, 99]  # the newest stay


NOW_MS = 1_780_000_000_000  # a node's clock: milliseconds since 1970 (2026)


@pytest.mark.parametrize("clock", [0, NOW_MS])
@pytest.mark.parametrize("gap", [0, 5, RACE_WINDOW_MS - 1])
def test_crossing_dials_keep_the_same_link_on_both_sides(gap: int, clock: int) -> None:
    """A dials B and B dials A at once; whichever link each side saw first, both keep the link
    dialled by the smaller key (never each a different one, which would close both)."""
    for first_at_a, first_at_b in itertools.product([True, False], repeat=2):
        # At A (SMALL): its own dial is outbound. At B (LARGE): A's dial is inbound.
        a_dial_at_a = slot(LARGE, outbound=True, at=clock + (0 if first_at_a else gap))
        b_dial_at_a = slot(LARGE, outbound=False, at=clock + (gap if first_at_a else 0))
        a_dial_at_b = slot(SMALL, outbound=False, at=clock + (0 if first_at_b else gap))
        b_dial_at_b = slot(SMALL, outbound=True, at=clock + (gap if first_at_b else 0))
        kept_at_a = _survivor(SMALL, *sorted([a_dial_at_a, b_dial_at_a], key=lambda s: s.opened_ms))
        kept_at_b = _survivor(LARGE, *sorted([a_dial_at_b, b_dial_at_b], key=lambda s: s.opened_ms))
        assert kept_at_a is a_dial_at_a and kept_at_b is a_dial_at_b  # A's dial: SMALL dialled it


def _survivor(own: bytes, old: Slot, new: Slot) -> Slot:
    try:
        replaced = place(own, new, [old])
    except HandshakeError as exc:
        assert exc.reason == DUPLICATE_LINK and CROSSED in str(exc)
        return old
    assert replaced == [Replace(old.number, CROSSED)]
    return new


@pytest.mark.parametrize("clock", [0, NOW_MS])
def test_an_old_link_the_other_way_is_replaced(clock: int) -> None:
    """We dialled the peer long ago; now it dials us: it lost that link (restarted), so the newer wins
    even though our dial is the one the smaller key made."""
    old = slot(LARGE, outbound=True, at=clock)
    new = slot(LARGE, outbound=False, at=clock + RACE_WINDOW_MS)
    assert place(SMALL, new, [old]) == [Replace(old.number, REPLACED)]


def test_the_new_link_among_the_open_ones_is_passed_over() -> None:
    """The caller may list the new link among the open ones: it is neither counted nor replaced,
    and the links after it are still weighed."""
    first = slot(LARGE, outbound=False, at=0)
    second = slot(LARGE, outbound=False, at=1)
    third = slot(LARGE, outbound=False, at=2)
    assert place(SMALL, third, [third, second, first]) == [Replace(first.number, REPLACED)]


def test_a_group_gets_a_share_of_the_inbound_slots() -> None:
    devices = [bytes([i]) * 32 for i in range(1, MAX_INBOUND_PER_GROUP + 2)]
    links = [slot(d, outbound=False, at=0) for d in devices[:MAX_INBOUND_PER_GROUP]]
    with pytest.raises(HandshakeError) as refused:
        place(SMALL, slot(devices[-1], outbound=False, at=1), links)
    assert refused.value.reason == GROUP_FULL
    assert str(refused.value).endswith(f"its group already holds {MAX_INBOUND_PER_GROUP} inbound links here "
                                       f"(at most {MAX_INBOUND_PER_GROUP} per group)")
    # Another group, a link this node dialled, and a device of the full group dialling again get in.
    assert place(SMALL, slot(devices[-1], outbound=False, at=1, group=b"h" * 32), links) == []
    assert place(SMALL, slot(devices[-1], outbound=True, at=1), links) == []
    again = slot(devices[0], outbound=False, at=1)
    assert place(SMALL, again, links) == []  # its second link (a restart, a one-off sync)
    third = slot(devices[0], outbound=False, at=2)
    assert place(SMALL, third, [*links, again]) == [Replace(links[0].number, REPLACED)]


def test_once_every_inbound_slot_is_taken_a_group_holding_fewer_takes_one_from_the_group_holding_most() -> None:
    """A member admits seven made-up groups and fills every inbound slot with their devices (8
    each): an honest group's device still gets in, in the place of the newest link of the group
    holding the most (of those, the smallest key, so that the choice is repeatable), and the puppet
    coming back gets no place (its group would hold as many as the others): the honest link stays."""
    puppets = [bytes([i]) * 32 for i in range(1, 9)]
    links = [slot(bytes([i, j]) * 16, outbound=False, at=10 * i + j, group=g)
             for i, g in enumerate(puppets) for j in range(MAX_INBOUND_PER_GROUP)]
    assert len(links) == MAX_INBOUND
    honest = slot(b"h" * 32, outbound=False, at=1000, group=b"H" * 32)
    [made_room] = place(SMALL, honest, links)
    newest_of_first = max((s for s in links if s.group == puppets[0]), key=lambda s: s.opened_ms)
    assert made_room == Replace(newest_of_first.number, MAKES_ROOM)
    links = [s for s in links if s.number != made_room.number] + [honest]
    back = slot(b"p" * 32, outbound=False, at=1001, group=puppets[0])  # the puppet group, again
    with pytest.raises(HandshakeError) as refused:
        place(SMALL, back, links)
    assert refused.value.reason == INBOUND_FULL
    assert place(SMALL, slot(SMALL, outbound=True, at=1002), links) == []  # our own dials take no inbound slot


def test_when_every_group_holds_as_few_inbound_links_as_the_newcomers_would_it_is_refused() -> None:
    links = [slot(bytes([i % 256, i // 256]) * 16, outbound=False, at=i, group=bytes([i % 256, 7]) * 16)
             for i in range(MAX_INBOUND)]
    with pytest.raises(HandshakeError) as refused:
        place(SMALL, slot(b"n" * 32, outbound=False, at=99, group=b"N" * 32), links)
    assert refused.value.reason == INBOUND_FULL
