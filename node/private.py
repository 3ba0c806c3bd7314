"""Private parts of events (support requests): sealed to the devices of named groups, opened
only in memory by a recipient after unlock.

Recipients are the current, unrevoked devices of the groups named, plus the author's own group
(so the requesting group can read its request back). The recipient list comes from the trust
graph at the moment of sealing, so a device revoked before then is not a recipient of anything
new. At most 16 devices (crypto.envelope): name fewer groups if there are more.

The envelope pads what it seals to a size bucket (crypto/envelope.py, version 2), so the length of
a sealed part says little more than "short" or "long"; a text too long for the largest bucket that
fits the `sealed` field is refused here, when publishing, rather than by a peer.
"""
from __future__ import annotations

from typing import Any

from crypto.envelope import MAX_RECIPIENTS, max_plaintext, open_envelope, seal
from crypto.errors import Damaged, DecryptionFailed
from crypto.keys import EncryptionKey, EncryptionPublicKey, short_id
from events.canonical import pack, unpack
from events.errors import InvalidEvent
from events.kinds import BODY_BUILT_FREELY, KINDS
from node.kind_input import PRIVATE_FIELD
from node.words import isolated
from events.trust import Member, TrustGraph
from solnet_errors import KeyedError


class PrivateError(KeyedError, ValueError):
    """The private part cannot be sealed as asked; the message says why, its key and values how a
    page says it (KeyedError); `field` the input at fault: the groups named ("to"), or the text
    ("private")."""

    reason, http_status = "private", 422

    def __init__(self, message: str, key: str | None = None, /, field: str = "to", **values: Any) -> None:
        super().__init__(message, key, **values)
        self.field = field


def reading_devices(trust: TrustGraph, group: bytes) -> list[Member]:
    """The devices of `group` that can open what is sealed to it now: not revoked, with their
    encryption key (none: a group invited that has not joined yet, or whose devices are all revoked)."""
    return [d for d in trust.unrevoked_devices_of(group) if d.encryption_key]


def recipient_keys(trust: TrustGraph, groups: list[bytes], author_group: bytes,
                   names: dict[bytes, str] | None = None) -> list[EncryptionPublicKey]:
    """The encryption keys of the current devices of `groups` and the author's; a group that has
    none is named (by `names`, else its short id) with why."""
    keys: list[EncryptionPublicKey] = []
    for group in dict.fromkeys([*groups, author_group]):
        g = trust.member(group)
        if g is None or g.role != "group":
            raise PrivateError(f"{short_id(group)} is not a group of this network (`solnet view groups` lists them)",
                               "recipient_unknown", group=short_id(group))
        name = (names or {}).get(group) or f"group {short_id(group)}"
        if g.revoked_from is not None:
            raise PrivateError(f"{isolated(name)} is revoked; it cannot receive private details", "recipient_revoked",
                               group=name)  # (set apart in words: node.words.isolated)
        devices = reading_devices(trust, group)
        if not devices:
            # All revoked (a seized phone, a forked backup) is not "none yet": its group key must
            # certify a new device first
            revoked = bool(trust.devices_of(group))
            why = ("all its devices are revoked, until its group certifies a new one (`solnet init --device-of`)"
                   if revoked else "none has joined yet")
            raise PrivateError(f"{isolated(name)} has no device that can read it: {why}",
                               "recipient_no_device" if revoked else "recipient_not_joined", group=name)
        keys += [EncryptionPublicKey(d.encryption_key) for d in devices]
    if len(keys) > MAX_RECIPIENTS:
        raise PrivateError(f"these groups have {len(keys)} devices together; a private part can go to at most "
                           f"{MAX_RECIPIENTS}: name fewer groups", "recipients_too_many", devices=len(keys),
                           most=MAX_RECIPIENTS)
    return keys


# A private part made since 0.2 says which groups it was sealed to (so that case notes can go to the
# same groups): MARK, then canonical msgpack {"text", "to"}. Older ones are the text alone, in UTF-8,
# which never starts with a NUL byte.
MARK = b"\x00solnet-private-2\x00"
# The maps and lists a part's msgpack may hold: its map and the list of groups. More are refused as
# msgpack builds them (events/canonical.py `unpack`): a member's part of 57 KiB of empty maps, sealed
# to this node's group, built 75 times its size (4.3 MB) in the node's own process at each opening (until
# 2026-12-07), as an event body's did before its maps and lists were counted (events/kinds.py).
_PART_CONTAINERS = 2
# ... and the items each may hold: the groups a part names, one device each at least (a part's
# list of 57 KiB of one-byte numbers built 42 x its size at each opening, until 2026-12-07)
_PART_ITEMS = MAX_RECIPIENTS
# The longest plaintext whose envelope fits the `sealed` field of every kind that has one
MAX_PRIVATE_BYTES = max_plaintext(min(f.max_len for k in KINDS.values() if (f := k.field(PRIVATE_FIELD)) is not None))


