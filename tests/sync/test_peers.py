"""The peer book: address forms, backoff, penalties and bans, sampling, token buckets. Pure, no sleeps."""
from __future__ import annotations

import ipaddress
import json
import random
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.peers import (
    BAN_MS,
    BAN_THRESHOLD,
    PENALTY_HALF_LIFE_MS,
    REASON_POINTS,
    PeerBook,
    PeerLimits,
    PeerState,
    StreamedBefore,
    TokenBucket,
)
from sync.addresses import AddressError, normalize_address, place_of

DEVICE = bytes(range(32))
A, B, C = "http://a.example:7001", "http://b.example:7002", "http://c.example:7003"


class FixedRng(random.Random):
    """uniform() always picks the top (or bottom) of its range, to read the backoff cap exactly."""

    def __init__(self, top: bool) -> None:
        super().__init__(0)
        self.top = top

    def uniform(self, a: float, b: float) -> float:
        return b if self.top else a


def book(rng: random.Random | None = None, **kw) -> PeerBook:
    return PeerBook(rng or random.Random(1), **kw)


# --- addresses -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, canonical", [
    ("localhost:8080", "http://localhost:8080"),
    ("Calais.Example.ORG:443", "http://calais.example.org:443"),
    ("http://10.0.0.5:7000", "http://10.0.0.5:7000"),
    ("HTTP://Node-1.lan:7000/", "http://node-1.lan:7000"),
    ("https://bristol.example:8443", "https://bristol.example:8443"),
    ("ws://brighton.example:9000/sync/v1?x=1#frag", "http://brighton.example:9000"),
    ("wss://cardiff.example:443/sync", "https://cardiff.example:443"),
    ("[::1]:7000", "http://[::1]:7000"),
    ("http://[0:0:0:0:0:0:0:1]:7000", "http://[::1]:7000"),
    ("https://[2001:DB8::A]:1", "https://[2001:db8::a]:1"),
    ("host:08080", "http://host:8080"),
    ("host:65535", "http://host:65535"),
    ("abcdefghijklmnopqrstuvwxyz0123456789.onion:80", "http://abcdefghijklmnopqrstuvwxyz0123456789.onion:80"),
])
def test_accepted_forms_normalize_to_one_canonical_form(text, canonical):
    assert normalize_address(text) == canonical
    assert normalize_address(canonical) == canonical


@pytest.mark.parametrize("text, problem", [
    ("", "empty"),
    ("localhost", "no port"),
    ("http://localhost", "no port"),
    ("http://localhost/path", "no port"),
    ("[::1]", "no port"),
    ("host:0", "out of range"),
    ("host:065535", "port must be a number"),
    ("host:65536", "out of range"),
    ("host:99999", "out of range"),
    ("host:", "port must be a number"),
    ("host:http", "port must be a number"),
    ("host:-1", "port must be a number"),
    (":8080", "host is empty"),
    ("http://:8080", "host is empty"),
    ("http://user:pass@host:8080", "passwords"),
    ("user@host:8080", "passwords"),
    ("host :8080", "whitespace"),
    (" host:8080", "whitespace"),
    ("host:8080\n", "whitespace"),
    ("ftp://host:21", "scheme ftp:// is not supported"),
    ("socks5://host:9050", "not supported"),
    ("://host:80", "malformed"),
    ("::1:8080", "brackets"),
    ("[::1:8080", "closing"),
    ("[example.org]:80", "not an IPv6"),
    ("[fe80::1%eth0]:80", "zone"),
    ("999.1.1.1:80", "IPv4"),
    ("bad_-host-.example:80", "host name"),
    ("exa mple:80", "whitespace"),
    ("caf\u00e9.example:80", "host name"),
    ("a..b:80", "host name"),
])
def test_rejected_forms_say_what_is_wrong_and_what_is_expected(text, problem):
    with pytest.raises(AddressError) as err:
        normalize_address(text)
    message = str(err.value)
    assert problem in message
    assert "expected host:port" in message
    assert isinstance(err.value, ValueError)


_label = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?", fullmatch=True)
_hostname = st.lists(_label, min_size=1, max_size=4).map(".".join).filter(
    lambda h: not all(c.isdigit() or c == "." for c in h))
_host = st.one_of(
    _hostname,
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda ip: f"[{ip.exploded if ip.packed[0] % 2 else ip.compressed}]"),
)


