"""The passphrase-protected keystore: a node's device keys (and its group key, if held) at rest.

The file holds the Argon2id parameters and salt in clear and the keys sealed with
XChaCha20-Poly1305 under the derived key; the clear header is the AEAD's associated data, so
changing a parameter breaks decryption instead of weakening it (see crypto.passphrase).
"""
from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import msgpack

from crypto import aead, passphrase as pwkdf
from crypto.errors import DecryptionFailed, KeystoreError, WrongPassphrase
from crypto.keys import EncryptionKey, SigningKey

KEYSTORE_VERSION = 1


@dataclass(frozen=True)
class NodeKeys:
    """The secrets of one node: its device signing key, its device encryption key, and optionally its group key."""

    device: SigningKey
    device_encryption: EncryptionKey
    group: SigningKey | None = None

    @classmethod
    def generate(cls, *, with_group: bool) -> NodeKeys:
        return cls(SigningKey.generate(), EncryptionKey.generate(), SigningKey.generate() if with_group else None)


def write_keystore(path: Path, keys: NodeKeys, passphrase: str) -> None:
    """Encrypt `keys` under `passphrase` and write them atomically to `path` (mode 0600)."""
    salt = pwkdf.new_salt()
    nonce = aead.random_bytes(aead.NONCE_SIZE)
    header = msgpack.packb([KEYSTORE_VERSION, "argon2id", pwkdf.OPSLIMIT, pwkdf.MEMLIMIT, salt, nonce], use_bin_type=True)
    secrets_blob = msgpack.packb(
        [keys.device.seed_bytes(), keys.device_encryption.secret_bytes(), keys.group.seed_bytes() if keys.group else None],
        use_bin_type=True,
    )
    sealed = aead.encrypt(pwkdf.derive_key(passphrase, salt, pwkdf.OPSLIMIT, pwkdf.MEMLIMIT), nonce, secrets_blob, header)
    write_private_file(path, msgpack.packb([header, sealed], use_bin_type=True))


def write_private_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all, readable by this user only (mode 0600), through
    `path`.tmp; synced, the rename too."""
    with private_file_writer(path) as out:
        out.write(data)


def unfinished_of(path: Path) -> Path:
    """Where `private_file_writer` writes `path` until it is whole (gone once it is in place)."""
    return path.with_name(path.name + ".tmp")


@contextlib.contextmanager
def private_file_writer(path: Path) -> Iterator[BinaryIO]:
    """A file to write `path` through, whole or not at all: readable by this user only (mode 0600),
    written to `path`.tmp, synced and renamed into place (the rename synced too) when the block
    ends; on an error (a full disk, a stick pulled out), the temporary file is removed and `path`
    is left as it was. A bundle written in place and cut short replaced the good one it overwrote;
    one not synced could be lost from a USB stick pulled out after "Exported"."""
    tmp = unfinished_of(path)
    tmp.unlink(missing_ok=True)  # a leftover could carry a wider mode, or be a symlink planted there
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:  # e.g. the disk is full: leave no half-written file behind
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself must survive a power cut
    finally:
        os.close(dir_fd)


def read_keystore(path: Path, passphrase: str) -> NodeKeys:
    """Decrypt the keystore at `path`; WrongPassphrase if the passphrase does not open it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise KeystoreError(f"no keystore at {path}") from None
    except OSError as exc:
        raise KeystoreError(f"cannot read the keystore at {path}: {exc.strerror}") from None
    try:
        header, sealed = msgpack.unpackb(data, raw=False, max_bin_len=4096)
        version, kdf, ops, mem, salt, nonce = msgpack.unpackb(header, raw=False)
    except (ValueError, TypeError, msgpack.UnpackException):
        raise KeystoreError(f"the keystore at {path} is damaged") from None
    if version != KEYSTORE_VERSION or kdf != "argon2id":
        raise KeystoreError(f"the keystore at {path} has an unknown format (version {version!r})")
    if (
        not pwkdf.params_are_sane(ops, mem, salt)
        or not isinstance(nonce, bytes) or len(nonce) != aead.NONCE_SIZE
        or not isinstance(sealed, bytes)
    ):
        raise KeystoreError(f"the keystore at {path} is damaged (impossible key-derivation settings)")
    try:
        blob = aead.decrypt(pwkdf.derive_key(passphrase, salt, ops, mem), nonce, sealed, header)
    except DecryptionFailed:
        raise WrongPassphrase("wrong passphrase for this node's keystore") from None
    device, device_enc, group = msgpack.unpackb(blob, raw=False)
    return NodeKeys(SigningKey(device), EncryptionKey(device_enc), SigningKey(group) if group else None)
