"""The node-to-node handshake: three messages that authenticate both devices and derive session keys.

Why not TLS with pinned keys? Python's ssl module can neither use a raw Ed25519 device key as a
certificate nor call our code to decide whether a peer is acceptable; we would have to wrap every
device key in an X.509 certificate and re-check the peer after the TLS handshake, which is more
code and harder to audit than this small SIGMA-style exchange over the websocket.

What it guarantees:
- Mutual authentication: each side signs a transcript hash with its device key and the other side
  asks the trust graph (`check_peer`) whether that key is a current member of the network.
- No replay: the transcript holds fresh ephemeral X25519 keys and nonces (24 random bytes each) of
  both sides, so signatures captured from one run are worthless in another.
- Forward secrecy: every key (the two identity-sealing keys and both session keys) comes from the
  ephemeral X25519 secret and the transcript; the device keys only sign.
- Identity hiding: device ids travel only inside AEAD boxes under ephemeral-DH keys. A passive
  observer learns no device id. An active attacker who poses as a client learns the responder's id
  (the responder reveals itself first, as in SIGMA-I) but never the initiator's, and no network
  data. The responder refuses a hello for another network before it computes or sends anything.
  One who answers a dial (on the path, or at an address that changed hands) shows its id first: the
  initiator's `check_peer` runs before message 3 is made, so one it refuses never learns its id
  (sync/transport.py `dial`).

Messages (canonical msgpack arrays; `th` = transcript hash, `AEAD` = XChaCha20-Poly1305):
    msg1  I -> R  [PROTOCOL, network_id(32), eph_i(32), nonce_i(32)]
    msg2  R -> I  [eph_r(32), nonce_r(32), AEAD(k_r, [device_r, sig_r], ad=th1)]
    msg3  I -> R  [AEAD(k_i, [device_i, sig_i], ad=th2)]
    th1 = H(msg1 + eph_r + nonce_r)   sig_r = Sign(device_r, RESPONDER_CONTEXT + th1)
    th2 = H(th1 + msg2)               sig_i = Sign(device_i, INITIATOR_CONTEXT + th2)
    th3 = H(th2 + msg3)               (SessionKeys.transcript; both session keys are bound to it)
with k_r, k_i and the session keys all BLAKE2b(X25519(eph_i, eph_r) + th) under distinct personal
labels. k_r and k_i seal exactly one message each, so their nonce is fixed at zero.

What a side can do beyond v1 rides in its nonce (`make_nonce`): 24 random bytes, then 8 bytes that
name a feature. Each nonce is in the transcript both sides sign, so no one on the path can add or
strip it without the handshake failing; a node of an earlier version ignores what its peer's nonce
holds (it checks only its size), and its own 32 random bytes name no feature (a chance of 2^-64).
One feature so far, `SessionKeys.peer_seals_liveness`: the peer shows itself alive with sealed
frames only (sync/link.py `tick`); a peer without it is of an earlier version, which kept a link
alive with websocket pongs alone while it was busy, and those still count from it, from no other.

Sans-IO: bytes in, bytes out. Each Initiator/Responder runs once; any failure leaves it dead.
Every refusal of hostile input is a HandshakeError with a stable reason code.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crypto import aead
from crypto.errors import BadSignature, CryptoError
from crypto.hashing import blake2b_256
from crypto.keys import KEY_SIZE, SIGNATURE_SIZE, EncryptionKey, EncryptionPublicKey, SigningKey, verify_signature
from events.canonical import pack, unpack
from events.errors import InvalidEvent

PROTOCOL = b"solnet-hs-v1"
NONCE_SIZE = 32
FEATURE_TAG_SIZE = 8  # the nonce's last bytes, naming what its sender can do (see the module)
# The tag of a node that shows itself alive with sealed frames only, keyed on the nonce's random part
# (no constant pattern on the wire). Earlier versions send 32 random bytes: no such tag.
_SEALED_LIVENESS_PERSON = b"solnet-hs-v1-sl"
MAX_MESSAGE_BYTES = 512  # every message of v1 has a fixed size well under this; checked before decoding

# Reason codes of HandshakeError (stable: transports log them and penalise peers by them).
MALFORMED = "malformed"
WRONG_NETWORK = "wrong_network"
BAD_SIGNATURE = "bad_signature"  # a signature or an AEAD box failed to authenticate
NOT_A_MEMBER = "not_a_member"
REVOKED = "revoked"
# The device key signed two different events at one seq (a fork), which froze it on the listener; not
# revoked by anyone. Told as "frozen:SEQ" (the fork's seq): a node of an earlier version, which
# knows no such code, shows the refusal as a generic one (not as a revocation that never happened).
FROZEN = "frozen"
# The device's group key signed two different events at one seq, which froze the group, and its devices
# with it, on the listener: told as "group_frozen:SEQ" (the fork's seq); an earlier version shows it as a
# generic refusal.
GROUP_FROZEN = "group_frozen"
PROTOCOL_ERROR = "protocol"  # a step called out of order or twice, or an unknown protocol version
# A member refused for want of a link slot (sync/link_slots.py), not for what it is:
DUPLICATE_LINK = "duplicate_link"  # the listener keeps the link it already holds with that device
GROUP_FULL = "group_full"  # the device's group holds as many inbound links as the listener gives a group
INBOUND_FULL = "inbound_full"  # every inbound slot is taken, none by a group holding more than the device's
# ... nor for what it is: the listener could not store its credentials (its database is damaged or unusable)
UNAVAILABLE = "unavailable"
# ... because its disk is full (an earlier version, which knows no such code, shows a generic refusal)
DISK_FULL = "disk_full"
# A member group's devices' handshakes are past the listener's budget of them (sync/peers.py
# PeerLimits.member_handshakes_per_s): closed "try again later", as a hello over the hello budget
# is (sync/transport.py BUSY), never told sealed
OVER_BUDGET = "over_budget"
REASONS = frozenset({MALFORMED, WRONG_NETWORK, BAD_SIGNATURE, NOT_A_MEMBER, REVOKED, FROZEN, GROUP_FROZEN,
                     PROTOCOL_ERROR, DUPLICATE_LINK, GROUP_FULL, INBOUND_FULL, UNAVAILABLE, DISK_FULL, OVER_BUDGET})
FORKS = frozenset({FROZEN, GROUP_FROZEN})  # refusals told with the fork's seq
# What the refused side logs for the refusals a listener tells it (after the credentials exchange).
TOLD_REFUSALS = {
    NOT_A_MEMBER: "the peer refused this device: not_a_member",
    REVOKED: "the peer refused this device: revoked",
    FROZEN: "the peer refused this device: its key is frozen by a fork",
    GROUP_FROZEN: "the peer refused this device: its group's key is frozen by a fork",
    DUPLICATE_LINK: "the peer keeps the link it already holds with this device",
    GROUP_FULL: "the peer holds as many links from this group as it gives one group",
    INBOUND_FULL: "the peer holds as many inbound links as it takes, none of a group holding more than this one",
    UNAVAILABLE: "the peer cannot check this device now: its database cannot be used (its operator is told)",
    DISK_FULL: "the peer cannot check this device now: its disk is full (its operator is told, on its dashboard "
               "and by `solnet status`); it takes this device once some space is freed there",
}

RESPONDER_CONTEXT = b"solnet/hs/v1/responder\x00"
INITIATOR_CONTEXT = b"solnet/hs/v1/initiator\x00"
_TRANSCRIPT_PERSON = b"solnet-hs-v1-th"
RESPONDER_BOX_LABEL = b"solnet-hs-v1-kr"
INITIATOR_BOX_LABEL = b"solnet-hs-v1-ki"
INITIATOR_TO_RESPONDER_LABEL = b"solnet-hs-v1-i2r"
RESPONDER_TO_INITIATOR_LABEL = b"solnet-hs-v1-r2i"
_ZERO_NONCE = bytes(aead.NONCE_SIZE)
IDENTITY_BOX_SIZE = len(pack([bytes(KEY_SIZE), bytes(SIGNATURE_SIZE)])) + aead.TAG_SIZE  # 117


class HandshakeError(Exception):
    """The handshake is refused. `reason` is one of REASONS; str() is a sentence for logs."""

    def __init__(self, reason: str, message: str, peer_device: bytes | None = None, *, ours: bool = False,
                 seq: int | None = None) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown handshake refusal reason {reason!r}")
        super().__init__(message)
        self.reason = reason
        self.peer_device = peer_device  # the refusing peer's key, when it proved it before refusing
        self.ours = ours  # this node refused the peer (its device or group revoked, banned, blocked here)
        self.seq = seq  # (GROUP_)FROZEN: the seq at which the refused key (its group's) signed two different events

    def told(self) -> str:
        """What the refused side is told of this refusal (the text of the closing error)."""
        return f"{self.reason}:{self.seq}" if self.reason in FORKS and self.seq is not None else self.reason

    def __str__(self) -> str:
        return f"{self.reason}: {self.args[0]}"


def told_refusal(text: str, peer_device: bytes | None) -> HandshakeError | None:
    """The refusal a listener told (`HandshakeError.told`), or None if this node knows no such one."""
    if text in TOLD_REFUSALS:
        return HandshakeError(text, TOLD_REFUSALS[text], peer_device)
    code, _, seq = text.partition(":")
    # ASCII digits only: str.isdigit() takes "²" or "١", which int() then refuses (a peer's text is hostile).
    if code in FORKS and 0 < len(seq) <= 20 and seq.isascii() and seq.isdigit():
        return HandshakeError(code, f"{TOLD_REFUSALS[code]} at seq {int(seq)}", peer_device, seq=int(seq))
    return None


@dataclass(frozen=True)
class SessionKeys:
    """The result of a handshake, from one side's point of view. Keys are kept out of repr (logs)."""

    send_key: bytes = field(repr=False)
    recv_key: bytes = field(repr=False)
    peer_device: bytes
    transcript: bytes
    # The peer's nonce named the sealed-liveness feature (see the module): False for a node of an
    # earlier version, whose websocket pongs show it alive (sync/link.py).
    peer_seals_liveness: bool = False


