"""Another node signing with this device's key, told from the events peers bring (node/key_elsewhere.py): pure."""
from __future__ import annotations

from crypto.keys import SigningKey
from events.canonical import pack
from events.format import sign_event
from node.key_elsewhere import START_GRACE_MS, KeyElsewhere

NETWORK = bytes(32)
STARTED = 1_800_000_000_000


def signed(key: SigningKey, seq: int, ts: int, fields: dict | None = None) -> bytes:
    return sign_event(key, network=NETWORK, seq=seq, prev=None if seq == 1 else bytes(32), timestamp=ts,
                      kind="action", body=pack(fields or {"title": "x"})).encode()


def test_an_event_of_this_device_stamped_since_the_start_says_another_node_signs_with_its_key() -> None:
    device, other = SigningKey.generate(), SigningKey.generate()
    seen = KeyElsewhere(bytes(device.public), STARTED)
    later = STARTED + START_GRACE_MS + 1000
    assert seen.stored([signed(other, 4, later)]) is None and seen.newest is None  # another author's
    assert seen.stored([signed(device, 7, later), signed(device, 8, later + 5)]) == (7, later)
    assert seen.newest == (8, later + 5)
    assert seen.stored([signed(device, 9, later + 9)]) is None, "said once"
    assert seen.newest == (9, later + 9)


def test_what_a_restored_home_catches_up_on_is_not_taken_for_a_copy() -> None:
    device = SigningKey.generate()
    seen = KeyElsewhere(bytes(device.public), STARTED)
    # Made before this node started (its own events from before a backup was restored), or in its
    # first minute (the old machine's clock a little ahead of this one's).
    assert seen.stored([signed(device, 3, STARTED - 86_400_000), signed(device, 4, STARTED + START_GRACE_MS - 1)]) is None
    assert seen.newest is None


def test_an_event_that_only_names_this_device_in_its_body_is_not_its() -> None:
    device, group = SigningKey.generate(), SigningKey.generate()
    seen = KeyElsewhere(bytes(device.public), STARTED)
    vouch = signed(group, 2, STARTED + START_GRACE_MS + 1, {"subject": bytes(device.public)})
    assert bytes(device.public) in vouch and seen.stored([vouch]) is None
