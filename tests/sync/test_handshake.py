"""The node handshake: honest peers agree on keys and learn each other's device; everything else
(other networks, non-members, replays, MITM, altered, cut or junk messages, steps out of order)
is refused with HandshakeError and nothing else, and device ids never appear in cleartext."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import aead
from crypto.keys import EncryptionKey, SigningKey
from events.canonical import pack, unpack
from sync.handshake import (
    NONCE_SIZE,
    PROTOCOL,
    RESPONDER_BOX_LABEL,
    HandshakeError,
    Initiator,
    Responder,
    SessionKeys,
    derive_key,
    dh,
    told_refusal,
    transcript_hash,
)

NETWORK = bytes(range(32))
OTHER_NETWORK = bytes(32)
ALICE = SigningKey.generate()  # an initiating member node
BOB = SigningKey.generate()  # a responding member node
MALLORY = SigningKey.generate()  # not certified by the trust graph
MEMBERS = frozenset({bytes(ALICE.public), bytes(BOB.public)})
FEW = settings(max_examples=150, deadline=None)


@dataclass
class Membership:
    """A check_peer that records what it was asked and refuses keys outside `members`."""

    members: frozenset[bytes] = MEMBERS
    revoked: frozenset[bytes] = frozenset()
    asked: list[bytes] = field(default_factory=list)

    def __call__(self, device: bytes) -> None:
        self.asked.append(device)
        if device in self.revoked:
            raise HandshakeError("revoked", "device key revoked")
        if device not in self.members:
            raise HandshakeError("not_a_member", "device key not certified")


class CountingKey(SigningKey):
    """A device key that counts its signatures, to prove a refusal happened before any signing."""

    def __init__(self, seed: bytes) -> None:
        super().__init__(seed)
        self.signed = 0

    def sign(self, message: bytes) -> bytes:
        self.signed += 1
        return super().sign(message)


def handshake(
    initiator: SigningKey = ALICE, responder: SigningKey = BOB
) -> tuple[bytes, bytes, bytes, SessionKeys, SessionKeys]:
    i = Initiator(NETWORK, initiator, Membership())
    r = Responder(NETWORK, responder, Membership())
    m1 = i.hello()
    m2 = r.reply(m1)
    m3, ik = i.finish(m2)
    rk = r.accept(m3)
    return m1, m2, m3, ik, rk


def refusal(step: Callable[[], object]) -> str | None:
    """The reason if `step` raises HandshakeError, else a description of what it did instead."""
    try:
        step()
    except HandshakeError as exc:
        return exc.reason
    except Exception as exc:  # noqa: BLE001 - the point is to catch any other type
        return f"raised {type(exc).__name__}: {exc}"
    return "accepted"


# -- honest runs ------------------------------------------------------------------------------


def test_honest_run_agrees_on_keys_and_identities():
    _m1, _m2, _m3, ik, rk = handshake()
    assert ik.send_key == rk.recv_key and ik.recv_key == rk.send_key
    assert ik.send_key != ik.recv_key
    assert len(ik.send_key) == len(ik.recv_key) == 32
    assert ik.peer_device == bytes(BOB.public)
    assert rk.peer_device == bytes(ALICE.public)
    assert ik.transcript == rk.transcript and len(ik.transcript) == 32


def test_each_run_gives_fresh_keys():
    *_, a, _ = handshake()
    *_, b, _ = handshake()
    assert {a.send_key, a.recv_key}.isdisjoint({b.send_key, b.recv_key})
    assert a.transcript != b.transcript


def test_check_peer_sees_exactly_the_peer_key_once():
    ic, rc = Membership(), Membership()
    i, r = Initiator(NETWORK, ALICE, ic), Responder(NETWORK, BOB, rc)
    r.accept(i.finish(r.reply(i.hello()))[0])
    assert ic.asked == [bytes(BOB.public)]
    assert rc.asked == [bytes(ALICE.public)]


def test_session_keys_are_kept_out_of_repr():
    *_, ik, _ = handshake()
    text = repr(ik)
    assert ik.send_key.hex() not in text and ik.recv_key.hex() not in text
    assert repr(ik.send_key) not in text and repr(ik.recv_key) not in text


def test_device_ids_never_travel_in_cleartext():
    m1, m2, m3, *_ = handshake()
    wire = m1 + m2 + m3
    for device in (bytes(ALICE.public), bytes(BOB.public)):
        assert device not in wire
        # not even an 8-byte piece of it (a chance match is ~2^-56 here)
        assert not any(device[k : k + 8] in wire for k in range(len(device) - 7))
        assert device.hex().encode() not in wire


def test_messages_have_the_documented_shape():
    m1, m2, m3, *_ = handshake()
    protocol, network, eph_i, nonce_i = unpack(m1)
    assert (protocol, network, len(eph_i), len(nonce_i)) == (PROTOCOL, NETWORK, 32, 32)
    eph_r, nonce_r, box_r = unpack(m2)
    assert (len(eph_r), len(nonce_r)) == (32, 32) and len(box_r) > 64 + 32
    (box_i,) = unpack(m3)
    assert len(box_i) > 64 + 32


# -- refusals by policy ------------------------------------------------------------------------


def test_wrong_network_is_refused_before_the_responder_reveals_anything():
    device = CountingKey(BOB.seed_bytes())
    check = Membership()
    r = Responder(NETWORK, device, check)
    hello = Initiator(OTHER_NETWORK, ALICE, Membership()).hello()
    with pytest.raises(HandshakeError) as info:
        r.reply(hello)  # raises, so no message 2 exists to send
    assert info.value.reason == "wrong_network"
    assert device.signed == 0 and check.asked == []
    assert refusal(lambda: r.reply(Initiator(NETWORK, ALICE, Membership()).hello())) == "protocol"


def test_initiator_refuses_a_responder_that_is_not_a_member():
    i = Initiator(NETWORK, ALICE, Membership())
    r = Responder(NETWORK, MALLORY, Membership())
    with pytest.raises(HandshakeError) as info:
        i.finish(r.reply(i.hello()))
    assert info.value.reason == "not_a_member"


def test_responder_refuses_an_initiator_that_is_not_a_member():
    i = Initiator(NETWORK, MALLORY, Membership())
    check = Membership()
    r = Responder(NETWORK, BOB, check)
    m3, keys = i.finish(r.reply(i.hello()))
    assert keys.peer_device == bytes(BOB.public)  # Mallory learns who Bob is, and nothing more
    with pytest.raises(HandshakeError) as info:
        r.accept(m3)
    assert info.value.reason == "not_a_member"
    assert check.asked == [bytes(MALLORY.public)]


def test_revoked_peer_is_refused_with_its_reason():
    i = Initiator(NETWORK, ALICE, Membership(revoked=frozenset({bytes(BOB.public)})))
    r = Responder(NETWORK, BOB, Membership())
    assert refusal(lambda: i.finish(r.reply(i.hello()))) == "revoked"


def test_network_id_is_checked_by_the_signatures_too():
    # A responder on another network that ignored the id would still fail: th1 covers it.
    i = Initiator(NETWORK, ALICE, Membership())
    m1 = i.hello()
    fields = unpack(m1)
    r = Responder(OTHER_NETWORK, BOB, Membership())
    m2 = r.reply(pack([fields[0], OTHER_NETWORK, fields[2], fields[3]]))
    assert refusal(lambda: i.finish(m2)) == "bad_signature"


# -- replays and men in the middle ------------------------------------------------------------


def test_replayed_handshake_cannot_be_finished_without_the_key():
    m1, _m2, m3, *_ = handshake()
    r = Responder(NETWORK, BOB, Membership())
    r.reply(m1)  # the responder answers afresh: new ephemeral key, new nonce
    assert refusal(lambda: r.accept(m3)) in {"bad_signature", "protocol"}


def test_captured_reply_does_not_finish_another_session():
    _m1, m2, *_ = handshake()
    i = Initiator(NETWORK, ALICE, Membership())
    i.hello()
    assert refusal(lambda: i.finish(m2)) == "bad_signature"


def test_reply_for_another_hello_of_the_same_initiator_is_refused():
    i1, i2 = Initiator(NETWORK, ALICE, Membership()), Initiator(NETWORK, ALICE, Membership())
    h1, _h2 = i1.hello(), i2.hello()
    m2 = Responder(NETWORK, BOB, Membership()).reply(h1)
    assert refusal(lambda: i2.finish(m2)) == "bad_signature"


def test_relay_that_swaps_ephemeral_keys_fails():
    i = Initiator(NETWORK, ALICE, Membership())
    r = Responder(NETWORK, BOB, Membership())
    proto, network, _eph_i, nonce_i = unpack(i.hello())
    m2 = r.reply(pack([proto, network, bytes(EncryptionKey.generate().public), nonce_i]))
    _eph_r, nonce_r, box_r = unpack(m2)
    assert refusal(lambda: i.finish(pack([bytes(EncryptionKey.generate().public), nonce_r, box_r]))) in {
        "bad_signature"
    }


def test_protocol_aware_mitm_learns_the_responder_but_cannot_impersonate_it():
    """Mallory runs a DH with each side and re-seals Bob's identity box for Alice; Bob's
    signature covers the transcript Bob saw, not Alice's, so Alice refuses."""
    i = Initiator(NETWORK, ALICE, Membership())
    r = Responder(NETWORK, BOB, Membership())
    m1 = i.hello()
    proto, network, eph_i, nonce_i = unpack(m1)

    to_bob = EncryptionKey.generate()
    m1_bob = pack([proto, network, bytes(to_bob.public), nonce_i])
    eph_r, nonce_r, box_r = unpack(r.reply(m1_bob))
    th1_bob = transcript_hash(m1_bob + eph_r + nonce_r)
    k_bob = derive_key(dh(to_bob, eph_r), th1_bob, RESPONDER_BOX_LABEL)
    bob_identity = aead.decrypt(k_bob, bytes(24), box_r, th1_bob)
    assert unpack(bob_identity)[0] == bytes(BOB.public)  # the documented, accepted leak

    to_alice = EncryptionKey.generate()
    th1_alice = transcript_hash(m1 + bytes(to_alice.public) + nonce_r)
    k_alice = derive_key(dh(to_alice, eph_i), th1_alice, RESPONDER_BOX_LABEL)
    forged = pack([bytes(to_alice.public), nonce_r, aead.encrypt(k_alice, bytes(24), bob_identity, th1_alice)])
    with pytest.raises(HandshakeError) as info:
        i.finish(forged)
    assert info.value.reason == "bad_signature"