CheckPeer = Callable[[bytes], None]
"""Given the peer's 32-byte Ed25519 device key; raises HandshakeError(NOT_A_MEMBER or REVOKED) to refuse."""


# -- the pieces both roles share (module-level so tests can play a protocol-aware attacker) --


def transcript_hash(data: bytes) -> bytes:
    return blake2b_256(data, person=_TRANSCRIPT_PERSON)


def make_nonce() -> bytes:
    """A fresh handshake nonce of this version: 24 random bytes and the sealed-liveness tag."""
    fresh = aead.random_bytes(NONCE_SIZE - FEATURE_TAG_SIZE)
    return fresh + _sealed_liveness_tag(fresh)


def seals_liveness(nonce: bytes) -> bool:
    """Whether the peer that sent `nonce` (in a handshake that authenticated) names sealed liveness."""
    cut = NONCE_SIZE - FEATURE_TAG_SIZE
    return len(nonce) == NONCE_SIZE and nonce[cut:] == _sealed_liveness_tag(nonce[:cut])


def _sealed_liveness_tag(fresh: bytes) -> bytes:
    return blake2b_256(fresh, person=_SEALED_LIVENESS_PERSON)[:FEATURE_TAG_SIZE]


def derive_key(shared: bytes, transcript: bytes, label: bytes) -> bytes:
    """A 32-byte key for one purpose (`label`), bound to the DH secret and the transcript so far."""
    return blake2b_256(shared + transcript, person=label)


