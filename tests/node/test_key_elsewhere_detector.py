"""Another node signing with this device's key, told from the events peers bring (node/key_elsewhere.py): pure."""
from __future__ import annotations

from crypto.keys import SigningKey
from events.canonical import pack
from events.format import sign_event
from node.key_elsewhere import NOW, START_GRACE_MS, WHILE_STOPPED, KeyElsewhere, Seen

NETWORK = bytes(32)
STARTED = 1_800_000_000_000
LATER = STARTED + START_GRACE_MS + 1000


def signed(key: SigningKey, seq: int, ts: int, fields: dict | None = None) -> bytes:
    return sign_event(key, network=NETWORK, seq=seq, prev=None if seq == 1 else bytes(32), timestamp=ts,
                      kind="action", body=pack(fields or {"title": "x"})).encode()


def test_an_event_of_this_device_stamped_since_the_start_says_another_node_signs_with_its_key() -> None:
    device, other = SigningKey.generate(), SigningKey.generate()
    seen = KeyElsewhere(bytes(device.public), STARTED, own_head=6)
    assert seen.stored([signed(other, 4, LATER)]) == [] and seen.newest is None  # another author's
    assert seen.stored([signed(device, 7, LATER), signed(device, 8, LATER + 5)]) == [Seen(NOW, 7, LATER)]
    assert seen.newest == Seen(NOW, 8, LATER + 5) and seen.while_stopped is None
    assert seen.stored([signed(device, 9, LATER + 9)]) == [], "said once"
    assert seen.newest == Seen(NOW, 9, LATER + 9)


def test_events_above_the_chain_it_started_with_were_signed_while_it_was_stopped() -> None:
    """A thief (or a copy) signed while this node was down: said once, with both readings, whatever
    came after; what it held already is never said."""
    device = SigningKey.generate()
    seen = KeyElsewhere(bytes(device.public), STARTED, own_head=6)
    assert seen.stored([signed(device, 7, STARTED - 3_600_000), signed(device, 8, STARTED - 60_000)]) == [
        Seen(WHILE_STOPPED, 7, STARTED - 3_600_000)]
    assert seen.stored([signed(device, 9, STARTED)]) == [] and seen.newest is None
    assert seen.while_stopped == Seen(WHILE_STOPPED, 7, STARTED - 3_600_000)


def test_what_this_node_held_or_a_rebuilt_home_gets_back_is_not_said() -> None:
    device = SigningKey.generate()
    held = KeyElsewhere(bytes(device.public), STARTED, own_head=4)
    # At or below the head it started with (sent again after a lost write), or in its first minute.
    assert held.stored([signed(device, 3, STARTED - 86_400_000), signed(device, 4, STARTED + START_GRACE_MS - 1)]) == []
    rebuilt = KeyElsewhere(bytes(device.public), STARTED, own_head=0)  # nothing of its own chain: no head to pass
    assert rebuilt.stored([signed(device, s, STARTED - 1000) for s in (1, 2, 3)]) == []
    assert rebuilt.newest is None and rebuilt.while_stopped is None


def test_an_event_that_only_names_this_device_in_its_body_is_not_its() -> None:
    device, group = SigningKey.generate(), SigningKey.generate()
    seen = KeyElsewhere(bytes(device.public), STARTED, own_head=1)
    vouch = signed(group, 2, LATER, {"subject": bytes(device.public)})
    assert bytes(device.public) in vouch and seen.stored([vouch]) == []


def test_on_a_restored_home_what_was_signed_while_stopped_is_answered_once_the_node_signs_after_it() -> None:
    """A home restored from a backup gets its own newer events back: what the warning's first
    reading says. Once the node has signed after them, its chain goes on here, and `status` and
    every publish stop repeating it; on a home that was not restored (a thief signed while the Pi
    was off) it is said for as long as the node runs, whatever it signs."""
    device = SigningKey.generate()
    for restored, said_after in ((True, None), (False, Seen(WHILE_STOPPED, 7, STARTED - 3_600_000))):
        seen = KeyElsewhere(bytes(device.public), STARTED, own_head=6)
        seen.stored([signed(device, 7, STARTED - 3_600_000), signed(device, 8, STARTED - 60_000)])
        assert seen.to_say(restored) == Seen(WHILE_STOPPED, 7, STARTED - 3_600_000), "said until the node signs"
        seen.signed_here(9)
        assert seen.to_say(restored) == said_after, restored


def test_a_copy_signing_while_the_restored_node_runs_is_said_whatever_the_node_signed() -> None:
    """The home it was restored from still runs (the old Pi): what it signs after this node's start
    is said, and nothing this node signs answers it."""
    device = SigningKey.generate()
    seen = KeyElsewhere(bytes(device.public), STARTED, own_head=6)
    seen.stored([signed(device, 7, STARTED - 3_600_000)])
    seen.signed_here(8)
    assert seen.to_say(True) is None
    seen.stored([signed(device, 9, LATER)])
    seen.signed_here(10)
    assert seen.to_say(True) == Seen(NOW, 9, LATER)


def test_what_the_node_signed_below_an_event_signed_while_stopped_does_not_answer_it() -> None:
    """An event signed while stopped that came after the node signed at its seq or above it (a fork
    in the making, from a peer that had not given it at the first round) stays said."""
    device = SigningKey.generate()
    seen = KeyElsewhere(bytes(device.public), STARTED, own_head=6)
    seen.signed_here(7)
    seen.stored([signed(device, 7, STARTED - 3_600_000)])
    assert seen.to_say(True) == Seen(WHILE_STOPPED, 7, STARTED - 3_600_000)


def vouch(group: SigningKey, seq: int, ts: int, subject: bytes, role: str = "device") -> bytes:
    return sign_event(group, network=NETWORK, seq=seq, prev=bytes(32), timestamp=ts, kind="member.vouch",
                      body=pack({"subject": subject, "role": role})).encode()


def test_the_group_key_signing_elsewhere_names_each_device_it_certified_there() -> None:
    """On the home holding the group key: a copy of it certifies a device (it then reads what is
    sealed to the group): said, and said again for a further device or a group it admits (a
    police-run group let into the network); what the group key held when
    the node started (its own vouches coming back to a rebuilt home) is not."""
    group, spy, spy2, mine, other = (SigningKey.generate() for _ in range(5))
    seen = KeyElsewhere(bytes(group.public), STARTED, own_head=4, group=True)
    assert seen.stored([vouch(group, 3, STARTED - 86_400_000, bytes(mine.public))]) == []  # held already
    assert seen.stored([vouch(other, 9, LATER, bytes(spy.public))]) == []  # another group's
    assert seen.stored([vouch(group, 5, LATER, bytes(spy.public)), signed(group, 6, LATER + 1)]) == [Seen(NOW, 5, LATER)]
    assert seen.certified == [bytes(spy.public)]
    assert seen.stored([vouch(group, 7, LATER + 2, bytes(spy.public))]) == []  # said already
    assert seen.stored([vouch(group, 8, LATER + 3, b"g" * 32, "group")]) == [Seen(NOW, 8, LATER + 3)]
    assert seen.admitted == [b"g" * 32]
    assert seen.stored([vouch(group, 9, LATER + 4, bytes(spy2.public))]) == [Seen(NOW, 9, LATER + 4)]
    assert seen.certified == [bytes(spy.public), bytes(spy2.public)] and seen.newest == Seen(NOW, 9, LATER + 4)
    device = KeyElsewhere(bytes(group.public), STARTED, own_head=4)  # a device's watch keeps none
    device.stored([vouch(group, 5, LATER, bytes(spy.public))])
    assert device.certified == []
