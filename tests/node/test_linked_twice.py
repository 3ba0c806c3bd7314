"""One peer device linked twice at once from two places, told from the rounds its links carry
(node/linked_twice.py): pure. Two running nodes with one key (a copied home) say it; a reconnect
racing its old link's close, a one-off `solnet sync` beside the device's node and one link's round
held back on the path until the dialler dialled again do not."""
from __future__ import annotations

import dataclasses

from node.linked_twice import SHOWN_MS, TELLS, Rounds, TwiceWatch, linked_twice

BRISTOL, CALAIS = b"B" * 32, b"C" * 32
S = 1_000  # ms


def running(number: int, opened: int, first: int, latest: int, rounds: int = 5, device: bytes = BRISTOL,
            outbound: bool = False, earlier: int | None = None) -> Rounds:
    """A link whose peer opens a round every 5 s (`earlier`: when the one before the latest came)."""
    return Rounds(number, device, outbound, opened, rounds, first, latest,
                  earlier_ms=max(first, latest - 5 * S) if earlier is None else earlier)


def test_two_running_nodes_each_driving_a_link_are_linked_twice() -> None:
    original = running(1, opened=0, first=1 * S, latest=40 * S)  # still opens rounds after the copy came
    copy = running(2, opened=20 * S, first=21 * S, latest=39 * S)
    assert linked_twice([copy, original]) == {BRISTOL: original}, "found whichever order the links come in"
    assert linked_twice([original, copy, running(3, 0, 1 * S, 40 * S, device=CALAIS)]) == {BRISTOL: original}


def test_a_reconnect_racing_its_old_links_close_is_not() -> None:
    """The dialler restarted (or its link died unseen) and dialled again: its old link lingers here
    until the watchdog, but it carries no round after the new one's first."""
    old = running(1, opened=0, first=1 * S, latest=19 * S)
    new = running(2, opened=20 * S, first=20 * S + 300, latest=90 * S, rounds=30)
    assert linked_twice([old, new]) == {}
    # ... even when the old link's last round came in just as the new link opened
    assert linked_twice([running(1, 0, 1 * S, 20 * S + 300), new]) == {}


def test_a_one_off_sync_beside_the_devices_running_node_is_not() -> None:
    """`solnet sync` opens a round, and a confirming one: never more than two, older link or newer."""
    node = running(1, opened=0, first=1 * S, latest=60 * S, rounds=20)
    sync = running(2, opened=30 * S, first=30 * S, latest=50 * S, rounds=2)
    assert linked_twice([node, sync]) == {}
    restarted = running(2, opened=30 * S, first=31 * S, latest=60 * S, rounds=20)  # its node restarted meanwhile
    assert linked_twice([running(1, 0, 1 * S, 40 * S, rounds=2), restarted]) == {}


def test_links_this_node_dialled_count_the_rounds_the_peer_answered() -> None:
    """On links this node dialled, the peer answers the rounds: two such links of one device (two
    addresses, one key) each answering rounds are two running nodes too; a pair of opposite
    dialler is not (crossed dials, sync/link_slots.py)."""
    dialled = Rounds(1, BRISTOL, True, 0)
    assert linked_twice([dialled, Rounds(2, BRISTOL, True, 20 * S)]) == {}, "no round answered yet"
    original = running(1, 0, 1 * S, 40 * S, outbound=True)
    assert linked_twice([original, running(2, 20 * S, 21 * S, 39 * S, outbound=True)]) == {BRISTOL: original}
    assert linked_twice([original, running(2, 20 * S, 21 * S, 60 * S)]) == {}


def test_the_watch_tells_each_link_of_the_pair_once_then_only_shows_it() -> None:
    watch = TwiceWatch()
    original, copy = running(1, 0, 1 * S, 40 * S), running(2, 20 * S, 21 * S, 39 * S)
    assert watch.check(BRISTOL, [running(1, 0, 1 * S, 19 * S), copy], 40 * S) is None, "not linked twice yet"
    assert watch.seen(40 * S) == {}
    assert watch.check(BRISTOL, [original, copy], 40 * S) == original, "told on the older link"
    assert watch.check(BRISTOL, [original, copy], 41 * S) is None, "once (it is closing)"
    assert watch.seen(41 * S) == {BRISTOL: 41 * S}
    # The older one closed and its node dialled again: the copy's is the older link now, told next
    again = running(3, 45 * S, 46 * S, 60 * S)
    copy_now = running(2, 20 * S, 21 * S, 60 * S)
    assert watch.check(BRISTOL, [again, copy_now], 60 * S) == copy_now
    assert watch.told(BRISTOL) == TELLS == 2
    last = 60 * S
    assert watch.seen(last + SHOWN_MS - 1) == {BRISTOL: last}
    assert watch.seen(last + SHOWN_MS) == {}, "no longer said an hour after it was last seen"