def dh(secret: EncryptionKey, peer_public: bytes) -> bytes:
    try:
        return secret.shared_secret(EncryptionPublicKey(peer_public))
    except CryptoError:
        raise HandshakeError(MALFORMED, "the peer's ephemeral key is degenerate (low order)") from None


def seal_identity(key: bytes, transcript: bytes, device: SigningKey, context: bytes) -> bytes:
    """AEAD box of [device public key, signature of context + transcript]."""
    signature = device.sign(context + transcript)
    return aead.encrypt(key, _ZERO_NONCE, pack([bytes(device.public), signature]), transcript)


def open_identity(key: bytes, transcript: bytes, box: bytes, context: bytes) -> bytes:
    """Open a box made by `seal_identity` and verify its signature; return the signer's device key."""
    try:
        plain = aead.decrypt(key, _ZERO_NONCE, box, transcript)
    except CryptoError:
        raise HandshakeError(BAD_SIGNATURE, "the peer's identity box does not authenticate") from None
    device, signature = _fields(plain, (KEY_SIZE, SIGNATURE_SIZE), "identity box")
    try:
        verify_signature(device, context + transcript, signature)
    except BadSignature:
        raise HandshakeError(BAD_SIGNATURE, "the peer's signature over the handshake does not verify") from None
    return device


