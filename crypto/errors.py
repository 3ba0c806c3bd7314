"""The exceptions of the crypto layer, one per failure meaning."""
from solnet_errors import EXIT_HOME, SolnetError


class CryptoError(SolnetError):
    """Base class of every crypto failure."""

    reason = "crypto"


class BadSignature(CryptoError):
    """A signature does not verify under the claimed key (forged, altered or malformed)."""


class DecryptionFailed(CryptoError):
    """Ciphertext is not for this key, or was altered."""


class Damaged(DecryptionFailed):
    """Not that this key is no recipient: the envelope, or what it holds, is damaged, and its reader is told
    so (node/private.py read_private). The classes below say how; callers catch this one."""


class MalformedPadding(Damaged):
    """An envelope authenticates, but the framing and padding inside it are not as the format says:
    its author's software is faulty or hostile. Nothing in it is read."""


class MalformedEnvelope(Damaged):
    """Bytes that are not an envelope in its form (msgpack of five parts, 16 slots, keys and nonce of
    their sizes): no device can open them, and anyone can tell, recipient or not."""


class AlteredBody(Damaged):
    """A slot of an envelope opens for this key, so it was sealed to this key, but its body does not
    authenticate: altered after sealing by its author (whose signature covers it), whose software is
    faulty or hostile. This key's holder is a recipient told nothing can be read, not a stranger."""


class InvalidKey(CryptoError):
    """Key material has the wrong length or is a degenerate (low-order) point."""


class WrongPassphrase(CryptoError):
    """The keystore could not be opened with the passphrase given."""

    reason, exit_code, http_status = "wrong_passphrase", EXIT_HOME, 401


class KeystoreError(CryptoError):
    """The keystore file is missing, unreadable or damaged."""

    reason, exit_code, http_status = "keystore", EXIT_HOME, 500
