"""Signing keys, public ids and X25519 keys: round trips, refusals, the printable form, and agreement
with an independent implementation (pyca/cryptography)."""
from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import BadSignature, InvalidKey
from crypto.keys import (
    KEY_SIZE,
    SIGNATURE_SIZE,
    EncryptionKey,
    EncryptionPublicKey,
    PublicId,
    SigningKey,
    verify_signature,
    x25519,
)

# RFC 8032, section 7.1, TEST 1 (empty message).
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIGNATURE = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
    "d25bf5f0595bbe24655141438e7a100b"
)

seeds = st.binary(min_size=KEY_SIZE, max_size=KEY_SIZE)
messages = st.binary(max_size=1024)


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


# --- signatures ---------------------------------------------------------------------------------


def test_known_answer_rfc8032() -> None:
    key = SigningKey(RFC8032_SEED)
    assert bytes(key.public) == RFC8032_PUBLIC
    assert key.sign(b"") == RFC8032_SIGNATURE
    key.public.verify(b"", RFC8032_SIGNATURE)


@settings(max_examples=50, deadline=None)
@given(message=messages)
def test_sign_verify_round_trip(message: bytes) -> None:
    key = SigningKey.generate()
    signature = key.sign(message)
    assert len(signature) == SIGNATURE_SIZE
    key.public.verify(message, signature)
    verify_signature(bytes(key.public), message, signature)


def test_signing_is_deterministic_and_the_seed_reproduces_the_key(key: SigningKey) -> None:
    again = SigningKey(key.seed_bytes())
    assert again.public == key.public
    assert again.sign(b"event") == key.sign(b"event")


def test_a_signature_by_another_key_fails(key: SigningKey) -> None:
    other = SigningKey.generate()
    signature = other.sign(b"event body")
    with pytest.raises(BadSignature):
        key.public.verify(b"event body", signature)
    with pytest.raises(BadSignature):
        verify_signature(bytes(key.public), b"event body", signature)


@pytest.mark.parametrize(
    "altered",
    [b"", b"event bodY", b"event body\x00", b"event bod", b"Event body", b"event body" * 2],
    ids=["empty", "last-byte", "appended", "truncated", "first-byte", "doubled"],
)
def test_an_altered_message_fails(key: SigningKey, altered: bytes) -> None:
    signature = key.sign(b"event body")
    with pytest.raises(BadSignature):
        key.public.verify(altered, signature)


def test_every_altered_signature_bit_fails(key: SigningKey) -> None:
    signature = key.sign(b"event body")
    for position in range(SIGNATURE_SIZE):
        for mask in (0x01, 0x80):
            forged = bytearray(signature)
            forged[position] ^= mask
            with pytest.raises(BadSignature):
                key.public.verify(b"event body", bytes(forged))


@pytest.mark.parametrize("length", [0, 1, SIGNATURE_SIZE - 1, SIGNATURE_SIZE + 1, 2 * SIGNATURE_SIZE])
def test_a_signature_of_the_wrong_length_fails(key: SigningKey, length: int) -> None:
    signature = (key.sign(b"m") * 2)[:length]
    with pytest.raises(BadSignature):
        verify_signature(bytes(key.public), b"m", signature)
    with pytest.raises(BadSignature):
        key.public.verify(b"m", signature)


def test_a_signature_with_appended_garbage_fails(key: SigningKey) -> None:
    # crypto_sign_open takes signature||message: an extra byte must not shift into the message.
    signature = key.sign(b"m")
    with pytest.raises(BadSignature):
        verify_signature(bytes(key.public), b"m", signature + b"m")
    with pytest.raises(BadSignature):
        verify_signature(bytes(key.public), b"", signature + b"m")


@pytest.mark.parametrize("length", [0, KEY_SIZE - 1, KEY_SIZE + 1, 64])
def test_a_public_key_of_the_wrong_length_fails(key: SigningKey, length: int) -> None:
    raw = (bytes(key.public) * 2)[:length]
    with pytest.raises(BadSignature):
        verify_signature(raw, b"m", key.sign(b"m"))


