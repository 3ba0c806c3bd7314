"""Destroying a file's content before it is freed: overwritten with random bytes in place, synced,
then deleted. The panic wipe (node/wipe.py) destroys the keystore and the rest so; a passphrase
change (node/home.py) destroys the keystore sealed under the old passphrase so, which would
otherwise stay in the freed blocks, openable with that passphrase.

Flash storage (SD cards, SSDs) may keep old copies of overwritten blocks in spare areas: the
overwrite makes recovery harder, it cannot make it impossible.
"""
from __future__ import annotations

import os
from pathlib import Path


def shred(path: Path) -> bool:
    """Overwrite a file with random bytes, sync, delete. False if it was not there."""
    if not overwrite(path):
        return False
    path.unlink()
    return True


def overwrite(path: Path) -> bool:
    """Overwrite a file with random bytes and sync. False if it was not there."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return False
    with open(path, "r+b", buffering=0) as f:
        remaining = size
        while remaining > 0:
            chunk = os.urandom(min(remaining, 1 << 20))
            f.write(chunk)
            remaining -= len(chunk)
        os.fsync(f.fileno())
    return True
