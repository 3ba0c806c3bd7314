"""Publishing an event from what a person typed: the one way the CLI, the HTTP API, the dashboard's
forms and `solnet demo` publish.

`publish` takes field values as text (as typed in a terminal or a form), parses them
(node.field_input), checks them against the kind, seals the private part if any, picks the signer
and appends the event to the log. Every mistake raises PublishError naming the field at fault
(`.field`), so a form can show the message next to that field. Refusals by the log itself
(a revoked key, a frozen chain) stay InvalidEvent.

It does blocking database work: inside a running node, call it through the node's `db`.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from crypto.keys import PublicId
from crypto.errors import InvalidKey
from crypto.keystore import NodeKeys
from events.errors import InvalidEvent
from events.fields import FieldError
from events.format import Event
from events.kinds import KINDS, Kind, check_fields
from node.field_input import InputError, parse_duration_ms, parse_value
from node.log import EventLog, now_ms
from node.private import PrivateError, seal_private

SIGNERS = ("device", "group")
PRIVATE_FIELD = "sealed"  # the private part: never typed directly, made from `private` + `to`


class UnknownEvent(InputError):
    """No stored event has that id (or id prefix)."""


class PublishError(ValueError):
    """Input that cannot be published as given. `field` names the input at fault ('kind', a field
    of the kind, 'expires_in', 'as', 'private' or 'to'), or is None when no single field is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def kind_by_name(name: str) -> Kind:
    """The kind called `name` ('fundraiser-update' is accepted for 'fundraiser.update')."""
    kind = KINDS.get(name) or KINDS.get(name.replace("-", "."))
    if kind is None:
        raise PublishError(f"unknown kind {name!r}; one of: {', '.join(KINDS)}", "kind")
    return kind


def typed_fields(kind: Kind) -> list[str]:
    """The names of the fields a person types for `kind` (the private part and signatures are made, not typed)."""
    return [f.name for f in kind.fields if f.name != PRIVATE_FIELD and f.type != "signature"]


def resolve_event_id(log: EventLog, text: str) -> bytes:
    """An event id from its 64 hex characters or a unique prefix of at least 6."""
    text = text.strip().lower()
    try:
        raw = bytes.fromhex(text if len(text) % 2 == 0 else text[:-1])
    except ValueError:
        raise InputError(f"{text!r} is not an event id (hex)") from None
    if len(text) == 64:
        return raw
    if len(text) < 6 or len(text) > 64:
        raise InputError("give the event id in full (64 hex characters) or at least 6 of its first characters")
    matches = [m for m in log.store.find_prefix(raw) if m.hex().startswith(text)]
    if not matches:
        raise UnknownEvent(f"no event with an id starting {text}; `solnet ls` lists them")
    if len(matches) > 1:
        raise InputError(f"more than one event id starts with {text}; give more characters")
    return matches[0]


def parse_group_id(text: str) -> bytes:
    try:
        return bytes(PublicId.from_hex(text.strip()))
    except InvalidKey:
        raise PublishError(f"{text!r} is not a group id (64 hex characters; `solnet view groups` lists them)",
                           "to") from None


def parse_fields(log: EventLog, kind: Kind, texts: Mapping[str, str]) -> dict[str, Any]:
    """Typed body fields from text values, checked against `kind`; PublishError names the bad one."""
    fields: dict[str, Any] = {}
    for name, text in texts.items():
        spec = kind.field(name)
        if spec is None or name == PRIVATE_FIELD:
            raise PublishError(f"{kind.name} has no field {name!r}; its fields are: {', '.join(typed_fields(kind))}",
                               name)
        if not isinstance(text, str):
            raise PublishError(f"'{name}' must be given as text, as a person would type it", name)
        if not text.strip():
            continue  # an empty form input means "not given"
        try:
            value = parse_value(spec, text, lambda t: resolve_event_id(log, t))
            spec.check(value)
        except InputError as exc:
            raise PublishError(str(exc) if name in str(exc) else f"'{name}': {exc}", name) from None
        except FieldError as exc:
            raise PublishError(f"{kind.name}: {exc}", name) from None
        fields[name] = value
    missing = [f.name for f in kind.fields if f.required and f.name not in fields and f.name != PRIVATE_FIELD]
    if missing:
        raise PublishError(f"{kind.name} needs the field(s): {', '.join(missing)}", missing[0])
    try:
        check_fields(kind, fields)  # relations between fields (ends_at after starts_at, ...)
    except InvalidEvent as exc:
        message = exc.args[0]
        named = [n for n in re.findall(r"'(\w+)'", message) if kind.field(n) is not None]
        raise PublishError(message, named[0] if named else None) from None
    return fields


