"""Keys from passphrases: Argon2id with bounded, checked parameters (keystore, encrypted bundles).

Parameters are libsodium's "interactive" level (64 MiB, 2 passes, ~60 ms here): a Pi Zero 2 W
has 512 MiB, so the "moderate" 256 MiB level would not fit beside a running node. Parameters
read back from a file are not authenticated until decryption succeeds, so they are checked
first: a crafted file must not make us allocate gigabytes.
"""
from __future__ import annotations

import nacl.pwhash.argon2id as argon2id

from crypto import aead
from crypto.errors import WrongPassphrase

OPSLIMIT = argon2id.OPSLIMIT_INTERACTIVE
MEMLIMIT = argon2id.MEMLIMIT_INTERACTIVE
SALT_SIZE = argon2id.SALTBYTES
MAX_OPSLIMIT = 16
MIN_MEMLIMIT = argon2id.MEMLIMIT_MIN
MAX_MEMLIMIT = 1024 * 1024 * 1024


def params_are_sane(ops: object, mem: object, salt: object) -> bool:
    return (
        type(ops) is int and argon2id.OPSLIMIT_MIN <= ops <= MAX_OPSLIMIT
        and type(mem) is int and MIN_MEMLIMIT <= mem <= MAX_MEMLIMIT
        and isinstance(salt, bytes) and len(salt) == SALT_SIZE
    )


def derive_key(passphrase: str, salt: bytes, ops: int = OPSLIMIT, mem: int = MEMLIMIT) -> bytes:
    """A 32-byte key from `passphrase`; WrongPassphrase if it is empty."""
    if not passphrase:
        raise WrongPassphrase("the passphrase is empty")
    return argon2id.kdf(aead.KEY_SIZE, passphrase.encode("utf-8"), salt, opslimit=ops, memlimit=mem)


def new_salt() -> bytes:
    return aead.random_bytes(SALT_SIZE)