def _fields(message: Any, sizes: tuple[int | None, ...], what: str) -> tuple[bytes, ...]:
    """Decode `message` as a canonical msgpack array of byte strings of exactly `sizes` (None: any)."""
    if not isinstance(message, bytes) or len(message) > MAX_MESSAGE_BYTES:
        raise HandshakeError(MALFORMED, f"the {what} is not bytes or is over {MAX_MESSAGE_BYTES} bytes")
    try:
        value = unpack(message, what=what, parts=len(sizes))  # (a list of bytes: nothing nested is built)
    except InvalidEvent as exc:
        raise HandshakeError(MALFORMED, f"the {what} is not canonical msgpack ({exc.reason})") from None
    if type(value) is not tuple or len(value) != len(sizes):
        raise HandshakeError(MALFORMED, f"the {what} must be an array of {len(sizes)} items")
    for item, size in zip(value, sizes):
        if type(item) is not bytes or (size is not None and len(item) != size):
            raise HandshakeError(MALFORMED, f"the {what} has a field of the wrong type or size")
    return value


def _check_init(network_id: bytes, device: SigningKey, check_peer: CheckPeer) -> None:
    if not isinstance(network_id, bytes) or len(network_id) != 32:
        raise ValueError("network_id must be 32 bytes")
    if not isinstance(device, SigningKey):
        raise TypeError("device must be a crypto.keys.SigningKey")
    if not callable(check_peer):
        raise TypeError("check_peer must be callable")


class _Step:
    """A one-shot state machine: each step runs once, in order; any failure kills the object."""

    def _nonce(self) -> bytes:
        """This side's nonce (a test plays a node of an earlier version by sending a plain random one)."""
        return make_nonce()

    def __init__(self, steps: tuple[str, ...]) -> None:
        self._steps = steps
        self._next = 0  # index into steps; -1 once dead

    def _begin(self, step: str) -> None:
        if self._next < 0:
            raise HandshakeError(PROTOCOL_ERROR, f"{step}() after the handshake failed")
        if self._next >= len(self._steps) or self._steps[self._next] != step:
            expected = self._steps[self._next] if self._next < len(self._steps) else "nothing (done)"
            self._next = -1
            raise HandshakeError(PROTOCOL_ERROR, f"{step}() called out of order; expected {expected}")

    def _run(self, step: str, body: Callable[[], Any]) -> Any:
        self._begin(step)
        try:
            result = body()
        except BaseException:
            self._next = -1
            raise
        self._next += 1
        return result


class Initiator(_Step):
    """The connecting side: hello() -> message 1; finish(message 2) -> (message 3, SessionKeys)."""

    def __init__(self, network_id: bytes, device: SigningKey, check_peer: CheckPeer) -> None:
        _check_init(network_id, device, check_peer)
        super().__init__(("hello", "finish"))
        self._network_id = network_id
        self._device = device
        self._check_peer = check_peer
        self._ephemeral: EncryptionKey | None = None
        self._hello = b""

    def hello(self) -> bytes:
        return self._run("hello", self._make_hello)

    def _make_hello(self) -> bytes:
        self._ephemeral = EncryptionKey.generate()
        self._hello = pack([PROTOCOL, self._network_id, bytes(self._ephemeral.public), self._nonce()])
        return self._hello

    def finish(self, reply: bytes) -> tuple[bytes, SessionKeys]:
        return self._run("finish", lambda: self._finish(reply))

    def _finish(self, reply: bytes) -> tuple[bytes, SessionKeys]:
        assert self._ephemeral is not None
        eph_r, nonce_r, box_r = _fields(reply, (KEY_SIZE, NONCE_SIZE, IDENTITY_BOX_SIZE), "handshake reply")
        ephemeral, self._ephemeral = self._ephemeral, None
        shared = dh(ephemeral, eph_r)
        th1 = transcript_hash(self._hello + eph_r + nonce_r)
        peer = open_identity(derive_key(shared, th1, RESPONDER_BOX_LABEL), th1, box_r, RESPONDER_CONTEXT)
        self._check_peer(peer)
        th2 = transcript_hash(th1 + reply)
        box_i = seal_identity(derive_key(shared, th2, INITIATOR_BOX_LABEL), th2, self._device, INITIATOR_CONTEXT)
        message3 = pack([box_i])
        th3 = transcript_hash(th2 + message3)
        keys = SessionKeys(
            send_key=derive_key(shared, th3, INITIATOR_TO_RESPONDER_LABEL),
            recv_key=derive_key(shared, th3, RESPONDER_TO_INITIATOR_LABEL),
            peer_device=peer,
            transcript=th3,
            peer_seals_liveness=seals_liveness(nonce_r),  # signed by the peer, in th1
        )
        return message3, keys


