"""The passphrase-sealed stream used for bundles on a USB stick."""
from __future__ import annotations

import io

import pytest
import nacl.pwhash.argon2id as argon2id

from crypto import passphrase
from crypto.errors import DecryptionFailed, WrongPassphrase
from crypto.stream import CHUNK, SealedReader, SealedWriter


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passphrase, "OPSLIMIT", argon2id.OPSLIMIT_MIN)
    monkeypatch.setattr(passphrase, "MEMLIMIT", argon2id.MEMLIMIT_MIN)


def seal(data: bytes, pw: str = "pw") -> bytes:
    out = io.BytesIO()
    w = SealedWriter(out, pw)
    for i in range(0, len(data), 1000):
        w.write(data[i : i + 1000])
    w.close()
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17])
def test_round_trip_any_size(size: int) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    data = data[:size]
    sealed = seal(data)
    assert data[:64] not in sealed or size < 64
    reader = SealedReader(io.BytesIO(sealed), "pw")
    assert reader.read(7) + reader.read() == data


def test_wrong_passphrase_is_told_before_anything_is_read() -> None:
    with pytest.raises(WrongPassphrase):
        SealedReader(io.BytesIO(seal(b"hello" * 100)), "other")


def test_every_cut_is_detected() -> None:
    sealed = seal(b"x" * (2 * CHUNK + 5))
    for cut in range(len(sealed) - 1, 30, -max(1, len(sealed) // 97)):
        with pytest.raises((DecryptionFailed, WrongPassphrase)):
            SealedReader(io.BytesIO(sealed[:cut]), "pw").read()


def test_an_altered_byte_anywhere_is_detected() -> None:
    sealed = seal(b"y" * (CHUNK + 100))
    for pos in range(0, len(sealed), max(1, len(sealed) // 211)):
        damaged = bytearray(sealed)
        damaged[pos] ^= 0x20
        with pytest.raises((DecryptionFailed, WrongPassphrase)):
            SealedReader(io.BytesIO(bytes(damaged)), "pw").read()


def test_data_after_the_end_is_refused() -> None:
    with pytest.raises(DecryptionFailed):
        SealedReader(io.BytesIO(seal(b"z") + b"extra"), "pw").read()


def test_impossible_kdf_settings_are_refused_before_deriving() -> None:
    import msgpack

    sealed = seal(b"z")
    from crypto.stream import MAGIC
    size = int.from_bytes(sealed[len(MAGIC) : len(MAGIC) + 2], "big")
    start = len(MAGIC) + 2
    version, ops, mem, salt = msgpack.unpackb(sealed[start : start + size])
    evil = msgpack.packb([version, ops, 2**40, salt])
    forged = MAGIC + len(evil).to_bytes(2, "big") + evil + sealed[start + size :]
    with pytest.raises(DecryptionFailed, match="impossible"):
        SealedReader(io.BytesIO(forged), "pw")


@pytest.mark.parametrize("ops_times, mem_times", [(1, 16), (8, 1)])
def test_kdf_settings_beyond_what_a_sealed_file_uses_are_refused_before_deriving(ops_times: int,
                                                                                  mem_times: int) -> None:
    """A bundle comes from others: a 173-byte file asking Argon2id for 1 GiB made `solnet import`
    take 1 GiB (a Pi Zero's node killed for memory) before saying "wrong passphrase"."""
    import msgpack

    from crypto import passphrase
    from crypto.stream import MAGIC

    sealed = seal(b"z")
    size = int.from_bytes(sealed[len(MAGIC) : len(MAGIC) + 2], "big")
    start = len(MAGIC) + 2
    version, ops, mem, salt = msgpack.unpackb(sealed[start : start + size])
    assert (ops, mem) == (passphrase.OPSLIMIT, passphrase.MEMLIMIT)
    heavy = msgpack.packb([version, ops * ops_times, mem * mem_times, salt])
    forged = MAGIC + len(heavy).to_bytes(2, "big") + heavy + sealed[start + size :]
    with pytest.raises(DecryptionFailed, match="asks for more memory or time than a sealed file takes"):
        SealedReader(io.BytesIO(forged), "pw")
