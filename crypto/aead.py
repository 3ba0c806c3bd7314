"""XChaCha20-Poly1305 (IETF), the one symmetric cipher of solnet: envelopes, keystore, bundles."""
import nacl.bindings as sodium
import nacl.exceptions

from crypto.errors import DecryptionFailed, InvalidKey

KEY_SIZE = sodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES  # 32
NONCE_SIZE = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES  # 24
TAG_SIZE = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES  # 16


def _check(key: bytes, nonce: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise InvalidKey(f"XChaCha20-Poly1305 keys are {KEY_SIZE} bytes, got {len(key)}")
    if len(nonce) != NONCE_SIZE:
        raise InvalidKey(f"XChaCha20-Poly1305 nonces are {NONCE_SIZE} bytes, got {len(nonce)}")


def encrypt(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    """Return ciphertext || 16-byte tag. The caller guarantees (key, nonce) is never reused."""
    _check(key, nonce)
    return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key)


def decrypt(key: bytes, nonce: bytes, sealed: bytes, aad: bytes = b"") -> bytes:
    """Inverse of `encrypt`; raises DecryptionFailed if the key is wrong or anything was altered."""
    _check(key, nonce)
    if len(sealed) < TAG_SIZE:
        raise DecryptionFailed("ciphertext shorter than its tag")
    try:
        return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(sealed, aad, nonce, key)
    except nacl.exceptions.CryptoError:
        raise DecryptionFailed("authentication failed") from None


def random_bytes(n: int) -> bytes:
    return sodium.randombytes(n)
