"""The encrypted channel after a handshake: frames go both ways; any altered, replayed, dropped,
reordered, reflected, foreign or oversize frame is refused and kills the channel for good."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import aead
from crypto.keys import SigningKey
from sync.channel import ChannelError, SecureChannel
from sync.handshake import Initiator, Responder

NETWORK = b"\x07" * 32
ALICE, BOB = SigningKey.generate(), SigningKey.generate()


def _any_member(_device: bytes) -> None:
    return None


def pair() -> tuple[SecureChannel, SecureChannel]:
    """(initiator's channel, responder's channel) from a real handshake."""
    i = Initiator(NETWORK, ALICE, _any_member)
    r = Responder(NETWORK, BOB, _any_member)
    m3, ik = i.finish(r.reply(i.hello()))
    return SecureChannel(ik), SecureChannel(r.accept(m3))


def assert_dead(channel: SecureChannel, next_good_frame: bytes | None = None) -> None:
    with pytest.raises(ChannelError):
        channel.seal(b"x")
    with pytest.raises(ChannelError):
        channel.open(next_good_frame if next_good_frame is not None else bytes(32))


def test_round_trip_both_directions():
    a, b = pair()
    for n in range(5):
        assert b.open(a.seal(b"to bob %d" % n)) == b"to bob %d" % n
        assert a.open(b.seal(b"to alice %d" % n)) == b"to alice %d" % n
    # several in flight one way, then the other
    frames = [a.seal(bytes([n]) * n) for n in range(10)]
    replies = [b.seal(b"r%d" % n) for n in range(3)]
    assert [b.open(f) for f in frames] == [bytes([n]) * n for n in range(10)]
    assert [a.open(f) for f in replies] == [b"r0", b"r1", b"r2"]


def test_empty_and_maximum_frames_round_trip():
    a, b = pair()
    assert b.open(a.seal(b"")) == b""
    big = bytes(range(256)) * (SecureChannel.MAX_FRAME // 256)
    assert len(big) == SecureChannel.MAX_FRAME
    assert b.open(a.seal(big)) == big


@settings(max_examples=50, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=8))
def test_any_sequence_round_trips(messages):
    a, b = pair()
    assert [b.open(a.seal(m)) for m in messages] == messages


def test_frames_hide_plaintext_and_never_repeat():
    a, _ = pair()
    f1, f2 = a.seal(b"same plaintext!!"), a.seal(b"same plaintext!!")
    assert f1 != f2
    assert b"same plaintext" not in f1 + f2
    assert len(f1) == len(b"same plaintext!!") + aead.TAG_SIZE  # the counter is not sent


def test_every_byte_flip_is_refused():
    frame_len = len(pair()[0].seal(b"hello, bob"))
    for pos in range(frame_len):
        a, b = pair()
        frame = a.seal(b"hello, bob")
        bad = frame[:pos] + bytes([frame[pos] ^ 0x01]) + frame[pos + 1 :]
        with pytest.raises(ChannelError):
            b.open(bad)
        assert_dead(b, frame)  # even the genuine frame is refused now


def test_replayed_frame_is_refused():
    a, b = pair()
    frame = a.seal(b"pay 10")
    assert b.open(frame) == b"pay 10"
    with pytest.raises(ChannelError):
        b.open(frame)
    assert_dead(b, a.seal(b"next"))


def test_dropped_frame_is_refused():
    a, b = pair()
    a.seal(b"lost on the way")
    with pytest.raises(ChannelError):
        b.open(a.seal(b"second"))


def test_reordered_frames_are_refused():
    a, b = pair()
    first, second = a.seal(b"first"), a.seal(b"second")
    with pytest.raises(ChannelError):
        b.open(second)
    assert_dead(b, first)


def test_frame_reflected_back_to_its_sender_is_refused():
    a, b = pair()
    with pytest.raises(ChannelError):
        a.open(a.seal(b"echo"))  # our own direction's frame, at the matching counter
    with pytest.raises(ChannelError):
        b.open(b.seal(b"echo"))


def test_frame_from_another_session_is_refused():
    a1, _ = pair()
    _, b2 = pair()
    with pytest.raises(ChannelError):
        b2.open(a1.seal(b"wrong session"))


def test_truncated_frames_are_refused():
    for cut in (0, 1, aead.TAG_SIZE - 1, aead.TAG_SIZE, aead.TAG_SIZE + 3):
        a, b = pair()
        frame = a.seal(b"0123456789")
        with pytest.raises(ChannelError):
            b.open(frame[:cut])


def test_oversize_frames_are_refused():
    a, b = pair()
    with pytest.raises(ChannelError):
        a.seal(bytes(SecureChannel.MAX_FRAME + 1))
    assert b.open(a.seal(b"still fine")) == b"still fine"  # nothing was sent, the sender lives on
    with pytest.raises(ChannelError):
        b.open(bytes(SecureChannel.MAX_FRAME + aead.TAG_SIZE + 1))
    assert_dead(b, a.seal(b"next"))


def test_oversize_frame_is_refused_before_any_decryption(monkeypatch):
    a, b = pair()
    calls = []
    real = aead.decrypt
    monkeypatch.setattr(aead, "decrypt", lambda *args: calls.append(len(args[2])) or real(*args))
    assert b.open(a.seal(b"small")) == b"small" and calls == [5 + aead.TAG_SIZE]
    with pytest.raises(ChannelError, match="over the limit"):
        b.open(bytes(SecureChannel.MAX_FRAME + aead.TAG_SIZE + 1))
    assert calls == [5 + aead.TAG_SIZE]


def test_non_bytes_frame_is_refused():
    a, b = pair()
    with pytest.raises(ChannelError):
        b.open("not bytes")  # type: ignore[arg-type]
    assert_dead(b, a.seal(b"next"))


def test_dead_channel_refuses_every_later_call():
    a, b = pair()
    good = [a.seal(b"%d" % n) for n in range(3)]
    with pytest.raises(ChannelError):
        b.open(good[1])
    for frame in good:
        with pytest.raises(ChannelError):
            b.open(frame)
    for _ in range(3):
        with pytest.raises(ChannelError):
            b.seal(b"reply")


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_frames_raise_only_channel_error(junk):
    _, b = pair()
    with pytest.raises(ChannelError):
        b.open(junk)
