"""The self-maintaining overlay (sync/overlay.py): active and passive views over the peer book,
filled from configured, invite and announced addresses, repaired when links fail. Pure: times are
given, randomness is seeded; no sockets, no sleeps."""
from __future__ import annotations

import random

import pytest

from sync.overlay import (ACTIVE_MAX, ACTIVE_SIZE, MIN_OUTBOUND, CONFIGURED_LONG_RETRY_MS, CONFIGURED_PATIENCE,
                          CONFIGURED_RETRY_MS, RETURN_CAP_MS, RETURN_WINDOW_MS, STABLE_LINK_MS, Dial, Drop, Overlay)
from sync.peers import PeerBook

DEVICE = bytes(32)


def addr(i: int) -> str:
    return f"http://n{i}.example:7000"


def device(i: int) -> bytes:
    return bytes([i]) * 32


def overlay(seed: int = 1, **kw) -> Overlay:
    rng = random.Random(seed)
    return Overlay(PeerBook(rng), rng, own={addr(0)}, **kw)


def dials(commands) -> list[str]:
    return [c.address for c in commands if isinstance(c, Dial)]


def connect_all(o: Overlay, commands, now: int) -> None:
    for address in dials(commands):
        o.connected(address, now, DEVICE)


def linked_to_configured_and_announced(dialled: range) -> Overlay:
    """Linked to configured peer 1 and to the `dialled` ones of announced peers 2..39."""
    o = overlay()
    o.learn(addr(1), "config")
    o.connected(addr(1), 0, DEVICE)
    for i in range(2, 40):
        o.learn(addr(i), "announce")
    for i in dialled:
        o.connected(addr(i), 0, DEVICE)
    return o


def test_one_configured_peer_then_the_announced_ones_fill_the_active_view():
    o = overlay()
    o.learn(addr(1), "config")
    assert dials(o.plan(0)) == [addr(1)]
    o.connected(addr(1), 0, DEVICE)
    for i in range(2, 40):  # the announcements synced from that peer
        o.learn(addr(i), "announce")
    for t in range(1, ACTIVE_SIZE):  # one more at each call: links coming in count first
        step = o.plan(t)
        assert len(dials(step)) == 1
        connect_all(o, step, t)
    assert len(o.links()) == ACTIVE_SIZE
    assert o.plan(10) == []  # full: nothing more to dial


def test_own_address_and_removed_ones_are_never_learned():
    o = overlay()
    assert not o.learn(addr(0), "announce")
    o.learn(addr(3), "config")
    o.remove(addr(3))
    assert not o.learn(addr(3), "announce")
    assert not o.learn(addr(3), "invite")
    o.announced(addr(3), 10)
    assert o.book.get(addr(3)) is None and addr(3) not in o.passive
    assert dials(o.plan(20)) == []
    o.unblock(addr(3))  # `peers add` again
    assert o.learn(addr(3), "config")


def test_removing_a_linked_peer_drops_its_link():
    o = overlay()
    o.learn(addr(1), "config")
    o.connected(addr(1), 0, DEVICE)
    assert o.remove(addr(1)) == [Drop(addr(1), "peer removed")]
    assert o.links() == set()


def test_a_failed_link_is_repaired_from_the_passive_view():
    o = overlay()
    for i in range(1, 20):
        o.learn(addr(i), "announce")
    connect_all(o, o.plan(0), 0)  # none linked yet: the whole view at once
    assert len(o.links()) == ACTIVE_SIZE
    lost = sorted(o.outbound)[0]
    o.disconnected(lost, 5, "connection closed")
    repair = dials(o.plan(6))
    assert len(repair) == 1 and repair[0] != lost  # the lost one waits for its backoff


def test_configured_peers_are_dialled_whatever_the_view_size():
    o = overlay()
    for i in range(1, 10):
        o.learn(addr(i), "announce")
    connect_all(o, o.plan(0), 0)
    o.learn(addr(50), "config")
    o.learn(addr(51), "invite")
    assert set(dials(o.plan(1))) == {addr(50), addr(51)}