@st.composite
def valid_addresses(draw):
    host, port = draw(_host), draw(st.integers(1, 65535))
    scheme = draw(st.sampled_from(["", "http://", "https://", "ws://", "wss://", "HTTPS://", "Ws://"]))
    zeros = "0" * draw(st.integers(0, 5 - len(str(port))))
    path = draw(st.sampled_from(["", "/", "/sync", "/a/b?c=d"])) if scheme else ""
    return f"{scheme}{host}:{zeros}{port}{path}", host, port, scheme


@settings(max_examples=300, deadline=None)
@given(valid_addresses())
def test_normalize_round_trips_and_agrees_with_urlsplit(case):
    text, host, port, scheme = case
    once = normalize_address(text)
    assert normalize_address(once) == once
    # An independent parser reads the same host and port back out of the canonical form.
    parts = urlsplit(once)
    assert parts.scheme == ("https" if scheme.lower() in ("https://", "wss://") else "http")
    assert parts.port == port
    assert parts.path == parts.query == parts.fragment == ""
    expected_host = host.strip("[]").lower()
    if ":" in expected_host:
        assert ipaddress.ip_address(parts.hostname) == ipaddress.ip_address(expected_host)
    else:
        assert parts.hostname == expected_host


# --- adding and sources --------------------------------------------------------------------------

def test_add_normalizes_and_re_adding_keeps_state():
    peers = book()
    first = peers.add("A.example:7001")
    assert first.address == A and first.source == "config"
    peers.connect_failed(A, 0, "refused")
    peers.penalize(A, "malformed", 0)
    again = peers.add("ws://a.example:7001/sync", "config")
    assert again is first
    assert again.failures == 1 and again.penalty == 10
    assert peers.get("a.example:7001") is first
    assert [p.address for p in peers.all()] == [A]


def test_config_wins_over_announce_either_way_round():
    peers = book()
    assert peers.add(A, "announce").source == "announce"
    assert peers.add(A, "config").source == "config"
    assert peers.add(A, "announce").source == "config"
    assert peers.add(B, "config").source == "config"
    assert peers.add(B, "announce").source == "config"


def test_add_rejects_unknown_source_and_bad_address():
    peers = book()
    with pytest.raises(ValueError, match="source"):
        peers.add(A, "gossip")
    with pytest.raises(AddressError):
        peers.add("nope")
    assert peers.all() == []


def test_all_is_sorted_and_remove_works():
    peers = book()
    for address in (C, A, B):
        peers.add(address)
    assert [p.address for p in peers.all()] == [A, B, C]
    assert peers.remove("b.example:7002") is True
    assert peers.remove(B) is False
    assert peers.get(B) is None
    assert [p.address for p in peers.all()] == [A, C]


def test_operations_on_unknown_peers_raise_key_error():
    peers = book()
    with pytest.raises(KeyError, match="unknown peer"):
        peers.connect_failed(A, 0, "x")
    with pytest.raises(KeyError):
        peers.penalize(A, "malformed", 0)


# --- backoff -------------------------------------------------------------------------------------

def test_backoff_upper_bound_doubles_then_caps():
    peers = book(FixedRng(top=True), base_backoff_ms=1000, max_backoff_ms=20_000)
    peers.add(A)
    delays = [peers.connect_failed(A, 0, "refused") for _ in range(8)]
    assert delays == [1000, 2000, 4000, 8000, 16000, 20000, 20000, 20000]
    state = peers.get(A)
    assert state.failures == 8 and state.next_attempt == 20000
    assert state.last_attempt == 0 and state.last_error == "refused"


def test_backoff_never_below_half_the_base():
    peers = book(FixedRng(top=False), base_backoff_ms=1000)
    peers.add(A)
    assert [peers.connect_failed(A, 5, "x") for _ in range(5)] == [500] * 5
    assert peers.get(A).next_attempt == 505


def test_backoff_is_jittered_within_bounds():
    base, cap = 1000, 300_000
    runs = []
    for seed in range(20):
        peers = book(random.Random(seed), base_backoff_ms=base, max_backoff_ms=cap)
        peers.add(A)
        delays = [peers.connect_failed(A, 0, "x") for _ in range(12)]
        for failures, delay in enumerate(delays, start=1):
            assert base / 2 <= delay <= min(cap, base * 2 ** (failures - 1))
        runs.append(tuple(delays))
    assert len(set(runs)) == len(runs)  # different rngs, different schedules
    late = [d for run in runs for d in run[8:]]  # with a 256 s+ bound, delays spread widely
    assert max(late) - min(late) > 100_000


