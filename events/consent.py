"""A device's consent to being a device of a group: what it signs, and the check of that signature.

Its own module, apart from the trust graph (events/trust.py) that counts consents: the body rules
(events/kinds.py) check a vouch's consent, and an ingest worker (node/verify_worker.py), which
imports those rules but never builds a graph, then loaded the graph's 1,100 lines too (0.25 MiB
resident from bytecode, ~3 MiB while compiling them where no __pycache__ can be written).
"""
from __future__ import annotations

from crypto.errors import CryptoError
from crypto.keys import SigningKey, verify_signature

CONSENT_LABEL = b"solnet device consent v1"


def consent_message(group: bytes, device: bytes, encryption_key: bytes) -> bytes:
    """What a device key signs to consent to being a device of `group` with `encryption_key`."""
    return CONSENT_LABEL + group + device + encryption_key


def device_consent(device: SigningKey, group: bytes, encryption_key: bytes) -> bytes:
    """The consent a device gives to being a device of `group` (carried in the group's vouch)."""
    return device.sign(consent_message(group, bytes(device.public), encryption_key))


def consent_is_valid(group: bytes, device: bytes, encryption_key: bytes, signature: bytes) -> bool:
    try:
        verify_signature(device, consent_message(group, device, encryption_key), signature)
    except CryptoError:
        return False
    return True