def test_an_overfull_view_drops_dialled_links_but_never_configured_or_inbound_ones():
    o = linked_to_configured_and_announced(dialled=range(2, 8))
    for i in range(10, 14):
        o.heard_from(device(i), addr(i), 0)
    assert len(o.links()) == 11 > ACTIVE_MAX
    drops = [c for c in o.plan(1) if isinstance(c, Drop)]
    assert len(drops) == len(o.links()) - ACTIVE_MAX
    assert all(c.address in {addr(i) for i in range(2, 8)} for c in drops)


def test_a_peer_refused_as_revoked_backs_off_even_when_configured():
    """A revoked device and the node that refuses it tried each other every few seconds for as long
    as they ran (a configured peer is retried within seconds): each try a signed handshake and log
    lines on an SD card. A refusal for what the peer is backs off as far as any failure."""
    o = overlay()
    o.learn(addr(1), "config")
    delays = [o.dial_failed(addr(1), now, "revoked: that device key is revoked", refused=True) for now in range(12)]
    assert max(delays) > 10 * CONFIGURED_RETRY_MS
    assert o.dial_failed(addr(1), 12, "connection refused") <= CONFIGURED_RETRY_MS  # an outage: retried soon


def test_a_configured_peer_is_retried_within_seconds_through_an_outage():
    o = overlay()
    o.learn(addr(1), "config")
    o.learn(addr(2), "announce")
    now = 0
    for _ in range(12):
        assert o.dial_failed(addr(1), now, "connection refused") <= CONFIGURED_RETRY_MS
        o.dial_failed(addr(2), now, "connection refused")
        now += 1
    assert o.book.get(addr(1)).next_attempt <= now + CONFIGURED_RETRY_MS
    assert o.book.get(addr(2)).next_attempt > now + CONFIGURED_RETRY_MS  # an announced one backs off
    o.connected(addr(1), now, DEVICE)
    now += STABLE_LINK_MS  # (a link that ends sooner counts as one more failure: test_short_links.py)
    o.disconnected(addr(1), now, "connection closed")
    assert o.book.get(addr(1)).next_attempt <= now + CONFIGURED_RETRY_MS


def test_a_configured_peer_down_for_long_is_tried_every_half_minute_and_within_seconds_once_back():
    """A configured peer down for hours (or a wrong address) was dialled every 2.5 s on average for
    as long as the node ran: through Tor, a circuit each time on a Pi. After CONFIGURED_PATIENCE
    failures in a row (minutes of dials) it is tried within CONFIGURED_LONG_RETRY_MS; once it
    answers, its failures are forgiven and an outage is retried within seconds again."""
    o = overlay()
    o.learn(addr(1), "config")
    delays = [o.dial_failed(addr(1), now, "connection refused") for now in range(CONFIGURED_PATIENCE + 200)]
    assert max(delays[:CONFIGURED_PATIENCE]) <= CONFIGURED_RETRY_MS
    assert CONFIGURED_RETRY_MS < max(delays[CONFIGURED_PATIENCE:]) <= CONFIGURED_LONG_RETRY_MS
    now = CONFIGURED_PATIENCE + 200
    o.connected(addr(1), now, DEVICE)
    o.disconnected(addr(1), now, "connection closed")
    assert o.dial_failed(addr(1), now + 1, "connection refused") <= CONFIGURED_RETRY_MS


def test_a_clock_set_back_hours_leaves_no_configured_or_announced_peer_undialled():
    """A laptop whose hardware clock keeps local time boots two hours ahead; its first dials fail
    (the network is not up yet), then the time server sets the clock back. Both peers are dialled
    within the longest backoff, not two hours later."""
    o = overlay()
    o.learn(addr(1), "config")
    o.learn(addr(2), "announce")
    ahead = 1_800_000_000_000
    for _ in range(8):
        o.dial_failed(addr(1), ahead, "network unreachable")
        o.dial_failed(addr(2), ahead, "network unreachable")
    assert sorted(dials(o.plan(ahead - 7_200_000))) == [addr(1), addr(2)]


