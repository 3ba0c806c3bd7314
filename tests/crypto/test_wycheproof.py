"""Every Wycheproof case for Ed25519, X25519 and XChaCha20-Poly1305, run through solnet's own crypto API.

The vectors are vendored in tests/vectors/wycheproof (source, licence and checksums in its README). Policy for X25519: a
ZeroSharedSecret case, which Wycheproof marks "acceptable", is REJECTED by `x25519` (InvalidKey); every
other "acceptable" case is accepted and must give the vector's shared value.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crypto import aead
from crypto.errors import BadSignature, DecryptionFailed, InvalidKey
from crypto.keys import EncryptionKey, EncryptionPublicKey, verify_signature, x25519

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "wycheproof"

# id prefix -> (file name, name of the test function that runs its cases)
FILES = {
    "ed25519": ("ed25519_test.json", "test_ed25519"),
    "x25519": ("x25519_test.json", "test_x25519"),
    "xchacha20poly1305": ("xchacha20_poly1305_test.json", "test_xchacha20_poly1305"),
}


def _load(file_name: str) -> dict[str, Any]:
    path = VECTORS / file_name
    if not path.is_file():
        pytest.fail(
            f"Wycheproof vector file missing: {path}. The vectors are part of the repository "
            f"(tests/vectors/wycheproof); restore them with git checkout. These tests are never skipped.",
            pytrace=False,
        )
    return json.loads(path.read_text(encoding="utf-8"))


DATA = {prefix: _load(file_name) for prefix, (file_name, _) in FILES.items()}


def _cases(prefix: str, **from_group: Any) -> list[Any]:
    """One pytest.param per test case, id '<prefix>-tc<N>', with the named group fields merged in."""
    params = []
    for group in DATA[prefix]["testGroups"]:
        extra = {name: pick(group) for name, pick in from_group.items()}
        for case in group["tests"]:
            params.append(pytest.param({**case, **extra}, id=f"{prefix}-tc{case['tcId']}"))
    return params


ED25519_CASES = _cases("ed25519", pk=lambda group: group["publicKey"]["pk"])
X25519_CASES = _cases("x25519")
AEAD_CASES = _cases("xchacha20poly1305")
CASES = {"ed25519": ED25519_CASES, "x25519": X25519_CASES, "xchacha20poly1305": AEAD_CASES}


def _unhex(case: dict[str, Any], *names: str) -> tuple[bytes, ...]:
    return tuple(bytes.fromhex(case[name]) for name in names)


@pytest.mark.parametrize("case", ED25519_CASES)
def test_ed25519(case: dict[str, Any]) -> None:
    public_key, message, signature = _unhex(case, "pk", "msg", "sig")
    if case["result"] == "valid":
        verify_signature(public_key, message, signature)  # must not raise
    elif case["result"] == "invalid":
        with pytest.raises(BadSignature):
            verify_signature(public_key, message, signature)
    else:
        pytest.fail(f"unexpected Ed25519 result {case['result']!r}: decide a policy for it first")


@pytest.mark.parametrize("case", X25519_CASES)
def test_x25519(case: dict[str, Any]) -> None:
    private, public, shared = _unhex(case, "private", "public", "shared")
    if "ZeroSharedSecret" in case["flags"]:
        assert shared == bytes(32), "a ZeroSharedSecret vector should have an all-zero shared value"
        with pytest.raises(InvalidKey):
            x25519(private, public)
        with pytest.raises(InvalidKey):
            EncryptionKey(private).shared_secret(EncryptionPublicKey(public))
    elif case["result"] in ("valid", "acceptable"):
        assert x25519(private, public) == shared
        assert EncryptionKey(private).shared_secret(EncryptionPublicKey(public)) == shared
    elif case["result"] == "invalid":
        with pytest.raises(InvalidKey):
            x25519(private, public)
    else:
        pytest.fail(f"unexpected X25519 result {case['result']!r}: decide a policy for it first")


@pytest.mark.parametrize("case", AEAD_CASES)
def test_xchacha20_poly1305(case: dict[str, Any]) -> None:
    key, nonce, aad, message, ciphertext, tag = _unhex(case, "key", "iv", "aad", "msg", "ct", "tag")
    sealed = ciphertext + tag
    if case["result"] == "valid":
        assert aead.encrypt(key, nonce, message, aad) == sealed
        assert aead.decrypt(key, nonce, sealed, aad) == message
    elif case["result"] == "invalid":
        if len(key) != aead.KEY_SIZE or len(nonce) != aead.NONCE_SIZE:
            with pytest.raises(InvalidKey):
                aead.encrypt(key, nonce, message, aad)
            with pytest.raises(InvalidKey):
                aead.decrypt(key, nonce, sealed, aad)
        else:
            assert aead.encrypt(key, nonce, message, aad) != sealed
            with pytest.raises(DecryptionFailed):
                aead.decrypt(key, nonce, sealed, aad)
    else:
        pytest.fail(f"unexpected AEAD result {case['result']!r}: decide a policy for it first")


@pytest.mark.parametrize("prefix", sorted(FILES))
def test_every_case_of_the_file_is_run(prefix: str, request: pytest.FixtureRequest) -> None:
    expected = DATA[prefix]["numberOfTests"]
    ids = [param.id for param in CASES[prefix]]
    assert len(ids) == expected
    assert len(set(ids)) == expected, "two cases share a tcId"
    # ... and pytest really collected one test item per case (a case lost on the way fails here).
    function = FILES[prefix][1]
    collected = {
        item.callspec.id
        for item in request.session.items
        if getattr(item, "originalname", None) == function and item.path == request.path
    }
    assert collected <= set(ids)
    filtered = request.config.getoption("keyword") or request.config.getoption("markexpr")
    if collected and not filtered:  # with -k/-m (or the function not selected) only part may be collected
        assert collected == set(ids)