def test_initiator_box_cannot_be_moved_to_another_session():
    """Alice's message 3 for Bob's session 1 is refused by Bob's session 2, even with the same hello."""
    i = Initiator(NETWORK, ALICE, Membership())
    m1 = i.hello()
    r1, r2 = Responder(NETWORK, BOB, Membership()), Responder(NETWORK, BOB, Membership())
    m3, _ = i.finish(r1.reply(m1))
    r2.reply(m1)
    assert refusal(lambda: r2.accept(m3)) == "bad_signature"


# -- altered, cut and junk messages ---------------------------------------------------------


def test_every_byte_flip_of_hello_is_refused():
    for pos in range(len(Initiator(NETWORK, ALICE, Membership()).hello())):
        for mask in (0x01, 0x80, 0xFF):
            i = Initiator(NETWORK, ALICE, Membership())
            m1 = i.hello()
            bad = m1[:pos] + bytes([m1[pos] ^ mask]) + m1[pos + 1 :]
            r = Responder(NETWORK, BOB, check := Membership())
            try:
                m2 = r.reply(bad)
            except HandshakeError as exc:
                assert exc.reason in {"malformed", "protocol", "wrong_network"}, (pos, mask)
                continue
            # The responder could not tell (a flipped nonce or key bit); the initiator must.
            assert refusal(lambda: i.finish(m2)) == "bad_signature", (pos, mask)
            assert check.asked == []