def test_backoff_survives_huge_failure_counts():
    peers = book(FixedRng(top=True), base_backoff_ms=1000, max_backoff_ms=300_000)
    peers.add(A).failures = 10_000
    assert peers.connect_failed(A, 0, "x") == 300_000


def test_connect_resets_backoff_and_disconnect_reschedules():
    peers = book(FixedRng(top=True))
    peers.add(A)
    for _ in range(5):
        peers.connect_failed(A, 0, "refused")
    peers.connected(A, 100_000, DEVICE)
    state = peers.get(A)
    assert state.failures == 0 and state.connected and state.device == DEVICE
    assert state.last_error is None
    peers.disconnected(A, 200_000, "reset by peer")
    assert not state.connected and state.last_error == "reset by peer"
    assert state.failures == 1 and state.next_attempt == 201_000  # first step of the backoff
    peers.connected(A, 300_000, DEVICE)
    peers.disconnected(A, 400_000, None)
    assert state.failures == 0 and state.next_attempt == 401_000  # clean close: base delay


def test_a_capped_backoff_stays_below_the_cap_and_an_uncapped_one_grows_as_before():
    peers = book(FixedRng(top=True), base_backoff_ms=1000, max_backoff_ms=300_000)
    peers.add(A)
    peers.add(B)
    assert [peers.connect_failed(A, 0, "refused", cap_ms=2_000) for _ in range(12)] == [1000] + [2000] * 11
    assert [peers.connect_failed(B, 0, "refused") for _ in range(4)] == [1000, 2000, 4000, 8000]
    assert peers.connect_failed(B, 0, "refused", cap_ms=10) == 1000  # never below the base: no hammering
    peers.connected(A, 0, DEVICE)
    peers.disconnected(A, 10_000, "connection closed", cap_ms=2_000)
    assert peers.get(A).next_attempt == 11_000 and peers.get(A).to_json(10_000)["cut_off_since"] == 10_000


def test_forgiving_a_peer_makes_it_due_at_once_and_its_device_names_where_it_answered():
    peers = book(FixedRng(top=True), base_backoff_ms=1000, max_backoff_ms=300_000)
    peers.add(A)
    peers.add(B)
    peers.connected(A, 0, DEVICE)
    peers.disconnected(A, 0, "reset by peer")
    state = peers.get(A)
    state.failures, state.next_attempt = 9, 250_000  # as after minutes of failures
    assert peers.due(1_000) == [peers.get(B)]
    assert peers.addresses_of(DEVICE) == [A] and peers.addresses_of(bytes(32)) == []
    peers.forgive(A, 1_000)
    assert state.failures == 0 and state.next_attempt == 1_000 and A in [p.address for p in peers.due(1_000)]
    peers.forgive("http://unknown.example:1", 1_000)  # an address the book does not hold: nothing happens


def test_connected_checks_device_key_length():
    peers = book()
    peers.add(A)
    with pytest.raises(ValueError, match="32 bytes"):
        peers.connected(A, 0, b"short")


def test_backoff_settings_are_checked():
    with pytest.raises(ValueError):
        PeerBook(random.Random(), base_backoff_ms=0)
    with pytest.raises(ValueError):
        PeerBook(random.Random(), base_backoff_ms=1000, max_backoff_ms=999)


# --- due -----------------------------------------------------------------------------------------

def test_due_respects_next_attempt_bans_and_connections():
    peers = book(FixedRng(top=True))
    for address in (A, B, C):
        peers.add(address)
    assert [p.address for p in peers.due(0)] == [A, B, C]
    peers.connect_failed(A, 0, "refused")  # next attempt at 1000
    peers.connected(B, 0, DEVICE)
    for _ in range(2):
        peers.penalize(C, "wrong_network", 0)  # 100 points: banned
    assert peers.due(0) == []
    assert peers.due(999) == []
    assert [p.address for p in peers.due(1000)] == [A]
    assert [p.address for p in peers.due(BAN_MS - 1)] == [A]
    assert [p.address for p in peers.due(BAN_MS)] == [C, A]  # longest-waiting first
    peers.disconnected(B, BAN_MS, None)
    assert [p.address for p in peers.due(BAN_MS + 999)] == [C, A]
    assert [p.address for p in peers.due(BAN_MS + 1000)] == [C, A, B]


