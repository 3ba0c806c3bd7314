"""What a peer's asking again costs it (node/net/peer_policy.py): events this node sent the same
device, or another device of its group, within the hour, asked for again in an IWant or a round,
are charged to the group's budgets of repeats in events and in bytes; its budgets of pushed events
and bytes read are the group's too. Counted on an injected clock, not timed."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from node.net import peer_policy
from node.net.peer_policy import PeerPolicy
from sync.peers import REPEAT_WINDOW_MS, PeerLimits

LIMITS = PeerLimits()
DEVICE, OTHER, AUTHOR = b"d" * 32, b"o" * 32, b"a" * 32
GROUP, OTHER_GROUP = b"g" * 32, b"h" * 32
SIBLINGS = [bytes([n]) * 32 for n in range(1, 8)]  # DEVICE's group's seven other devices
GROUPS = {DEVICE: GROUP, OTHER: OTHER_GROUP, **{device: GROUP for device in SIBLINGS}}
BIG = 60 * 1024  # the reviewer's events: 500 of 60 KiB, asked for again every 2.5 s


class Clock:
    """Milliseconds that move only when told (or when the policy sleeps, see `sleeping`)."""

    def __init__(self) -> None:
        self.now = 1_000_000
        self.slept_ms = 0

    def __call__(self) -> int:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += round(seconds * 1000)
        self.slept_ms += round(seconds * 1000)


def _policy(clock: Clock) -> PeerPolicy:
    trust = SimpleNamespace(trust=SimpleNamespace(group_of=GROUPS.get))  # the graph's one answer used here
    return PeerPolicy(LIMITS, trust=lambda: trust, addresses=lambda: None, clock=clock)


def _sent_bytes(policy: PeerPolicy, device: bytes, events: list[tuple[bytes, int, int]]) -> int:
    return sum(size for (_, _, size), ok in zip(events, policy.answerable(device, events)) if ok)


def test_an_iwant_asked_again_and_again_draws_back_its_burst_then_its_rate_of_bytes():
    clock = Clock()
    policy = _policy(clock)
    asked = [(AUTHOR, seq, BIG) for seq in range(1, 501)]
    assert _sent_bytes(policy, DEVICE, asked) == 500 * BIG  # the first time, all of it
    again = sum(_sent_bytes(policy, DEVICE, asked) for _ in range(10))  # ten more asks at once
    assert LIMITS.repeat_bytes_burst - BIG < again <= LIMITS.repeat_bytes_burst  # before: 10 x 30 MiB
    for _ in range(40):  # 100 s more of an ask every 2.5 s: the rate, not 10 MiB/s
        clock.now += 2500
        again += _sent_bytes(policy, DEVICE, asked)
    assert again <= LIMITS.repeat_bytes_burst + LIMITS.repeat_bytes_per_s * 100
    assert again >= LIMITS.repeat_bytes_burst + LIMITS.repeat_bytes_per_s * 100 - 2 * BIG  # (not starved)


def test_what_was_not_sent_before_goes_whatever_the_repeats_cost():
    clock = Clock()
    policy = _policy(clock)
    asked = [(AUTHOR, seq, BIG) for seq in range(1, 501)]
    policy.answerable(DEVICE, asked)
    for _ in range(5):
        policy.answerable(DEVICE, asked)  # the budget of repeats spent
    assert _sent_bytes(policy, DEVICE, asked) == 0
    new = [(AUTHOR, 501, BIG), (b"x" * 32, 1, BIG)]
    assert policy.answerable(DEVICE, new) == [True, True]  # new events, of the same author or another
    assert _sent_bytes(policy, OTHER, asked) == 500 * BIG  # another device: never sent them


def test_small_repeats_are_held_to_the_count_of_repeats_too():
    clock = Clock()
    policy = _policy(clock)
    asked = [(AUTHOR, seq, 100) for seq in range(1, 501)]
    policy.answerable(DEVICE, asked)
    again = sum(sum(policy.answerable(DEVICE, asked)) for _ in range(60))
    assert again == LIMITS.repeat_burst  # 20 000 events of 100 B: far below the bytes, at the count


def test_a_round_streaming_big_events_again_waits_for_their_bytes(monkeypatch):
    """A round is never left short (it must end), so it waits: for the bytes of what it repeats."""
    clock = Clock()
    monkeypatch.setattr(peer_policy.asyncio, "sleep", clock.sleep)
    policy = _policy(clock)
    seqs = list(range(1, 501))

    async def stream() -> int:
        return await policy.limit_streamed(DEVICE, AUTHOR, seqs, [BIG] * len(seqs))

    assert asyncio.run(stream()) == 0 and clock.slept_ms == 0  # the first time at once
    assert asyncio.run(stream()) == 500
    # 500 repeats are within the count's burst: only their bytes beyond the bytes' burst wait
    expected_s = (500 * BIG - LIMITS.repeat_bytes_burst) / LIMITS.repeat_bytes_per_s
    assert clock.slept_ms / 1000 == pytest.approx(expected_s, abs=0.01)  # before: no wait at all


# --- the devices of one group (a group key certifies devices at will, up to eight links at a time) ---

def test_a_groups_new_device_asking_for_what_another_was_sent_gets_it_at_the_pace_of_repeats(monkeypatch):
    """A fresh device of a member group claiming to hold nothing was streamed the whole log at
    full speed, one device after another: the record of what was sent was per device."""
    clock = Clock()
    monkeypatch.setattr(peer_policy.asyncio, "sleep", clock.sleep)
    policy = _policy(clock)
    seqs = list(range(1, 501))

    async def stream(device: bytes) -> int:
        return await policy.limit_streamed(device, AUTHOR, seqs, [BIG] * len(seqs))

    assert asyncio.run(stream(DEVICE)) == 0 and clock.slept_ms == 0  # the group's first: at once
    assert asyncio.run(stream(SIBLINGS[0])) == 500  # before: 0, all of it again at once
    expected_s = (500 * BIG - LIMITS.repeat_bytes_burst) / LIMITS.repeat_bytes_per_s
    assert clock.slept_ms / 1000 == pytest.approx(expected_s, abs=0.01)  # ... all of it, at the group's pace
    slept = clock.slept_ms
    assert asyncio.run(stream(OTHER)) == 0 and clock.slept_ms == slept  # another group: its own first time
    asked = [(AUTHOR, seq, BIG) for seq in seqs]
    assert _sent_bytes(policy, SIBLINGS[1], asked) == 0  # an IWant of a third device: the group's repeats spent
    clock.now += REPEAT_WINDOW_MS + 1  # an hour later nothing is held against a new device of the group
    assert asyncio.run(stream(SIBLINGS[2])) == 0 and clock.slept_ms == slept


def test_what_no_device_of_the_group_was_sent_goes_at_full_pace(monkeypatch):
    """The record kept one range per author (lowest..highest seq sent): the laptop streamed X's
    newest ten, the phone's first batch 1..64 widened it to 1..50010, and all the rest of the
    phone's catching up, sent to no device of the group, went at the pace of repeats."""
    clock = Clock()
    monkeypatch.setattr(peer_policy.asyncio, "sleep", clock.sleep)
    policy = _policy(clock)
    laptop, phone, mole = DEVICE, SIBLINGS[0], SIBLINGS[1]

    async def stream(device: bytes, seqs: list[int]) -> int:
        return await policy.limit_streamed(device, AUTHOR, seqs, [BIG] * len(seqs))

    async def catch_up(device: bytes, last: int) -> int:
        batches = [list(range(1, 65))] + [list(range(first, min(first + 500, last + 1)))
                                          for first in range(65, last + 1, 500)]
        return sum([await stream(device, seqs) for seqs in batches])

    assert asyncio.run(stream(laptop, list(range(50_001, 50_011)))) == 0
    assert asyncio.run(catch_up(phone, 50_000)) == 0  # before: 49,936 counted repeats
    assert clock.slept_ms == 0
    assert asyncio.run(catch_up(mole, 50_010)) == 50_010  # claiming to hold nothing: all of it again