def test_a_peer_back_is_dialled_at_once_after_inbound_contact_or_a_fresh_announcement():
    o = overlay()
    o.learn(addr(1), "announce")
    now = 0
    for _ in range(12):  # a long absence: the backoff grows toward its cap
        o.dial_failed(addr(1), now, "connection refused")
        now += 1
    assert o.book.get(addr(1)).next_attempt > now + 1000
    assert dials(o.plan(now)) == []
    o.heard_from(device(1), addr(1), now)  # it dialled us: linked, its backoff forgiven
    assert addr(1) in o.links() and o.book.get(addr(1)).next_attempt <= now

    o.learn(addr(2), "announce")
    for _ in range(12):
        o.dial_failed(addr(2), now, "connection refused")
    assert addr(2) not in dials(o.plan(now))
    o.announced(addr(2), now)  # a fresh node.announce of its address
    assert addr(2) in dials(o.plan(now))


def test_a_member_announcing_another_devices_address_does_not_keep_it_from_being_dialled():
    """An honest peer answered our dials at addr(1); a member then announced that address and dialled
    in: the address counted as linked (inbound), and this node never dialled the honest peer again
    once it came back from a restart, for as long as the member stayed linked."""
    o = overlay()
    o.learn(addr(1), "announce")
    o.connected(addr(1), 0, device(1))
    o.disconnected(addr(1), 1, "connection refused")  # the honest node restarts
    o.heard_from(device(9), addr(1), 2, group=device(8))  # the member, announcing addr(1), dials in
    assert addr(1) not in o.inbound
    assert addr(1) in dials(o.plan(2 + 60_000))


def test_a_peer_lost_lately_is_redialled_within_seconds_then_backs_off_as_before():
    o = overlay()
    o.learn(addr(1), "announce")
    o.connected(addr(1), 0, device(1))
    o.disconnected(addr(1), 10_000, "connection closed")
    assert o.book.get(addr(1)).next_attempt <= 10_000 + RETURN_CAP_MS
    # Four minutes of failed dials: never more than the return cap apart (an uncapped backoff reaches 256 s).
    now, delays = 10_000, []
    while now < 10_000 + 240_000:
        delays.append(o.dial_failed(addr(1), now, "connection refused"))
        now += delays[-1]
    assert max(delays) <= RETURN_CAP_MS and o.book.get(addr(1)).failures > 60
    # Past the window, the usual exponential backoff again (a few dials from 1 s up).
    now = 10_000 + RETURN_WINDOW_MS
    o.book.get(addr(1)).failures = 0
    later = [o.dial_failed(addr(1), now, "connection refused") for _ in range(12)]
    assert max(later) > 60_000
    # A configured peer lost lately: the shorter of the two caps.
    o.learn(addr(2), "config")
    o.connected(addr(2), 0, device(2))
    o.disconnected(addr(2), 0, "connection closed")
    assert max(o.dial_failed(addr(2), 1, "connection refused") for _ in range(12)) <= RETURN_CAP_MS


def test_a_peer_that_dials_in_is_due_at_every_address_where_it_answered_even_unannounced():
    o = overlay()
    o.learn(addr(1), "config")  # e.g. configured by address; the peer never announced it
    o.connected(addr(1), 0, device(1))
    o.disconnected(addr(1), 0, "connection closed")
    for _ in range(12):
        o.dial_failed(addr(1), 1, "connection refused")
    assert o.book.get(addr(1)).next_attempt > 1
    o.heard_from(device(9), None, 2)  # another device: nothing changes
    assert dials(o.plan(2)) == []
    o.heard_from(device(1), None, 2)  # it dialled us; we know no announced address for it
    assert dials(o.plan(2)) == [addr(1)] and addr(1) not in o.inbound