def test_every_byte_flip_of_reply_is_refused():
    for pos in range(len(handshake()[1])):
        for mask in (0x01, 0x80, 0xFF):
            i = Initiator(NETWORK, ALICE, check := Membership())
            m2 = Responder(NETWORK, BOB, Membership()).reply(i.hello())
            bad = m2[:pos] + bytes([m2[pos] ^ mask]) + m2[pos + 1 :]
            assert refusal(lambda: i.finish(bad)) in {"malformed", "bad_signature"}, (pos, mask)
            assert check.asked == []  # nothing unauthenticated reached the trust graph


def test_every_byte_flip_of_finish_is_refused():
    for pos in range(len(handshake()[2])):
        for mask in (0x01, 0x80, 0xFF):
            i = Initiator(NETWORK, ALICE, Membership())
            r = Responder(NETWORK, BOB, check := Membership())
            m3, _ = i.finish(r.reply(i.hello()))
            bad = m3[:pos] + bytes([m3[pos] ^ mask]) + m3[pos + 1 :]
            assert refusal(lambda: r.accept(bad)) in {"malformed", "bad_signature"}, (pos, mask)
            assert check.asked == []


def test_truncated_and_extended_messages_are_refused():
    m1, m2, m3, *_ = handshake()
    for n in range(len(m1)):
        assert refusal(lambda: Responder(NETWORK, BOB, Membership()).reply(m1[:n])) == "malformed"
    assert refusal(lambda: Responder(NETWORK, BOB, Membership()).reply(m1 + b"\x00")) == "malformed"
    for n in list(range(len(m2))) + [-1]:
        i = Initiator(NETWORK, ALICE, Membership())
        i.hello()
        cut = m2[:n] if n >= 0 else m2 + b"\xc0"
        assert refusal(lambda: i.finish(cut)) in {"malformed", "bad_signature"}
    for n in list(range(len(m3))) + [-1]:
        i = Initiator(NETWORK, ALICE, Membership())
        r = Responder(NETWORK, BOB, Membership())
        good, _ = i.finish(r.reply(i.hello()))
        cut = good[:n] if n >= 0 else good + b"\xc0"
        assert refusal(lambda: r.accept(cut)) in {"malformed", "bad_signature"}