def test_a_links_ping_is_answered_whatever_its_siblings_spent_of_the_repeats():
    """A ping asks for one fixed event: after the first, a repeat. A sibling's repeated IWants
    spent the group's repeats, the ping went unanswered, and its device cut the link."""
    clock = Clock()
    policy = _policy(clock)
    proof = (b"p" * 32, 3)
    ping = [(*proof, 400)]
    assert policy.answerable(DEVICE, ping, always=proof) == [True]
    asked = [(AUTHOR, seq, 400) for seq in range(1, 501)]
    for _ in range(120):
        policy.answerable(SIBLINGS[0], asked)
    assert _sent_bytes(policy, SIBLINGS[0], asked) == 0  # the group's repeats spent
    clock.now += 45_000
    for _ in range(120):
        policy.answerable(SIBLINGS[0], asked)
    assert policy.answerable(DEVICE, ping, always=proof) == [True]
    assert policy.answerable(DEVICE, ping) == [False]  # (what any other IWant asking again for it gets)


def test_a_ping_names_no_large_event_past_the_repeats():
    """The event a link's pings ask for may be named by the peer (a dialler that asked first takes
    its listener's), with a wire that need not be signed: a stored 60 KiB event under that name is
    a repeat like any other, not a ping's answer."""
    clock = Clock()
    policy = _policy(clock)
    proof = (b"p" * 32, 3)
    big = [(*proof, 60 * 1024)]
    assert policy.answerable(DEVICE, big, always=proof) == [True]  # the first: not sent it lately
    asked = [(AUTHOR, seq, 400) for seq in range(1, 501)]
    for _ in range(120):
        policy.answerable(SIBLINGS[0], asked)
    assert policy.answerable(DEVICE, big, always=proof) == [False]
    assert policy.answerable(DEVICE, [(*proof, 400)], always=proof) == [True]


def test_eight_devices_of_one_group_push_and_are_read_at_the_pace_of_one(monkeypatch):
    """The budgets of pushed events and of bytes read were per device: eight devices of a group
    (the most it may link at once) took eight bursts at once, and eight times the rate."""
    clock = Clock()
    monkeypatch.setattr(peer_policy.asyncio, "sleep", clock.sleep)
    policy = _policy(clock)
    devices = [DEVICE, *SIBLINGS]

    async def each_takes_a_burst() -> None:
        for device in devices:
            await policy.limit_events(device, int(LIMITS.events_burst))
            await policy.limit_bytes(device, int(LIMITS.bytes_burst))

    asyncio.run(each_takes_a_burst())
    events_s = (len(devices) - 1) * LIMITS.events_burst / LIMITS.max_events_per_s
    bytes_s = (len(devices) - 1) * LIMITS.bytes_burst / LIMITS.max_bytes_per_s
    # Each wait refills both buckets: the slower of the two sets the pace (before: no wait at all).
    assert clock.slept_ms / 1000 == pytest.approx(max(events_s, bytes_s), abs=0.1)
    slept = clock.slept_ms
    asyncio.run(policy.limit_events(OTHER, int(LIMITS.events_burst)))
    asyncio.run(policy.limit_bytes(OTHER, int(LIMITS.bytes_burst)))
    assert clock.slept_ms == slept  # another group's device: its own burst, at once