CASE_NOTE_KINDS = ("support.claim", "support.close")


def default_signer(kind: str, fields: dict[str, Any], keys: NodeKeys) -> str:
    """Devices publish; membership changes are the group key's whenever this node holds it (also a
    revocation of its own device: a thief holding that device key can then neither undo nor block
    it); a device without its group key can only revoke itself."""
    if kind in ("member.vouch", "member.revoke") and keys.group is not None:
        return "group"
    if kind == "member.revoke" and fields.get("subject") == bytes(keys.device.public):
        return "device"
    return "device" if "device" in KINDS[kind].signers else "group"


def _case_note_recipients(log: EventLog, fields: dict[str, Any]) -> list[bytes]:
    """A case note (claim, close) is sealed to the group that made the request, besides our own."""
    row = log.store.event_row(fields["request"])
    group = log.trust.group_of(row[1]) if row is not None else None
    if group is None:
        raise PublishError("this node does not hold that support request (or its group is gone): sync first", "request")
    return [group]


def publish(log: EventLog, keys: NodeKeys | Callable[[], NodeKeys], kind_name: str, texts: Mapping[str, str], *,
            expires_in: str | None = None, signer: str | None = None, private: str | None = None,
            to: Sequence[str] = (), now: int | None = None, offline: bool = False, public_note: bool = False,
            ) -> Event:
    """Parse, check, sign and store one event; returns it. `keys` may be a function that loads
    them: it is called only once the input is known to be good (so a typo costs no passphrase).
    `offline` signs even if this home has not caught up with the network (node/chain_gate.py).
    A `note` on a claim or close of a support request is public text, so it needs `public_note`;
    case details go in `private`, sealed to the requesting group and this one."""
    kind = kind_by_name(kind_name)
    fields = parse_fields(log, kind, texts)
    case_note = kind.name in CASE_NOTE_KINDS
    if case_note and fields.get("note") and not public_note:
        raise PublishError("a note on a claim or close is public: every node of the network can read it. Put case "
                           "details in the private part (sealed to the requesting group and yours), or confirm that "
                           "this note may be public", "note")
    now = now_ms() if now is None else now
    expires = None
    if expires_in is not None and expires_in.strip():
        try:
            expires = now + parse_duration_ms(expires_in)
        except InputError as exc:
            raise PublishError(str(exc), "expires_in") from None
    if signer is not None and signer not in SIGNERS:
        raise PublishError(f"'as' is 'device' or 'group', not {signer!r}", "as")
    has_private = private is not None and private != ""
    if to and not has_private:
        raise PublishError("the recipients ('to') say who may read the private details; give the details too", "private")
    if has_private and kind.field(PRIVATE_FIELD) is None:
        private_kinds = ", ".join(k.name for k in KINDS.values() if k.field(PRIVATE_FIELD) is not None)
        raise PublishError(f"{kind.name} has no private part; these kinds have one: {private_kinds}", "private")
    if has_private and not to and not case_note:
        raise PublishError("name at least one recipient group ('to'; `solnet view groups` lists them)", "to")
    recipients = [parse_group_id(g) for g in to]
    if has_private and case_note:
        recipients = _case_note_recipients(log, fields) + recipients
    keys = keys() if callable(keys) else keys
    if has_private:
        own_group = log.trust.group_of(bytes(keys.device.public))
        try:
            fields[PRIVATE_FIELD] = seal_private(private, log.trust, recipients, own_group)
        except PrivateError as exc:
            raise PublishError(str(exc), "private" if "empty" in str(exc) else "to") from None
    role = signer or default_signer(kind.name, fields, keys)
    key = keys.group if role == "group" else keys.device
    if key is None:
        raise PublishError("this node does not hold its group key; publish from the node that does", "as")
    return log.append(key, kind.name, fields, expires=expires, now=now, offline=offline)