def test_an_announced_peer_linked_inbound_is_not_dialled_until_that_link_ends():
    o = overlay(active_size=1, active_max=1)
    o.learn(addr(1), "announce")
    for _ in range(12):
        o.dial_failed(addr(1), 0, "connection refused")
    o.heard_from(device(1), addr(1), 0)
    assert addr(1) in o.links() and o.plan(0) == []
    o.inbound_ended(addr(1))  # its link ends: dialled at once, the backoff forgiven
    assert dials(o.plan(0)) == [addr(1)]


def test_inbound_links_count_in_the_active_view_beside_links_of_its_own_choosing():
    """Links that came in fill the view, but the node still dials MIN_OUTBOUND peers of its own
    choosing, one at a time: those who dial in do not choose all of its peers."""
    o = overlay()
    for i in range(1, 20):
        o.learn(addr(i), "announce")
    for i in range(1, ACTIVE_SIZE + 1):
        o.heard_from(device(i), addr(i), 0)
    for step in range(MIN_OUTBOUND):
        [dialled] = dials(o.plan(step))
        o.connected(dialled, step, bytes([50 + step]) * 32)
    assert o.plan(10) == []
    o.inbound_ended(addr(1))
    assert o.plan(11) == []  # 4 in, 3 of its own: enough


def test_groups_of_one_admitter_dialling_in_push_out_no_link_the_node_chose_below_its_minimum():
    """One member admits nine groups; each announces an address and dials in. The view overflowed,
    and every link the node had dialled itself (but its configured peer's) was dropped to make room:
    the member's groups became its only peers."""
    o = linked_to_configured_and_announced(dialled=range(2, 6))
    for i in range(20, 29):
        o.heard_from(device(i), addr(i), 0, group=bytes([i]) * 32)
    dropped = [c.address for c in o.plan(1) if isinstance(c, Drop)]
    for address in dropped:
        o.disconnected(address, 1, None)
    assert len(o.outbound - o.inbound) == MIN_OUTBOUND and addr(1) in o.outbound


def test_one_groups_many_inbound_devices_take_one_place_and_push_out_no_dialled_link():
    """A member certifies eight devices; each announces an address where nothing listens and dials
    in. They hold one place in the active view: the links this node dialled itself stay, and when
    one ends it is replaced by a dial of this node's own choosing."""
    o = linked_to_configured_and_announced(dialled=range(2, 5))
    mole = bytes([99]) * 32
    for i in range(20, 28):
        o.heard_from(device(i), addr(i), 0, group=mole)
    assert [c for c in o.plan(1) if isinstance(c, Drop)] == []
    assert len(o.links()) == 5 and {addr(i) for i in range(1, 5)} <= o.links()
    o.inbound_ended(addr(20))  # the device holding the group's place leaves: another may take it
    o.heard_from(device(21), addr(21), 2, group=mole)
    assert addr(21) in o.links() and len(o.links()) == 5
    o.heard_from(device(30), addr(30), 3, group=bytes([98]) * 32)  # another group's device counts on its own
    assert addr(30) in o.links()


def test_the_passive_view_is_bounded_and_shuffled_from_the_known_addresses():
    o = overlay(passive_size=10)
    for i in range(1, 200):
        o.learn(addr(i), "announce")
    assert len(o.passive) == 10
    before = set(o.passive)
    o.shuffle()
    assert len(o.passive) == 10 and len(set(o.passive)) == 10
    assert set(o.passive) != before and set(o.passive) <= o.book_addresses()


def test_same_seed_same_decisions():
    def run(seed: int) -> list:
        o = overlay(seed)
        for i in range(1, 60):
            o.learn(addr(i), "announce")
        out = []
        for t in range(5):
            cmds = o.plan(t * 1000)
            out.append(cmds)
            connect_all(o, cmds, t * 1000)
            o.disconnected(sorted(o.outbound)[0], t * 1000, "gone")
            o.shuffle()
        return out
    assert run(7) == run(7)
    assert run(7) != run(8)


def test_bad_sizes_and_sources_are_refused():
    with pytest.raises(ValueError):
        overlay(active_size=0)
    with pytest.raises(ValueError):
        overlay().learn(addr(1), "gossip")