def _fresh_initiator() -> Initiator:
    i = Initiator(NETWORK, ALICE, Membership())
    i.hello()
    return i


def _fresh_responder_after_reply() -> Responder:
    r = Responder(NETWORK, BOB, Membership())
    r.reply(Initiator(NETWORK, ALICE, Membership()).hello())
    return r


def _all_steps_refuse(data: object) -> None:
    r = Responder(NETWORK, BOB, Membership())
    assert refusal(lambda: r.reply(data)) in {"malformed", "protocol", "wrong_network"}
    i = _fresh_initiator()
    assert refusal(lambda: i.finish(data)) in {"malformed", "bad_signature"}
    r = _fresh_responder_after_reply()
    assert refusal(lambda: r.accept(data)) in {"malformed", "bad_signature"}


@FEW
@given(st.binary(max_size=600))
def test_random_bytes_raise_only_handshake_error(data):
    _all_steps_refuse(data)


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.binary(max_size=80)
    | st.text(max_size=20)
)
msgpack_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@FEW
@given(msgpack_values)
def test_random_msgpack_values_raise_only_handshake_error(value):
    _all_steps_refuse(msgpack.packb(value, use_bin_type=True))


@FEW
@given(st.lists(st.binary(max_size=70), max_size=5))
def test_arrays_of_byte_strings_raise_only_handshake_error(items):
    _all_steps_refuse(pack(items))


