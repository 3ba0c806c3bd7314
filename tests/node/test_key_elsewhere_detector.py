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