@pytest.mark.parametrize("length", [0, KEY_SIZE - 1, KEY_SIZE + 1, 64])
def test_key_constructors_refuse_the_wrong_length(length: int) -> None:
    raw = bytes(range(length))
    for constructor in (SigningKey, PublicId, EncryptionKey, EncryptionPublicKey):
        with pytest.raises(InvalidKey):
            constructor(raw)


def test_public_id_refuses_a_non_bytes_key() -> None:
    with pytest.raises(InvalidKey):
        PublicId("ab" * 16)  # type: ignore[arg-type]  # 32 characters, but text, not bytes


def test_a_small_order_public_key_is_refused() -> None:
    # The identity point (y = 1): every signature with R = identity, S = 0 "verifies" under a lax verifier.
    identity = bytes([1]) + bytes(31)
    with pytest.raises(BadSignature):
        verify_signature(identity, b"anything", identity + bytes(32))


@settings(max_examples=50, deadline=None)
@given(seed=seeds, message=messages)
def test_signatures_agree_with_pyca_cryptography(seed: bytes, message: bytes) -> None:
    ours = SigningKey(seed)
    theirs = Ed25519PrivateKey.from_private_bytes(seed)
    assert bytes(ours.public) == theirs.public_key().public_bytes_raw()
    assert ours.sign(message) == theirs.sign(message)
    Ed25519PublicKey.from_public_bytes(bytes(ours.public)).verify(ours.sign(message), message)
    ours.public.verify(message, theirs.sign(message))


# --- PublicId -----------------------------------------------------------------------------------


def test_public_id_hex_round_trip(key: SigningKey) -> None:
    text = key.public.hex()
    assert len(text) == 2 * KEY_SIZE
    assert text == text.lower() == str(key.public) == bytes(key.public).hex()
    assert PublicId.from_hex(text) == key.public
    assert PublicId.from_hex(text + "\n") == key.public  # as read from a file or a terminal


def test_public_id_equality_and_hash(key: SigningKey) -> None:
    same = PublicId(bytes(key.public))
    other = SigningKey.generate().public
    assert same == key.public and hash(same) == hash(key.public)
    assert same is not key.public
    assert other != key.public
    assert key.public != bytes(key.public)  # an id is not its bytes
    assert key.public != key.public.hex()
    assert len({key.public, same, other}) == 2
    assert {key.public: "me"}[same] == "me"


def test_public_id_repr_does_not_pretend_to_be_the_whole_key(key: SigningKey) -> None:
    assert repr(key.public) == f"PublicId({key.public.hex()[:12]}…)"  # the one short form (crypto.keys.short_id)


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "   ",
        "zz" * KEY_SIZE,
        "g" * (2 * KEY_SIZE),
        "abc",
        "ab" * (KEY_SIZE - 1),
        "ab" * (KEY_SIZE + 1),
        "0x" + "ab" * KEY_SIZE,
        "é" * (2 * KEY_SIZE),
        "ab" * (KEY_SIZE - 1) + "a\x00",
    ],
    ids=["empty", "blank", "non-hex", "g", "odd-length", "short", "long", "0x-prefix", "non-ascii", "nul"],
)
def test_from_hex_refuses_junk(junk: str) -> None:
    with pytest.raises(InvalidKey):
        PublicId.from_hex(junk)


# --- X25519 -------------------------------------------------------------------------------------


def test_x25519_both_sides_agree() -> None:
    alice, bob = EncryptionKey.generate(), EncryptionKey.generate()
    shared = alice.shared_secret(bob.public)
    assert len(shared) == KEY_SIZE and shared != bytes(KEY_SIZE)
    assert shared == bob.shared_secret(alice.public)
    assert shared != alice.shared_secret(EncryptionKey.generate().public)


