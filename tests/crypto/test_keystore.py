"""The passphrase-protected keystore: round trips, refusals, the file's mode and atomic replacement, and
that a damaged file fails as WrongPassphrase or KeystoreError and never as anything else.

Argon2id at the real "interactive" level costs ~0.1-0.3 s per derivation, so the real level is used
for the round trips and a handful of refusals; the loops over every byte of a file lower it to
libsodium's minimum (the file records the level, so reading follows whatever was written).
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack
import nacl.pwhash.argon2id as argon2id
import pytest

from crypto import keystore, passphrase
from crypto.errors import KeystoreError, WrongPassphrase
from crypto.keystore import NodeKeys, read_keystore, write_keystore

PASSPHRASE = "correct horse battery staple ☃"


def _same_keys(a: NodeKeys, b: NodeKeys) -> bool:
    def group(keys: NodeKeys) -> bytes | None:
        return keys.group.seed_bytes() if keys.group else None

    return (
        a.device.seed_bytes() == b.device.seed_bytes()
        and a.device.public == b.device.public
        and a.device_encryption.secret_bytes() == b.device_encryption.secret_bytes()
        and a.device_encryption.public == b.device_encryption.public
        and group(a) == group(b)
    )


def _refusal(path: Path, passphrase: str = PASSPHRASE) -> str | None:
    """None if read_keystore refuses with WrongPassphrase or KeystoreError, else what it did instead."""
    try:
        read_keystore(path, passphrase)
    except (WrongPassphrase, KeystoreError):
        return None
    except Exception as error:  # noqa: BLE001 - any other type is the failure being looked for
        return f"raised {type(error).__module__}.{type(error).__name__}: {error}"
    return "loaded"


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, NodeKeys]]:
    """Two keystores written once at the real Argon2id level: one with a group key, one without."""
    folder = tmp_path_factory.mktemp("keystores")
    written = {}
    for name, with_group in (("with-group", True), ("without-group", False)):
        keys = NodeKeys.generate(with_group=with_group)
        path = folder / f"{name}.keystore"
        write_keystore(path, keys, PASSPHRASE)
        written[name] = (path, keys)
    return written


@pytest.fixture
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passphrase, "OPSLIMIT", argon2id.OPSLIMIT_MIN)
    monkeypatch.setattr(passphrase, "MEMLIMIT", argon2id.MEMLIMIT_MIN)


@pytest.fixture
def umask_zero() -> Iterator[None]:
    """The most permissive umask, so that only the keystore's own mode bits decide."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- round trip and passphrases -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["with-group", "without-group"])
def test_round_trip(stored: dict[str, tuple[Path, NodeKeys]], name: str) -> None:
    path, keys = stored[name]
    loaded = read_keystore(path, PASSPHRASE)
    assert _same_keys(loaded, keys)
    assert (loaded.group is None) == (name == "without-group")


@pytest.mark.parametrize("wrong", ["wrong", PASSPHRASE + " ", PASSPHRASE.upper()], ids=["other", "trailing-space", "case"])
def test_wrong_passphrase(stored: dict[str, tuple[Path, NodeKeys]], wrong: str) -> None:
    with pytest.raises(WrongPassphrase):
        read_keystore(stored["with-group"][0], wrong)


def test_empty_passphrase_is_refused_on_read(stored: dict[str, tuple[Path, NodeKeys]]) -> None:
    with pytest.raises(WrongPassphrase):
        read_keystore(stored["with-group"][0], "")


def test_empty_passphrase_is_refused_on_write(tmp_path: Path) -> None:
    with pytest.raises(WrongPassphrase):
        write_keystore(tmp_path / "keystore", NodeKeys.generate(with_group=False), "")
    assert list(tmp_path.iterdir()) == []


def test_the_secrets_do_not_appear_in_the_file(stored: dict[str, tuple[Path, NodeKeys]]) -> None:
    path, keys = stored["with-group"]
    data = path.read_bytes()
    assert keys.group is not None
    for secret in (keys.device.seed_bytes(), keys.device_encryption.secret_bytes(), keys.group.seed_bytes()):
        assert secret not in data
        assert secret[:16] not in data and secret[16:] not in data
        assert secret.hex().encode() not in data
    assert PASSPHRASE.encode() not in data


# --- the file -----------------------------------------------------------------------------------


def test_file_mode_is_0600(tmp_path: Path, umask_zero: None) -> None:
    path = tmp_path / "keystore"
    write_keystore(path, NodeKeys.generate(with_group=False), PASSPHRASE)
    assert _mode(path) == 0o600


def test_file_mode_is_0600_even_over_a_leftover_temporary_file(tmp_path: Path, fast_kdf: None) -> None:
    # An interrupted earlier write (or anyone else) may have left keystore.tmp behind, readable by all.
    path = tmp_path / "keystore"
    leftover = tmp_path / "keystore.tmp"
    leftover.write_bytes(b"left over")
    leftover.chmod(0o644)
    write_keystore(path, NodeKeys.generate(with_group=False), PASSPHRASE)
    assert not leftover.exists()
    assert _mode(path) == 0o600, f"keystore written with mode {_mode(path):o}"