def test_an_own_address_not_yet_bound_is_no_error() -> None:
    """A node listening on port 0 knows its own port only once bound: the overlay starts anyway."""
    overlay = Overlay(PeerBook(random.Random(1)), random.Random(1), own={"http://127.0.0.1:0", "127.0.0.1:7700"})
    assert not overlay.learn("127.0.0.1:7700", "announce")  # its own bound address is still never learned


@pytest.mark.parametrize("listen", ["127.0.0.1:7700", "0.0.0.0:7700"])
def test_another_spelling_of_this_machine_at_its_own_port_is_its_own(listen: str) -> None:
    """A member announcing localhost:PORT or 0.0.0.0:PORT for a node listening on 127.0.0.1:PORT made it
    dial itself, refuse itself (a dozen times in half a minute) and list itself among its peers."""
    overlay = Overlay(PeerBook(random.Random(1)), random.Random(1), own={listen})
    for spelling in ("localhost:7700", "0.0.0.0:7700", "[::1]:7700", "http://127.0.0.1:7700"):
        assert not overlay.learn(spelling, "announce"), spelling
    assert overlay.learn("127.0.0.1:7701", "announce") and overlay.learn("192.0.2.7:7700", "announce")


def test_no_address_is_dialled_whose_device_holds_a_link_either_way():
    """One link per device (sync/link_slots.py): a configured peer that dialled us is not dialled
    back (that dial would replace its link), nor is an announced address of a linked device."""
    o = overlay()
    o.learn(addr(1), "config")
    o.learn(addr(2), "announce")
    for address in (addr(1), addr(2)):
        o.connected(address, 0, device(int(address[8])))
        o.disconnected(address, 0, "connection closed")
    linked = {device(1), device(2)}
    assert dials(o.plan(RETURN_CAP_MS, linked=linked)) == []
    assert set(dials(o.plan(RETURN_CAP_MS, linked={device(2)}))) == {addr(1)}


@pytest.mark.parametrize("spelling", ["localhost:7701", "[::1]:7701", "https://127.0.0.1:7701",
                                      "[::ffff:127.0.0.1]:7701", "0.0.0.0:7701"])
def test_a_removed_address_is_not_learned_again_in_another_spelling(spelling: str) -> None:
    """`peers rm 127.0.0.1:7701`, then an announcement of localhost:7701: the node dialled the peer
    it was told to leave, and the removal was undone without a word."""
    o = overlay()
    o.learn("127.0.0.1:7701", "announce")
    o.remove("127.0.0.1:7701")
    assert not o.learn(spelling, "announce") and o.book.all() == []
    o.announced(spelling, 10)
    assert dials(o.plan(20)) == []
    o.unblock(spelling)  # `peers add` in any spelling: learned again
    assert o.learn("127.0.0.1:7701", "announce")


def test_removing_an_address_takes_out_the_other_spellings_already_known():
    o = overlay()
    o.learn("localhost:7701", "announce")
    o.connected("http://localhost:7701", 0, DEVICE)
    o.learn("127.0.0.1:7701", "announce")
    assert o.remove("127.0.0.1:7701") == [Drop("http://localhost:7701", "peer removed")]
    assert o.book.all() == [] and o.links() == set()


def test_an_announced_spelling_of_a_known_place_is_not_dialled_beside_it():
    o = overlay()
    o.learn("localhost:7701", "config")
    assert not o.learn("127.0.0.1:7701", "announce")
    assert dials(o.plan(0)) == ["http://localhost:7701"]


def test_an_address_announced_with_another_scheme_first_does_not_keep_the_real_one_out():
    """A member announcing https://bristol.example:7000 before Bristol's own http:// address reached a
    node: the real address was never learned (nor a node's move to https on its port)."""
    o = overlay()
    assert o.learn("https://bristol.example:7000", "announce")
    assert o.learn("http://bristol.example:7000", "announce")
    o.learn("ws://bristol.example:7000", "announce")  # (http again: the same address)
    assert sorted(o.book_addresses()) == ["http://bristol.example:7000", "https://bristol.example:7000"]
