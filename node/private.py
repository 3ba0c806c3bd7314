"""Private parts of events (support requests): sealed to the devices of named groups, opened
only in memory by a recipient after unlock.

Recipients are the current, unrevoked devices of the groups named, plus the author's own group
(so the requesting group can read its request back). The recipient list comes from the trust
graph at the moment of sealing, so a device revoked before then is not a recipient of anything
new. At most 16 devices (crypto.envelope): name fewer groups if there are more.
"""
from __future__ import annotations

from crypto.envelope import MAX_RECIPIENTS, open_envelope, seal
from crypto.errors import DecryptionFailed
from crypto.keys import EncryptionKey, EncryptionPublicKey, short_id
from events.canonical import pack, unpack
from events.errors import InvalidEvent
from events.trust import TrustGraph
from solnet_errors import SolnetError


class PrivateError(SolnetError, ValueError):
    """The private part cannot be sealed as asked; the message says why."""

    reason, http_status = "private", 422


def recipient_keys(trust: TrustGraph, groups: list[bytes], author_group: bytes) -> list[EncryptionPublicKey]:
    keys: list[EncryptionPublicKey] = []
    for group in dict.fromkeys([*groups, author_group]):
        g = trust.member(group)
        if g is None or g.role != "group":
            raise PrivateError(f"{short_id(group)} is not a group of this network (`solnet view groups` lists them)")
        if g.revoked_from is not None:
            raise PrivateError(f"group {short_id(group)} is revoked; it cannot receive private details")
        devices = [d for d in trust.devices_of(group) if d.revoked_from is None and d.encryption_key]
        if not devices:
            raise PrivateError(f"group {short_id(group)} has no device that can receive private details yet")
        keys += [EncryptionPublicKey(d.encryption_key) for d in devices]
    if len(keys) > MAX_RECIPIENTS:
        raise PrivateError(f"these groups have {len(keys)} devices together; a private part can go to at most "
                           f"{MAX_RECIPIENTS}: name fewer groups")
    return keys


# A private part made since 0.2 says which groups it was sealed to (so that case notes can go to the
# same groups): MARK, then canonical msgpack {"text", "to"}. Older ones are the text alone, in UTF-8,
# which never starts with a NUL byte.
MARK = b"\x00solnet-private-2\x00"


def seal_private(text: str, trust: TrustGraph, groups: list[bytes], author_group: bytes) -> bytes:
    if not text.strip():
        raise PrivateError("the private details are empty")
    named = [g for g in dict.fromkeys(groups) if g != author_group]
    plaintext = MARK + pack({"text": text, "to": named})
    return seal(plaintext, recipient_keys(trust, groups, author_group))


def open_private_part(sealed: bytes, key: EncryptionKey) -> tuple[str, list[bytes]] | None:
    """(text, groups it was sealed to besides its author's) if this device is a recipient, else None.
    Decrypted in memory only. Parts of 0.1 do not say their groups: the list is empty."""
    try:
        plaintext = open_envelope(sealed, key)
        if not plaintext.startswith(MARK):
            return plaintext.decode("utf-8"), []
        value = unpack(plaintext[len(MARK):], what="private part")
    except (DecryptionFailed, UnicodeDecodeError, InvalidEvent):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("text"), str) or not isinstance(value.get("to"), list):
        return None
    return value["text"], [g for g in value["to"] if isinstance(g, bytes) and len(g) == 32]


def open_private(sealed: bytes, key: EncryptionKey) -> str | None:
    """The private text if this device is a recipient, else None. Decrypted in memory only."""
    opened = open_private_part(sealed, key)
    return opened[0] if opened is not None else None