def test_rewriting_replaces_the_keystore(tmp_path: Path, umask_zero: None) -> None:
    path = tmp_path / "keystore"
    path.write_bytes(b"an older, world-readable file")
    path.chmod(0o644)
    keys = NodeKeys.generate(with_group=True)
    write_keystore(path, keys, "new passphrase")
    assert _mode(path) == 0o600
    assert _same_keys(read_keystore(path, "new passphrase"), keys)
    with pytest.raises(WrongPassphrase):
        read_keystore(path, PASSPHRASE)


def test_writing_leaves_no_temporary_file(stored: dict[str, tuple[Path, NodeKeys]]) -> None:
    folder = stored["with-group"][0].parent
    assert sorted(p.name for p in folder.iterdir()) == ["with-group.keystore", "without-group.keystore"]


def test_a_failed_write_leaves_the_old_keystore_intact(
    tmp_path: Path, fast_kdf: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "keystore"
    keys = NodeKeys.generate(with_group=False)
    write_keystore(path, keys, PASSPHRASE)
    before = path.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(keystore.os, "fsync", disk_full)
    with pytest.raises(OSError):
        write_keystore(path, NodeKeys.generate(with_group=True), PASSPHRASE)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert _same_keys(read_keystore(path, PASSPHRASE), keys)


# --- damaged, missing, or not a keystore --------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeystoreError):
        read_keystore(tmp_path / "absent", PASSPHRASE)


def test_a_directory_is_not_a_keystore(tmp_path: Path) -> None:
    (tmp_path / "keystore").mkdir()
    outcome = _refusal(tmp_path / "keystore")
    assert outcome is None, f"expected KeystoreError, but read_keystore {outcome}"


def test_every_altered_byte_is_refused(tmp_path: Path, fast_kdf: None) -> None:
    path = tmp_path / "keystore"
    write_keystore(path, NodeKeys.generate(with_group=True), PASSPHRASE)
    original = path.read_bytes()
    assert len(original) < 512  # keeps the loop bounded
    problems = []
    for position in range(len(original)):
        for mask in (0x01, 0x80, 0xFF):
            altered = bytearray(original)
            altered[position] ^= mask
            path.write_bytes(bytes(altered))
            outcome = _refusal(path)
            if outcome is not None:
                problems.append(f"byte {position} ^ {mask:#04x}: {outcome}")
    assert not problems, "an altered keystore must fail as WrongPassphrase or KeystoreError:\n" + "\n".join(problems)


def test_every_truncation_is_a_keystore_error(tmp_path: Path, fast_kdf: None) -> None:
    path = tmp_path / "keystore"
    write_keystore(path, NodeKeys.generate(with_group=True), PASSPHRASE)
    original = path.read_bytes()
    for length in range(len(original)):
        path.write_bytes(original[:length])
        with pytest.raises(KeystoreError):
            read_keystore(path, PASSPHRASE)


def _header_fields(path: Path) -> tuple[list[Any], bytes]:
    header, sealed = msgpack.unpackb(path.read_bytes(), raw=False)
    return msgpack.unpackb(header, raw=False), sealed


# Header fields a damaged or hostile file may carry: index in [version, kdf, ops, mem, salt, nonce] -> value.
BAD_HEADERS = {
    "version-2": (0, 2),
    "kdf-scrypt": (1, "scrypt"),
    "ops-zero": (2, 0),
    "ops-negative": (2, -1),
    "ops-as-text": (2, "2"),
    "mem-zero": (3, 0),
    "mem-as-text": (3, "8192"),
    "salt-short": (4, b"\x00" * 15),
    "salt-as-text": (4, "salt"),
    "nonce-short": (5, b"\x00" * 23),
    "nonce-none": (5, None),
}


@pytest.mark.parametrize("index, value", BAD_HEADERS.values(), ids=BAD_HEADERS.keys())
def test_a_bad_header_field_is_refused(tmp_path: Path, fast_kdf: None, index: int, value: Any) -> None:
    path = tmp_path / "keystore"
    write_keystore(path, NodeKeys.generate(with_group=False), PASSPHRASE)
    fields, sealed = _header_fields(path)
    fields[index] = value
    path.write_bytes(msgpack.packb([msgpack.packb(fields, use_bin_type=True), sealed], use_bin_type=True))
    outcome = _refusal(path)
    assert outcome is None, f"expected WrongPassphrase or KeystoreError, but read_keystore {outcome}"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00",
        b"\xc1",
        b"not a keystore at all",
        os.urandom(200),
        msgpack.packb([1, 2]),
        msgpack.packb([b"", b""]),
        msgpack.packb([b"\x93\x01\x02\x03", b""]),
        msgpack.packb({"header": b"", "sealed": b""}),
        msgpack.packb([[1, "argon2id"], b""]),
    ],
    ids=["empty", "zero", "never-used-byte", "text", "random", "ints", "empty-bins", "short-header", "map", "header-not-bin"],
)
def test_garbage_is_a_keystore_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "keystore"
    path.write_bytes(content)
    with pytest.raises(KeystoreError):
        read_keystore(path, PASSPHRASE)
