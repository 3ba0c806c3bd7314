"""Keystores of test homes at libsodium's minimum Argon2id cost (see tests/conftest.py for why).

A keystore records the cost it was written at and reading follows the file, so a home written or
re-sealed here unlocks fast in every later command. Only this process's module values change, and
only within `cheap_key_derivation`: nothing in the product can lower the cost.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nacl.pwhash.argon2id as argon2id

from crypto import passphrase
from crypto.keystore import read_keystore, write_keystore


@contextmanager
def cheap_key_derivation() -> Iterator[None]:
    """Keystores written meanwhile in this process derive their key at libsodium's minimum cost."""
    saved = passphrase.OPSLIMIT, passphrase.MEMLIMIT
    passphrase.OPSLIMIT, passphrase.MEMLIMIT = argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN
    try:
        yield
    finally:
        passphrase.OPSLIMIT, passphrase.MEMLIMIT = saved


def reseal_cheaply(keystore: Path, secret: str) -> None:
    """Write `keystore` again, same keys and passphrase, at the minimum cost (a home made by `solnet init`)."""
    keys = read_keystore(keystore, secret)
    with cheap_key_derivation():
        write_keystore(keystore, keys, secret)
