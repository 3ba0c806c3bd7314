"""A passphrase-sealed byte stream (libsodium secretstream, XChaCha20-Poly1305), for bundles
that travel on a USB stick: whoever finds the stick learns nothing but the file's size.

Layout: MAGIC, u16 length + msgpack [1, opslimit, memlimit, salt], the 24-byte secretstream
header, then chunks of (u32 length, ciphertext) of at most CHUNK plaintext bytes each; the
last carries the FINAL tag, so a file cut short is detected, as is any altered, dropped or
reordered chunk.
"""
from __future__ import annotations

from typing import BinaryIO

import msgpack
import nacl.bindings as sodium
import nacl.exceptions

from crypto import passphrase as pwkdf
from crypto.errors import DecryptionFailed, WrongPassphrase

MAGIC = b"solnet-sealed-v1\n"
CHUNK = 64 * 1024
_ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
_HEADER = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES
_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE


class SealedWriter:
    """Write-only file object: what is written comes out sealed; close() seals the last chunk."""

    def __init__(self, out: BinaryIO, passphrase: str) -> None:
        salt = pwkdf.new_salt()
        key = pwkdf.derive_key(passphrase, salt, pwkdf.OPSLIMIT, pwkdf.MEMLIMIT)
        params = msgpack.packb([1, pwkdf.OPSLIMIT, pwkdf.MEMLIMIT, salt], use_bin_type=True)
        self._out = out
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        header = sodium.crypto_secretstream_xchacha20poly1305_init_push(self._state, key)
        out.write(MAGIC + len(params).to_bytes(2, "big") + params + header)
        self._buffer = bytearray()
        self._closed = False

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), _MESSAGE)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, chunk: bytes, tag: int) -> None:
        sealed = sodium.crypto_secretstream_xchacha20poly1305_push(self._state, chunk, None, tag)
        self._out.write(len(sealed).to_bytes(4, "big") + sealed)

    def close(self) -> None:
        if not self._closed:
            self._emit(bytes(self._buffer), _FINAL)
            self._closed = True


class SealedReader:
    """Read-only file object over a sealed stream. The constructor opens the first chunk, so a
    wrong passphrase is reported (WrongPassphrase) before anything is read; later damage raises
    DecryptionFailed from read()."""

    def __init__(self, source: BinaryIO, passphrase: str) -> None:
        if source.read(len(MAGIC)) != MAGIC:
            raise DecryptionFailed("not a sealed solnet file")
        size = int.from_bytes(source.read(2), "big")
        try:
            version, ops, mem, salt = msgpack.unpackb(source.read(size), raw=False)
        except (ValueError, TypeError, msgpack.UnpackException):
            raise DecryptionFailed("the sealed file's header is damaged") from None
        if version != 1 or not pwkdf.params_are_sane(ops, mem, salt):
            raise DecryptionFailed("the sealed file's header is damaged (impossible key-derivation settings)")
        # The settings are not authenticated before the key they make opens the file. Bundles come
        # from others: one asking for more than SealedWriter uses (1 GiB, 16 passes in 173 bytes)
        # would take a Pi Zero's whole memory, the running node's with it, before "wrong passphrase".
        if ops > pwkdf.OPSLIMIT or mem > pwkdf.MEMLIMIT:
            raise DecryptionFailed(f"the sealed file's header asks for more memory or time than a sealed file takes "
                                   f"({mem >> 20} MiB, {ops} passes; at most {pwkdf.MEMLIMIT >> 20} MiB, "
                                   f"{pwkdf.OPSLIMIT} passes): it was altered or crafted")
        key = pwkdf.derive_key(passphrase, salt, ops, mem)
        header = source.read(_HEADER)
        self._source = source
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        try:
            sodium.crypto_secretstream_xchacha20poly1305_init_pull(self._state, header, key)
        except (nacl.exceptions.CryptoError, ValueError):
            raise DecryptionFailed("the sealed file is cut short") from None
        self._plain = bytearray()
        self._final = False
        try:
            self._next_chunk()
        except DecryptionFailed:
            raise WrongPassphrase("wrong passphrase for this file, or the file was altered") from None

    def _next_chunk(self) -> None:
        size_bytes = self._source.read(4)
        if len(size_bytes) < 4:
            raise DecryptionFailed("the sealed file is cut short (its last part is missing)")
        size = int.from_bytes(size_bytes, "big")
        if not _ABYTES <= size <= CHUNK + _ABYTES:
            raise DecryptionFailed("the sealed file is damaged (impossible chunk size)")
        sealed = self._source.read(size)
        try:
            plain, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(self._state, sealed, None)
        except (nacl.exceptions.CryptoError, ValueError):
            raise DecryptionFailed("the sealed file was altered or is cut short") from None
        self._plain += plain
        self._final = tag == _FINAL

    def read(self, n: int = -1) -> bytes:
        while (n < 0 or len(self._plain) < n) and not self._final:
            self._next_chunk()
        if self._final and self._source.read(1):
            raise DecryptionFailed("the sealed file has data after its end")
        take = len(self._plain) if n < 0 else min(n, len(self._plain))
        out = bytes(self._plain[:take])
        del self._plain[:take]
        return out