BOMBS = [
    b"\xdd\xff\xff\xff\xff",  # array of 4 billion items
    b"\xdf\xff\xff\xff\xff",  # map of 4 billion pairs
    b"\xdb\xff\xff\xff\xff" + b"a" * 10,  # 4 GB string
    b"\xc6\xff\xff\xff\xff" + b"a" * 10,  # 4 GB binary
    b"\x91" * 400,  # deep nesting, within the size cap
    b"\x91" * 100_000 + b"\xc0",  # deep nesting, far over the size cap
    b"\xc7\x05\x01abcde",  # extension type
    b"\x93\xc4\x20" + bytes(32) + b"\xc4\x20" + bytes(32) + b"\xc4\x00",  # all-zero (low-order) ephemeral key
    pack([PROTOCOL, NETWORK, bytes(32), bytes(32)]),  # low-order ephemeral key in a hello
    pack([b"solnet-hs-v2", NETWORK, bytes(EncryptionKey.generate().public), bytes(32)]),
    pack([PROTOCOL, NETWORK, bytes(32), bytes(32), b"extra"]),
    # canonical-looking fields with a non-shortest length header (bin16 for 32 bytes)
    b"\x94\xc4\x0c" + PROTOCOL + b"\xc5\x00\x20" + NETWORK + (b"\xc4\x20" + bytes(range(1, 33))) * 2,
    [PROTOCOL, NETWORK],
    None,
    "a string",
    bytearray(b"\x91\xc0"),
    b"\x00" * 10_000,
]


@pytest.mark.parametrize("data", BOMBS, ids=range(len(BOMBS)))
def test_bombs_and_oddities_raise_only_handshake_error(data):
    _all_steps_refuse(data)


def test_low_order_ephemeral_key_in_reply_is_malformed():
    i = _fresh_initiator()
    assert refusal(lambda: i.finish(pack([bytes(32), bytes(32), bytes(117)]))) == "malformed"


# -- the state machine --------------------------------------------------------------------


def test_steps_out_of_order_or_twice_raise_protocol():
    i = Initiator(NETWORK, ALICE, Membership())
    assert refusal(lambda: i.finish(b"")) == "protocol"
    assert refusal(i.hello) == "protocol"  # dead after the first violation

    i = Initiator(NETWORK, ALICE, Membership())
    m1 = i.hello()
    assert refusal(i.hello) == "protocol"
    assert refusal(lambda: i.finish(Responder(NETWORK, BOB, Membership()).reply(m1))) == "protocol"

    r = Responder(NETWORK, BOB, Membership())
    assert refusal(lambda: r.accept(b"")) == "protocol"

    r = Responder(NETWORK, BOB, Membership())
    r.reply(Initiator(NETWORK, ALICE, Membership()).hello())
    assert refusal(lambda: r.reply(Initiator(NETWORK, ALICE, Membership()).hello())) == "protocol"


def test_completed_handshakes_cannot_be_reused():
    i, r = Initiator(NETWORK, ALICE, Membership()), Responder(NETWORK, BOB, Membership())
    m1 = i.hello()
    m2 = r.reply(m1)
    m3, _ = i.finish(m2)
    r.accept(m3)
    assert refusal(lambda: i.finish(m2)) == "protocol"
    assert refusal(i.hello) == "protocol"
    assert refusal(lambda: r.accept(m3)) == "protocol"
    assert refusal(lambda: r.reply(m1)) == "protocol"


def test_a_failed_step_leaves_the_object_dead():
    i = _fresh_initiator()
    assert refusal(lambda: i.finish(b"junk")) == "malformed"
    r = Responder(NETWORK, BOB, Membership())
    assert refusal(lambda: i.finish(r.reply(Initiator(NETWORK, ALICE, Membership()).hello()))) == "protocol"

    r = _fresh_responder_after_reply()
    assert refusal(lambda: r.accept(b"junk")) == "malformed"
    assert refusal(lambda: r.accept(b"junk")) == "protocol"


