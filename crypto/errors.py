"""The exceptions of the crypto layer, one per failure meaning."""


class CryptoError(Exception):
    """Base class of every crypto failure."""


class BadSignature(CryptoError):
    """A signature does not verify under the claimed key (forged, altered or malformed)."""


class DecryptionFailed(CryptoError):
    """Ciphertext is not for this key, or was altered."""


class InvalidKey(CryptoError):
    """Key material has the wrong length or is a degenerate (low-order) point."""


class WrongPassphrase(CryptoError):
    """The keystore could not be opened with the passphrase given."""


class KeystoreError(CryptoError):
    """The keystore file is missing, unreadable or damaged."""
