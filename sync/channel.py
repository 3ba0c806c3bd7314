"""The encrypted channel that follows a handshake: one AEAD frame per transport message.

Each direction has its own key (from SessionKeys) and a 64-bit frame counter that both sides keep;
the counter is the XChaCha20-Poly1305 nonce and is never sent. A frame therefore opens only at
its own position in its own direction: a flipped bit, a replayed, dropped or reordered frame, or a
frame reflected back from our own direction all fail authentication. The transport is ordered and
reliable (a websocket), so any such failure is an attack or a bug, and the channel dies: every later
call raises ChannelError and the connection must be closed.

Sans-IO: bytes in, bytes out.
"""
from __future__ import annotations

from crypto import aead
from crypto.errors import CryptoError
from sync.handshake import SessionKeys

_COUNTER_LIMIT = 2**64
_NONCE_PAD = bytes(aead.NONCE_SIZE - 8)
_AAD = b"solnet-channel-v1"


class ChannelError(Exception):
    """A frame was refused (altered, replayed, dropped, reordered, oversize) or the channel is dead."""


class SecureChannel:
    """Seal outgoing and open incoming frames of one authenticated session."""

    MAX_FRAME: int = 4 * 1024 * 1024  # plaintext bytes per frame

    def __init__(self, keys: SessionKeys) -> None:
        if len(keys.send_key) != aead.KEY_SIZE or len(keys.recv_key) != aead.KEY_SIZE:
            raise ValueError("session keys must be 32 bytes each")
        if keys.send_key == keys.recv_key:
            raise ValueError("the two directions must have different keys")
        self._send_key = keys.send_key
        self._recv_key = keys.recv_key
        self._sent = 0
        self._received = 0
        self._dead: str | None = None

    @staticmethod
    def _nonce(counter: int) -> bytes:
        return _NONCE_PAD + counter.to_bytes(8, "big")

    def _check_alive(self) -> None:
        if self._dead is not None:
            raise ChannelError(f"the channel is closed after an earlier failure ({self._dead})")

    def _fail(self, why: str) -> ChannelError:
        self._dead = why
        self._send_key = self._recv_key = b""
        return ChannelError(why)

    def seal(self, plaintext: bytes) -> bytes:
        """Encrypt the next outgoing frame. A too-large plaintext raises ChannelError without sending
        anything (the channel stays usable: nothing went on the wire)."""
        self._check_alive()
        if len(plaintext) > self.MAX_FRAME:
            raise ChannelError(f"a frame carries at most {self.MAX_FRAME} bytes, got {len(plaintext)}")
        if self._sent >= _COUNTER_LIMIT:
            raise self._fail("the send counter is exhausted; start a new session")
        frame = aead.encrypt(self._send_key, self._nonce(self._sent), bytes(plaintext), _AAD)
        self._sent += 1
        return frame

    def open(self, frame: bytes) -> bytes:
        """Decrypt the next incoming frame, or raise ChannelError and kill the channel."""
        self._check_alive()
        if not isinstance(frame, (bytes, bytearray, memoryview)):
            raise self._fail("a frame must be bytes")
        if len(frame) > self.MAX_FRAME + aead.TAG_SIZE:
            raise self._fail(f"a frame of {len(frame)} bytes is over the limit")
        if self._received >= _COUNTER_LIMIT:
            raise self._fail("the receive counter is exhausted")
        try:
            plaintext = aead.decrypt(self._recv_key, self._nonce(self._received), bytes(frame), _AAD)
        except CryptoError:
            raise self._fail(
                "a frame failed authentication (altered, replayed, dropped, reordered or wrong direction)"
            ) from None
        self._received += 1
        return plaintext