def test_a_copy_running_for_days_has_its_links_cut_twice_in_all() -> None:
    """Until 2026-12-05 the older link was closed every 10 minutes while the copy ran: a working link
    of a node that may be the honest one cut 144 times a day. Now both nodes are told once each (the
    closed one dials again at once), and the pair is only said after that; seen again after an hour
    without it, it is a new episode, told again."""
    watch = TwiceWatch()
    links = {1: running(1, 0, 1 * S, 40 * S), 2: running(2, 20 * S, 21 * S, 39 * S)}
    closed, number, now = [], 3, 40 * S
    while now < 3 * 24 * 3_600 * S:  # three days, a round every 5 s on each link
        for link in list(links.values()):
            links[link.number] = running(link.number, link.opened_ms, link.first_ms, now)
        told = watch.check(BRISTOL, links.values(), now)
        if told is not None:  # closed; its node dials again at once and opens rounds on its new link
            closed.append(told.number)
            del links[told.number]
            links[number] = running(number, now + 1, now + 2, now + 2)
            number += 1
        now += 5 * S
    assert closed == [1, 2], closed
    assert watch.seen(now) == {BRISTOL: now - 5 * S}
    later = now + SHOWN_MS  # the copy stopped, then ran again an hour later: told again
    assert watch.check(BRISTOL, [running(8, later, later + 1, later + 14 * S),
                                 running(9, later + 2, later + 3, later + 13 * S)], later + 14 * S) is not None


def test_one_node_dialling_two_addresses_of_this_one_is_not() -> None:
    """An honest node reachable here at two addresses (a host name and its IP, clearnet and onion):
    a dialler of an earlier version dialled both and ran rounds on both links, and this node told
    it to revoke its own working device. Its links name two addresses of this node; a copy, with
    the original's peer book, dials the same one."""
    first = dataclasses.replace(running(1, 0, 1 * S, 40 * S), at="calais.example:7000")
    second = dataclasses.replace(running(2, 0, 1 * S, 40 * S), at="203.0.113.5:7000")
    assert linked_twice([first, second]) == {}
    copy = dataclasses.replace(running(3, 20 * S, 21 * S, 39 * S), at="calais.example:7000")
    assert linked_twice([first, second, copy]) == {BRISTOL: first}, "a copy at the same address still is"


def test_a_pair_whose_rounds_never_ran_side_by_side_past_the_first_seconds_is_not() -> None:
    """A link closed before its first round (a second dial of one device, closed at once) carries
    none; one whose last round raced the other's start ran none beside it."""
    node = running(1, 0, 1 * S, 90 * S, rounds=30)
    assert linked_twice([node, Rounds(2, BRISTOL, False, 20 * S)]) == {}, "no round on the newer link"
    assert linked_twice([Rounds(1, BRISTOL, False, 0), running(2, 20 * S, 21 * S, 90 * S)]) == {}
    racing = running(1, 0, 1 * S, 24 * S)  # its last round came 3 s after the newer link's first
    assert linked_twice([racing, running(2, 20 * S, 21 * S, 90 * S, rounds=30)]) == {}
    # two rounds of the older one 9 s and 14 s past the newer one's first: it is
    assert linked_twice([running(1, 0, 1 * S, 35 * S, earlier=30 * S), running(2, 20 * S, 21 * S, 90 * S)]) != {}


def test_one_round_held_back_on_the_path_until_its_node_dialled_again_is_not() -> None:
    """A relay on the path (the websocket's framing is in clear) held back a working link's bytes,
    answered this node's pings on it itself, and handed over what it held once the dialler, hearing
    nothing, had dialled again: one late Offer on the old link, and this node said the honest device
    linked twice, its group to revoke it (until 2026-12-06). A dialler opens a round only once the
    one before was answered, so every round but that last one came before it dialled again."""
    held_back = running(1, 0, 1 * S, latest=40 * S, rounds=5, earlier=15 * S)
    redialled = running(2, 20 * S, 21 * S, 39 * S)
    assert linked_twice([held_back, redialled]) == {}
    assert TwiceWatch().check(BRISTOL, [held_back, redialled], 40 * S) is None
    # A copy's older link goes on opening rounds: the next one says it
    assert linked_twice([running(1, 0, 1 * S, latest=45 * S, rounds=6, earlier=40 * S), redialled]) != {}