def test_handshake_error_carries_a_known_reason():
    err = HandshakeError("revoked", "gone")
    assert err.reason == "revoked" and "gone" in str(err)
    with pytest.raises(ValueError):
        HandshakeError("nonsense", "x")


def test_constructor_checks_its_arguments():
    with pytest.raises(ValueError):
        Initiator(b"short", ALICE, Membership())
    with pytest.raises(TypeError):
        Responder(NETWORK, b"\x00" * 32, Membership())  # type: ignore[arg-type]


@pytest.mark.parametrize("seq", ["²", "١٢", "𝟗", "1²", " 7", "+7", "-7", "7 ", "1" * 21, ""])
def test_a_told_frozen_refusal_with_a_seq_that_is_not_ascii_digits_is_unknown_not_a_crash(seq):
    """"frozen:²" passed str.isdigit() and int() then raised ValueError: a dial task died of it."""
    assert told_refusal(f"frozen:{seq}", None) is None


def test_a_told_frozen_refusal_with_ascii_digits_carries_its_seq():
    told = told_refusal("frozen:42", None)
    assert told is not None and told.reason == "frozen" and told.seq == 42


# -- what a peer can do, named in its authenticated nonce ------------------------------------


class OldInitiator(Initiator):
    """A node of the previous version: its nonce is 32 random bytes, naming no feature."""

    def _nonce(self) -> bytes:
        return aead.random_bytes(NONCE_SIZE)


class OldResponder(Responder):
    def _nonce(self) -> bytes:
        return aead.random_bytes(NONCE_SIZE)


def _run(i: Initiator, r: Responder) -> tuple[SessionKeys, SessionKeys]:
    m3, ik = i.finish(r.reply(i.hello()))
    return ik, r.accept(m3)


def test_each_side_learns_whether_its_peer_shows_itself_alive_with_sealed_frames_only():
    """A node of this version names sealed liveness in its nonce; one of the previous version
    (whose websocket pongs must still show it alive: sync/link.py) does not, and its handshake
    with a node of this version goes through as ever."""
    ik, rk = _run(Initiator(NETWORK, ALICE, Membership()), Responder(NETWORK, BOB, Membership()))
    assert ik.peer_seals_liveness and rk.peer_seals_liveness
    ik, rk = _run(OldInitiator(NETWORK, ALICE, Membership()), Responder(NETWORK, BOB, Membership()))
    assert ik.peer_seals_liveness and not rk.peer_seals_liveness
    ik, rk = _run(Initiator(NETWORK, ALICE, Membership()), OldResponder(NETWORK, BOB, Membership()))
    assert not ik.peer_seals_liveness and rk.peer_seals_liveness
    for _ in range(50):  # an earlier version's random nonce names nothing (by chance: 2^-64)
        ik, rk = _run(OldInitiator(NETWORK, ALICE, Membership()), OldResponder(NETWORK, BOB, Membership()))
        assert not ik.peer_seals_liveness and not rk.peer_seals_liveness


def test_a_relay_cannot_strip_the_word_of_sealed_liveness():
    """Made to look of an earlier version (its pongs would count), a peer of this version could be
    kept 'alive' by a relay's pongs: the nonce is signed in the transcript, so stripping its
    feature tag, either way, fails the handshake."""
    def strip(message: bytes, index: int) -> bytes:
        fields = unpack(message)
        fields[index] = fields[index][:-8] + aead.random_bytes(8)
        return pack(fields)

    i, r = Initiator(NETWORK, ALICE, Membership()), Responder(NETWORK, BOB, check := Membership())
    m2 = r.reply(strip(i.hello(), 3))
    assert refusal(lambda: i.finish(m2)) == "bad_signature"
    i, r = Initiator(NETWORK, ALICE, check := Membership()), Responder(NETWORK, BOB, Membership())
    assert refusal(lambda: i.finish(strip(r.reply(i.hello()), 1))) == "bad_signature"
    assert check.asked == []