# --- penalties -----------------------------------------------------------------------------------

def test_penalty_points_follow_the_reason_table():
    assert REASON_POINTS["bad_signature"] == 25 and REASON_POINTS["wrong_network"] == 50
    assert REASON_POINTS["fork"] == 0 and REASON_POINTS["author_frozen"] == 0
    peers = book()
    peers.add(A)
    assert peers.penalize(A, "bad_signature", 0) is False
    assert peers.penalize(A, "malformed", 0, count=2) is False
    assert peers.penalize(A, "something_new", 0) is False  # unknown reasons cost 5
    assert peers.penalty(A, 0) == 25 + 20 + 5
    assert peers.get(A).rejected_events == 4


def test_fork_and_duplicates_cost_nothing():
    peers = book()
    peers.add(A)
    assert peers.penalize(A, "fork", 0, count=1000) is False
    assert peers.penalize(A, "duplicate", 0, count=1000) is False
    assert peers.penalize(A, "pending", 0, count=1000) is False
    assert peers.penalty(A, 0) == 0
    assert not peers.is_banned(A, 0)
    assert peers.get(A).rejected_events == 1000  # forks are still counted, just not charged


def test_penalties_decay_with_the_half_life():
    peers = book()
    peers.add(A)
    peers.penalize(A, "bad_signature", 1000)
    assert peers.penalty(A, 1000) == 25
    assert peers.penalty(A, 1000 + PENALTY_HALF_LIFE_MS) == 12.5
    assert peers.penalty(A, 1000 + 2 * PENALTY_HALF_LIFE_MS) == 6.25
    assert peers.penalty(A, 1000 + PENALTY_HALF_LIFE_MS // 2) == pytest.approx(25 / 2 ** 0.5)
    assert peers.penalty(A, 0) == 25  # a clock going back does not inflate it
    peers.penalize(A, "bad_signature", 1000 + PENALTY_HALF_LIFE_MS)
    assert peers.penalty(A, 1000 + PENALTY_HALF_LIFE_MS) == 37.5
    assert peers.penalty(A, 1000 + 2 * PENALTY_HALF_LIFE_MS) == 18.75


def test_ban_at_threshold_and_expiry():
    peers = book()
    peers.add(A)
    peers.connected(A, 0, DEVICE)
    assert [peers.penalize(A, "bad_signature", 10) for _ in range(4)] == [False, False, False, True]
    assert peers.penalty(A, 10) == BAN_THRESHOLD
    state = peers.get(A)
    assert state.banned_until == 10 + BAN_MS
    assert state.connected  # the caller disconnects
    assert peers.is_banned(A, 10 + BAN_MS - 1)
    assert not peers.is_banned(A, 10 + BAN_MS)
    assert peers.penalty(A, 10 + BAN_MS) == pytest.approx(100 / 64)


def test_slow_trickle_decays_below_the_threshold():
    peers = book()
    peers.add(A)
    # 25 points every half-life settles at 50, never reaching 100.
    for i in range(50):
        assert peers.penalize(A, "bad_signature", i * PENALTY_HALF_LIFE_MS) is False
    assert peers.penalty(A, 49 * PENALTY_HALF_LIFE_MS) == pytest.approx(50)


def test_fork_while_banned_does_not_extend_the_ban():
    peers = book()
    peers.add(A)
    assert peers.penalize(A, "wrong_network", 0, count=2) is True
    assert peers.penalize(A, "fork", 1000) is True  # still banned
    assert peers.get(A).banned_until == BAN_MS
    assert peers.penalize(A, "protocol", 2000) is True  # a fresh offence renews it
    assert peers.get(A).banned_until == 2000 + BAN_MS


def test_penalize_rejects_negative_count():
    peers = book()
    peers.add(A)
    with pytest.raises(ValueError):
        peers.penalize(A, "malformed", 0, count=-1)


# --- sample --------------------------------------------------------------------------------------

def _network(n: int) -> tuple[PeerBook, list[str]]:
    peers = book()
    addresses = [f"http://peer{i:02d}.example:7000" for i in range(n)]
    for address in addresses:
        peers.add(address)
    return peers, addresses


def test_sample_only_connected_unbanned_unexcluded_peers():
    peers, addresses = _network(12)
    connected = addresses[:8]
    for address in connected:
        peers.connected(address, 0, DEVICE)
    banned = connected[0]
    peers.penalize(banned, "wrong_network", 5, count=2)
    excluded = {connected[1], "peer02.example:7000"}  # any form of the address
    allowed = set(connected[3:])
    rng = random.Random(7)
    seen = set()
    for k in range(0, 10):
        for _ in range(20):
            got = [p.address for p in peers.sample(k, rng, exclude=excluded)]
            assert len(got) == len(set(got)) == min(k, len(allowed))
            assert set(got) <= allowed
            seen.update(got)
    assert seen == allowed
    assert peers.sample(-1) == []


def test_sample_with_now_lets_an_expired_ban_pass():
    peers, addresses = _network(2)
    for address in addresses:
        peers.connected(address, 0, DEVICE)
    peers.penalize(addresses[0], "wrong_network", 0, count=2)
    assert [p.address for p in peers.sample(5, now=1)] == [addresses[1]]
    assert len(peers.sample(5, now=BAN_MS)) == 2


def test_sample_is_reproducible_with_the_same_seed():
    peers, addresses = _network(10)
    for address in addresses:
        peers.connected(address, 0, DEVICE)
    first = [p.address for p in peers.sample(3, random.Random(42))]
    second = [p.address for p in peers.sample(3, random.Random(42))]
    assert first == second


# --- status --------------------------------------------------------------------------------------

def test_to_json_is_plain_json_with_decayed_penalty_and_ban_flag():
    peers = book()
    peers.add(A)
    peers.connected(A, 0, DEVICE)
    peers.synced(A, 50, received=7, sent=3, lag=7)
    peers.synced(A, 60, received=1, sent=0, lag=0)
    peers.penalize(A, "wrong_network", 100, count=2)
    data = json.loads(json.dumps(peers.get(A).to_json(100 + PENALTY_HALF_LIFE_MS)))
    assert data["address"] == A and data["source"] == "config"
    assert data["device"] == DEVICE.hex()
    assert data["penalty"] == 50.0 and data["banned"] is True
    assert data["received_events"] == 8 and data["sent_events"] == 3 and data["lag"] == 0
    assert data["last_sync"] == 60 and data["connected"] is True
    fresh = json.loads(json.dumps(PeerState("http://x:1", "announce").to_json(0)))
    assert fresh["device"] is None and fresh["banned"] is False and fresh["penalty"] == 0


def test_synced_rejects_negative_counts():
    peers = book()
    peers.add(A)
    with pytest.raises(ValueError):
        peers.synced(A, 0, received=-1, sent=0, lag=0)


# --- token bucket --------------------------------------------------------------------------------

def test_bucket_starts_full_and_refills_at_the_rate():
    bucket = TokenBucket(rate_per_s=10, burst=20)
    assert bucket.take(20, 1000)
    assert not bucket.take(1, 1000)
    assert bucket.wait_ms(1, 1000) == 100
    assert not bucket.take(1, 1099)
    assert bucket.take(1, 1100)
    assert bucket.wait_ms(5, 1100) == 500
    assert bucket.take(5, 1600)
    assert bucket.available(1600) == 0


def test_bucket_caps_at_burst():
    bucket = TokenBucket(rate_per_s=1000, burst=50)
    assert bucket.take(50, 0)
    assert bucket.available(1_000_000) == 50
    assert bucket.take(50, 1_000_000)
    assert not bucket.take(1, 1_000_000)


def test_refused_take_consumes_nothing():
    bucket = TokenBucket(rate_per_s=10, burst=20)
    assert bucket.take(15, 0)
    for _ in range(10):
        assert not bucket.take(6, 0)
    assert bucket.available(0) == 5
    assert bucket.take(5, 0)
    assert not bucket.take(21, 10_000_000)  # more than the burst can never be taken
    assert bucket.available(10_000_000) == 20


def test_wait_ms_zero_when_available_and_raises_past_burst():
    bucket = TokenBucket(rate_per_s=4, burst=8)
    assert bucket.wait_ms(8, 0) == 0
    assert bucket.wait_ms(0, 0) == 0
    assert bucket.take(8, 0)
    assert bucket.wait_ms(1, 0) == 250
    assert bucket.wait_ms(3, 0) == 750
    assert bucket.wait_ms(3, 100) == 650
    with pytest.raises(ValueError, match="burst"):
        bucket.wait_ms(8.5, 0)
    with pytest.raises(ValueError):
        bucket.take(-1, 0)


def test_clock_going_back_refills_nothing():
    bucket = TokenBucket(rate_per_s=10, burst=10)
    assert bucket.take(10, 5000)
    assert bucket.available(1000) == 0
    assert bucket.available(5100) == 1


# --- a wall clock set back (a time server stepping a clock that ran ahead) -----------------------
T = 1_800_000_000_000
HOURS_2 = 7_200_000


def test_a_bucket_emptied_before_the_clock_was_set_back_refills_from_then_on():
    bucket = TokenBucket(rate_per_s=10, burst=10)
    assert bucket.take(10, T)
    back = T - HOURS_2
    assert bucket.available(back) == 0  # nothing for the time the clock went back ...
    assert bucket.take(1, back + 100) and bucket.wait_ms(5, back + 100) == 500  # ... then as usual
    assert bucket.available(back + 2000) == 10


def test_a_backoff_drawn_before_the_clock_was_set_back_ends_within_the_longest_backoff():
    peers = book(FixedRng(top=True), max_backoff_ms=300_000)
    peers.add(A)
    for _ in range(10):
        peers.connect_failed(A, T, "connection refused")
    assert peers.get(A).next_attempt == T + 300_000
    assert [p.address for p in peers.due(T - HOURS_2)] == [A]  # before: undialled for two hours
    peers.connect_failed(A, T - HOURS_2, "connection refused")
    assert peers.get(A).next_attempt == T - HOURS_2 + 300_000 and not peers.due(T - HOURS_2 + 1000)


def test_a_ban_and_points_taken_before_the_clock_was_set_back_last_no_longer_than_usual():
    peers = book()
    peers.add(A)
    assert [peers.penalize(A, "wrong_network", T) for _ in range(2)] == [False, True]  # banned for BAN_MS
    back = T - HOURS_2
    assert peers.is_banned(A, back) and peers.is_banned(A, back + BAN_MS - 1)
    assert not peers.is_banned(A, back + BAN_MS)  # before: banned for three hours
    assert peers.penalty(A, back + PENALTY_HALF_LIFE_MS) == pytest.approx(peers.penalty(A, back) / 2)


@settings(max_examples=200, deadline=None)
@given(rate=st.floats(0.01, 1e7), burst=st.floats(0.5, 1e8), used=st.floats(0, 1),
       want=st.floats(0, 1), now=st.integers(0, 2 ** 41))
def test_take_succeeds_exactly_when_wait_ms_says(rate, burst, used, want, now):
    bucket = TokenBucket(rate, burst)
    assert bucket.take(used * burst, now)
    amount = want * burst
    wait = bucket.wait_ms(amount, now)
    if wait > 0:
        assert not bucket.take(amount, now + wait - 1)
    assert bucket.take(amount, now + wait)


@pytest.mark.parametrize("rate, burst", [(0, 1), (1, 0), (-1, 1), (float("inf"), 1), (1, float("nan"))])
def test_bucket_rejects_bad_settings(rate, burst):
    with pytest.raises(ValueError):
        TokenBucket(rate, burst)


# --- limits --------------------------------------------------------------------------------------

def test_limit_defaults_and_validation():
    limits = PeerLimits()
    assert limits.max_frame_bytes == 4 * 1024 * 1024
    assert limits.events_burst >= limits.max_events_per_s
    assert limits.bytes_burst >= limits.max_frame_bytes  # a full frame always fits the byte bucket
    with pytest.raises(ValueError, match="message_timeout_s"):
        PeerLimits(message_timeout_s=0)


# --- what rounds streamed each peer lately (StreamedBefore) ------------------------------------------

def test_events_streamed_a_device_within_the_window_count_as_asked_again():
    streamed = StreamedBefore(window_ms=60_000)
    dev, other, author = b"d" * 32, b"o" * 32, b"a" * 32
    assert streamed.again(dev, author, [1, 2, 3], 0) == 0  # never streamed: none
    streamed.note(dev, author, 1, 500, 1000)
    assert streamed.again(dev, author, list(range(1, 501)), 2000) == 500  # a peer claiming it holds nothing
    assert streamed.again(dev, author, list(range(480, 520)), 2000) == 21  # lost in flight at the end, then new
    assert streamed.again(dev, author, list(range(501, 600)), 2000) == 0  # what it lacks, honestly
    assert streamed.again(other, author, [1, 2], 2000) == 0  # another device: its own record
    assert streamed.again(dev, b"x" * 32, [1, 2], 2000) == 0  # another author
    assert streamed.again(dev, author, [1, 2], 1000 + 60_001) == 0  # past the window
    assert streamed.again(dev, author, [1, 2], 999) == 0  # a clock set back: nothing said


def test_ranges_streamed_in_turn_merge_and_the_window_runs_from_the_last():
    """A liar alternating "I hold nothing" and "I hold everything" is not forgotten in between."""
    streamed = StreamedBefore(window_ms=60_000)
    dev, author = b"d" * 32, b"a" * 32
    streamed.note(dev, author, 1, 500, 0)
    streamed.note(dev, author, 501, 1000, 50_000)
    assert streamed.again(dev, author, list(range(1, 1001)), 100_000) == 1000
    streamed.note(dev, author, 2000, 2000, 200_000)  # the old range had expired: a fresh one
    assert streamed.again(dev, author, [1, 2000], 200_001) == 1


def test_ranges_apart_stay_apart_and_past_the_cap_the_smallest_is_forgotten():
    """One range per author counted what lay between two ranges sent as sent; past the cap of
    ranges a few scattered asks must not push out a big range (it would go again at full speed),
    nor have the gaps between them counted as sent (merging the closest did: an honest device's
    scattered IWant answers made its group's catch-up repeats)."""
    streamed = StreamedBefore(window_ms=60_000, max_ranges=3)
    dev, author = b"d" * 32, b"a" * 32
    streamed.note(dev, author, 300, 300, 0)
    streamed.note(dev, author, 1, 64, 1)
    assert streamed.again(dev, author, list(range(1, 301)), 2) == 65  # before: 300
    streamed.note(dev, author, 65, 299, 3)  # touching both: one range
    assert streamed.again(dev, author, list(range(1, 302)), 4) == 300
    for seq in (1000, 1010, 1100, 1105):  # scattered asks past the cap of 3 ranges
        streamed.note(dev, author, seq, seq, 5)
    assert streamed.again(dev, author, list(range(1, 301)), 6) == 300  # the big range kept
    assert streamed.again(dev, author, [1000, 1010, 1100, 1105], 6) == 2  # the first small ones forgotten
    assert streamed.again(dev, author, [1001, 1009, 1101, 1104], 6) == 0  # no gap counted as sent
    assert streamed.again(dev, author, [301, 999, 1050], 6) == 0


def test_scattered_answers_do_not_make_an_authors_history_repeats():
    """20 IWant answers scattered over an author's 50,000 events (an honest device asking for
    missing bodies): a catch-up of them all counts at most the 8 kept as repeats (merging the
    closest ranges past the cap counted 30,001)."""
    streamed = StreamedBefore(window_ms=60_000)
    dev, author = b"d" * 32, b"a" * 32
    for seq in range(1, 50_001, 2_500):
        streamed.note(dev, author, seq, seq, 0)
    assert streamed.again(dev, author, list(range(1, 50_001)), 1) <= 8


def test_the_devices_and_authors_kept_are_bounded_the_oldest_going_first():
    streamed = StreamedBefore(window_ms=60_000, max_devices=3, max_authors=2)
    for d in range(5):
        streamed.note(bytes([d]) * 32, b"a" * 32, 1, 10, 0)
    assert [streamed.again(bytes([d]) * 32, b"a" * 32, [1], 1) for d in range(5)] == [0, 0, 1, 1, 1]
    dev = bytes([4]) * 32
    for a in range(3):
        streamed.note(dev, bytes([a]) * 32, 1, 10, 0)
    assert [streamed.again(dev, bytes([a]) * 32, [1], 1) for a in range(3)] == [0, 1, 1]


def test_one_place_whatever_the_spelling():
    def place(text: str) -> tuple[str, int]:
        return place_of(normalize_address(text))

    assert {place(a) for a in ("127.0.0.1:7", "localhost:7", "[::1]:7", "https://0.0.0.0:7",
                               "[::]:7", "[::ffff:127.0.0.1]:7")} == {("localhost", 7)}
    assert place("[::ffff:192.0.2.7]:9") == place("https://192.0.2.7:9") == ("192.0.2.7", 9)
    assert place("calais.example:7") != place("127.0.0.1:7") != place("127.0.0.1:8")
    assert place("[2001:db8::1]:7") == ("[2001:db8::1]", 7)
