"""Another node signing with this device's key, told from the events peers bring (node/key_elsewhere.py): pure."""
from __future__ import annotations

from crypto.keys import SigningKey
from events.canonical import pack
from events.format import sign_event
from node.key_elsewhere import NAMED_AT_MOST, NOW, START_GRACE_MS, WHILE_STOPPED, GroupKeyAbove, KeyElsewhere, Seen
from node.words import group_key_elsewhere

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


def test_the_group_key_above_its_mark_names_each_device_and_group_once_in_sets() -> None:
    """On the home holding the group key: its events above the mark (node/own_marks.py) were signed
    by another home. Each device certified and group admitted is found once (a set: 2,000 vouches
    cost 2,000 lookups, not a search through every id found), the first NAMED_AT_MOST named, the
    rest counted, its other events counted by kind."""
    group, other = SigningKey.generate(), SigningKey.generate()
    found = GroupKeyAbove(bytes(group.public), STARTED)
    assert found.add(5, vouch(other, 5, LATER, b"x" * 32)) is None and found.first is None  # another key's
    spies = [bytes([i % 256, i // 256]) * 16 for i in range(2000)]
    new = [found.add(5 + i, vouch(group, 5 + i, STARTED - 1000, spy)) for i, spy in enumerate(spies)]
    assert new == [("device", spy) for spy in spies]
    assert found.add(2005, vouch(group, 2005, LATER, spies[0])) is None  # found already
    assert found.add(2006, vouch(group, 2006, LATER + 1, b"g" * 32, "group")) == ("group", b"g" * 32)
    assert found.add(2007, signed(group, 2007, LATER + 2)) is None
    assert found.named_devices == spies[:NAMED_AT_MOST] and len(found.devices) == 2000
    assert found.named_groups == [b"g" * 32] and found.other == {"action": 1}
    assert found.first == Seen(WHILE_STOPPED, 5, STARTED - 1000) and found.newest_now == Seen(NOW, 2007, LATER + 2)


def test_signed_while_stopped_above_the_mark_is_answered_on_a_restored_home_that_signed_past_it() -> None:
    """A restored main home (its marks restored with it, below its own events coming back): both
    readings said, until it has signed past them (its mark above them) on a home the node found
    restored. Not restored, it stays said; one signed elsewhere while the node runs, always."""
    group = SigningKey.generate()
    found = GroupKeyAbove(bytes(group.public), STARTED)
    found.add(7, vouch(group, 7, STARTED - 3_600_000, b"p" * 32))
    assert found.to_say(True, 6) == Seen(WHILE_STOPPED, 7, STARTED - 3_600_000)  # not signed past yet
    assert found.to_say(False, 8) == Seen(WHILE_STOPPED, 7, STARTED - 3_600_000)  # not restored: a thief's
    assert found.to_say(True, 8) is None
    found.add(9, vouch(group, 9, LATER, b"q" * 32))
    assert found.to_say(True, 10) == Seen(NOW, 9, LATER)


def test_signed_while_stopped_the_advice_to_revoke_goes_with_the_reading_of_no_restore_only() -> None:
    """A restored main home meets its own events above its (restored) marks: it is not told to revoke
    its own devices, only "if it was not" restored."""
    device = "d" * 64
    text = group_key_elsewhere(WHILE_STOPPED, 7, STARTED, "e" * 64, [device], [], 1, 0)
    revoke = text.index(f"`solnet revoke {device}`")
    assert "restored from an older backup, these are its own events and nothing is wrong" in text[:revoke], text
    assert text.rindex("If it was not,", 0, revoke) > text.index("restored from an older backup"), text
    now = group_key_elsewhere(NOW, 7, LATER, "e" * 64, [device], [], 1, 0)
    assert "If no copy of this home runs elsewhere" in now and f"`solnet revoke {device}`" in now, now