class Responder(_Step):
    """The accepting side: reply(message 1) -> message 2; accept(message 3) -> SessionKeys."""

    def __init__(self, network_id: bytes, device: SigningKey, check_peer: CheckPeer) -> None:
        _check_init(network_id, device, check_peer)
        super().__init__(("reply", "accept"))
        self._network_id = network_id
        self._device = device
        self._check_peer = check_peer
        self._shared = b""
        self._th2 = b""
        self._peer_seals_liveness = False

    def reply(self, hello: bytes) -> bytes:
        return self._run("reply", lambda: self._reply(hello))

    def check_hello(self, hello: bytes) -> None:
        """Refuse (HandshakeError) a hello `reply` would refuse: malformed, of another protocol or
        another network. No key work and no step taken: a listener asks it before it spends its
        budget of replies on the hello (node/hello_budget.py)."""
        self._hello_fields(hello)

    def _hello_fields(self, hello: bytes) -> tuple[bytes, bytes]:
        protocol, network_id, eph_i, nonce_i = _fields(hello, (None, 32, KEY_SIZE, NONCE_SIZE), "handshake hello")
        if protocol != PROTOCOL:
            raise HandshakeError(PROTOCOL_ERROR, f"unsupported handshake protocol {protocol[:32]!r}")
        if network_id != self._network_id:
            # Refuse before generating, computing or sending anything that could identify us.
            raise HandshakeError(WRONG_NETWORK, "the peer is on another network")
        return eph_i, nonce_i

    def _reply(self, hello: bytes) -> bytes:
        eph_i, nonce_i = self._hello_fields(hello)
        ephemeral = EncryptionKey.generate()
        self._shared = dh(ephemeral, eph_i)
        eph_r = bytes(ephemeral.public)
        nonce_r = self._nonce()
        # Taken only once the initiator's signature over th2 (which holds this hello) checks out.
        self._peer_seals_liveness = seals_liveness(nonce_i)
        th1 = transcript_hash(hello + eph_r + nonce_r)
        box_r = seal_identity(
            derive_key(self._shared, th1, RESPONDER_BOX_LABEL), th1, self._device, RESPONDER_CONTEXT
        )
        message2 = pack([eph_r, nonce_r, box_r])
        self._th2 = transcript_hash(th1 + message2)
        return message2

    def accept(self, finish: bytes) -> SessionKeys:
        return self._run("accept", lambda: self._accept(finish))

    def _accept(self, finish: bytes) -> SessionKeys:
        (box_i,) = _fields(finish, (IDENTITY_BOX_SIZE,), "handshake finish")
        shared, self._shared = self._shared, b""
        th2 = self._th2
        peer = open_identity(derive_key(shared, th2, INITIATOR_BOX_LABEL), th2, box_i, INITIATOR_CONTEXT)
        self._check_peer(peer)
        th3 = transcript_hash(th2 + finish)
        return SessionKeys(
            send_key=derive_key(shared, th3, RESPONDER_TO_INITIATOR_LABEL),
            recv_key=derive_key(shared, th3, INITIATOR_TO_RESPONDER_LABEL),
            peer_device=peer,
            transcript=th3,
            peer_seals_liveness=self._peer_seals_liveness,
        )