def seal_private(text: str, trust: TrustGraph, groups: list[bytes], author_group: bytes,
                 names: dict[bytes, str] | None = None) -> bytes:
    if not text.strip():
        raise PrivateError("the private details are empty", "private_empty", field="private")
    named = [g for g in dict.fromkeys(groups) if g != author_group]
    plaintext = MARK + pack({"text": text, "to": named})
    if len(plaintext) > MAX_PRIVATE_BYTES:
        over = len(plaintext) - MAX_PRIVATE_BYTES
        raise PrivateError(f"the private details are too long: {len(text.encode())} bytes, {over} more than fit "
                           f"once sealed (the limit is about {round(MAX_PRIVATE_BYTES / 1024)} KiB); shorten them",
                           "private_too_long", field="private", kib=round(MAX_PRIVATE_BYTES / 1024))
    return seal(plaintext, recipient_keys(trust, groups, author_group, names))


def open_private_part(sealed: bytes, key: EncryptionKey) -> tuple[str, list[bytes]] | None:
    """(text, groups it was sealed to besides its author's) if this device is a recipient, else None.
    Decrypted in memory only. Parts of 0.1 do not say their groups: the list is empty."""
    try:
        return _opened(sealed, key)
    except DecryptionFailed:
        return None


def _opened(sealed: bytes, key: EncryptionKey) -> tuple[str, list[bytes]] | None:
    """As open_private_part, but Damaged (a DecryptionFailed) rather than None when this device is a
    recipient of a part whose padding, body or content is malformed, or when the part is not an envelope
    in its form (no device can read it)."""
    try:
        plaintext = open_envelope(sealed, key)
    except Damaged:
        raise
    except DecryptionFailed:
        return None
    read = _read(plaintext)
    if read is None:  # (opened: sealed to this device, but no private part inside, as bad padding is)
        raise Damaged("sealed to this device, but what is inside is no private part")
    return read


def _read(plaintext: bytes) -> tuple[str, list[bytes]] | None:
    """(text, groups) of an opened part's plaintext; None if it is no private part."""
    try:
        if not plaintext.startswith(MARK):
            return plaintext.decode("utf-8"), []
        packed = plaintext[len(MARK):]
        long = len(packed) > BODY_BUILT_FREELY
        value = unpack(packed, what="private part", containers=_PART_CONTAINERS if long else None,
                       items=_PART_ITEMS if long else None)
    except (UnicodeDecodeError, InvalidEvent):
        return None
    if not isinstance(value, dict) or not isinstance(value.get("text"), str) or not isinstance(value.get("to"), list):
        return None
    return value["text"], [g for g in value["to"] if isinstance(g, bytes) and len(g) == 32]


def readers_of(sealed: bytes, key: EncryptionKey) -> list[bytes] | None:
    """The groups a private part was sealed to besides its author's, if this device can open it and
    the part names them; None if it cannot, or for a part of 0.1 (which does not say its groups)."""
    try:
        plaintext = open_envelope(sealed, key)
    except DecryptionFailed:  # not a recipient, or malformed padding: nothing to tell by
        return None
    if not plaintext.startswith(MARK):
        return None
    read = _read(plaintext)  # (opened once: a stranger's sealed event cost two decryptions here until 2026-12-07)
    return read[1] if read is not None else None


def open_private(sealed: bytes, key: EncryptionKey) -> str | None:
    """The private text if this device is a recipient, else None. Decrypted in memory only."""
    opened = open_private_part(sealed, key)
    return opened[0] if opened is not None else None


# What a reader is told of a private part: read, not for this device, or for it but damaged
READABLE, NOT_A_RECIPIENT, DAMAGED = "readable", "not_a_recipient", "damaged"
DAMAGED_TEXT = ("the private details are damaged: they are no readable envelope at all, or they were "
                "sealed to this device but what is inside is malformed (the author's software is faulty or hostile): "
                "nothing of them can be read. The event itself is kept; ask its group to publish the details again")


def read_private(sealed: bytes, key: EncryptionKey) -> tuple[str | None, str]:
    """(text, status) for a reader: status is READABLE with the text, NOT_A_RECIPIENT, or DAMAGED
    (an envelope for this device whose body does not authenticate, whose padding is malformed, or that
    holds no private part, or bytes no device can read as
    an envelope: other than 16 slots, a key or nonce of the wrong size; DAMAGED_TEXT says so). Those
    were "not a recipient" until 2026-12-08, which sent a reader to ask for a share never to come."""
    try:
        opened = _opened(sealed, key)
    except Damaged:
        return None, DAMAGED
    return (opened[0], READABLE) if opened is not None else (None, NOT_A_RECIPIENT)