@settings(max_examples=50, deadline=None)
@given(secret=seeds, peer=seeds)
def test_x25519_agrees_with_pyca_cryptography(secret: bytes, peer: bytes) -> None:
    ours = EncryptionKey(secret)
    theirs = X25519PrivateKey.from_private_bytes(secret)
    assert bytes(ours.public) == theirs.public_key().public_bytes_raw()
    peer_public = X25519PrivateKey.from_private_bytes(peer).public_key()
    expected = theirs.exchange(peer_public)
    assert ours.shared_secret(EncryptionPublicKey(peer_public.public_bytes_raw())) == expected
    assert x25519(secret, peer_public.public_bytes_raw()) == expected
    assert X25519PublicKey.from_public_bytes(bytes(ours.public))  # a well-formed point


@pytest.mark.parametrize("private_length, public_length", [(31, 32), (33, 32), (32, 31), (32, 33), (0, 0)])
def test_x25519_refuses_the_wrong_length(private_length: int, public_length: int) -> None:
    with pytest.raises(InvalidKey):
        x25519(bytes(range(1, private_length + 1)), (bytes(EncryptionKey.generate().public) * 2)[:public_length])


@pytest.mark.parametrize(
    "low_order",
    [bytes(32), bytes([1]) + bytes(31), bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")],
    ids=["zero", "one", "p-1"],
)
def test_x25519_refuses_a_low_order_peer(low_order: bytes) -> None:
    me = EncryptionKey.generate()
    with pytest.raises(InvalidKey):
        me.shared_secret(EncryptionPublicKey(low_order))


def test_encryption_public_key_equality_and_hash() -> None:
    key = EncryptionKey.generate()
    same = EncryptionPublicKey(bytes(key.public))
    assert same == key.public and hash(same) == hash(key.public)
    assert same != EncryptionKey.generate().public
    assert same != bytes(key.public)
    assert EncryptionKey(key.secret_bytes()).public == key.public


def test_a_derived_secret_is_the_keys_alone_and_one_per_purpose_and_data():
    key, other = SigningKey.generate(), SigningKey.generate()
    secret = key.derive(b"solnet-admin-api", b"salt")
    assert len(secret) == 32 and secret == SigningKey(key.seed_bytes()).derive(b"solnet-admin-api", b"salt")
    assert secret not in {other.derive(b"solnet-admin-api", b"salt"), key.derive(b"solnet-other", b"salt"),
                          key.derive(b"solnet-admin-api", b"salt2")}
    assert key.seed_bytes() not in secret and bytes(key.public) not in secret


def test_a_libsodium_that_fails_to_start_is_said_at_import_not_used() -> None:
    """nacl.bindings refuses to load when libsodium's sodium_init fails (-1: its code for this CPU, its
    locks not set up); crypto.keys, which verifies through nacl._sodium without nacl.bindings (an ingest
    worker), called it and went on: every verdict then came from a library its own rule says not to
    use. Said at import (the node's start, a worker's start) instead. A separate interpreter: the
    stand-in for PyNaCl's cffi module must not stay in this one."""
    import subprocess
    import sys

    program = (
        "import sys, types\n"
        "from nacl import _sodium\n"
        "class Lib:\n"
        "    def __getattr__(self, name): return getattr(_sodium.lib, name)\n"
        "    def sodium_init(self): return -1\n"
        "sys.modules['nacl._sodium'] = types.SimpleNamespace(ffi=_sodium.ffi, lib=Lib())\n"
        "try:\n"
        "    import crypto.keys\n"
        "except ImportError as exc:\n"
        "    print('refused:', exc)\n"
        "else:\n"
        "    print('loaded')\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("refused: ") and "libsodium" in done.stdout, (done.stdout, done.stderr)


def test_a_pynacl_without_its_cffi_module_is_said_at_import() -> None:
    """A later PyNaCl without nacl._sodium (pyproject.toml asks PyNaCl>=1.5, no upper bound): the
    node's start names the package and what to install, not only a private module's name."""
    import subprocess
    import sys

    program = ("import sys\nsys.modules['nacl._sodium'] = None\n"
               "try:\n    import crypto.keys\nexcept ImportError as exc:\n    print('refused:', exc)\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("refused: PyNaCl ") and "install" in done.stdout, (done.stdout, done.stderr)
