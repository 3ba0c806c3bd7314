"""A support request's private details as a device reads them: the request's own sealed part, and
those of its shares (`support.share`) by the requesting group, which carry the same details to
groups left out when it was made (one that joined since, one a referral sends it to).

Only a share signed by a device of the requesting group counts (events.effects: `support.share`
is among the kinds only the group that made the event may publish); any other is stored and
forwarded, and read by no one here. A listing reads every share held once (`shares_by_request`);
one request's page reads its own alone, by the shares' read-model rows, which name the request
(`shares_of`; schema 19 projects the shares a node stored before, once). Blocking reads of the store.
"""
from __future__ import annotations

from typing import NamedTuple

from crypto.keys import EncryptionKey
from events.canonical import unpack
from events.errors import InvalidEvent
from node.kind_input import PRIVATE_FIELD
from node.log import EventLog
from node.private import open_private_part

SHARE_KIND = "support.share"
_ALL = 1 << 62  # kinds_after's limit: every share held


class Part(NamedTuple):
    """A sealed private part of a request: its event's id (the request's own, or a share's), and the part."""

    event_id: bytes
    sealed: bytes


def _sealed_of(body: bytes | None) -> dict | None:
    try:
        fields = unpack(body) if body is not None else None
    except InvalidEvent:
        return None
    return fields if isinstance(fields, dict) and isinstance(fields.get(PRIVATE_FIELD), bytes) else None


Shares = dict[bytes, list[tuple[bytes, bytes, int, bytes]]]  # request: (share's id, its author, stamp, sealed part)


def shares_by_request(log: EventLog) -> Shares:
    """Every stored share with its body, by the request it names, read once for a whole
    listing (each share's signature is checked as it is read: per request, a listing of a
    hundred private requests read and checked a mole's thousands of shares a hundred times)."""
    out: Shares = {}
    for _n, event_id, author, _kind, ts, _expires, body in log.store.kinds_after([SHARE_KIND], 0, _ALL):
        fields = _sealed_of(body)
        if fields is not None and isinstance(request := fields.get("request"), bytes):
            out.setdefault(request, []).append((event_id, author, ts, fields[PRIVATE_FIELD]))
    return out


def shares_of(log: EventLog, request: bytes) -> Shares:
    """`shares_by_request` of one request alone: its shares found by their read-model rows, which
    name it (one indexed walk), not among every share held (a request's page read and checked a
    mole's thousands of shares to find its own)."""
    out: Shares = {}
    for _n, event_id, author, ts, body in log.store.referring_events(SHARE_KIND, request):
        fields = _sealed_of(body)
        if fields is not None and fields.get("request") == request:
            out.setdefault(request, []).append((event_id, author, ts, fields[PRIVATE_FIELD]))
    return out


def request_parts(log: EventLog, request: bytes, shares: Shares | None = None) -> list[Part]:
    """The request's own private part (first, if it has one), then those of its shares by its
    requesting group, by (stamp, id): in the same order on every node, whatever order they came in
    (a sharee reads the first it opens). Empty for a request not held, or held without a private part.
    `shares`: `shares_by_request`, read once for many requests (else this request's: `shares_of`)."""
    row = log.store.event_row(request)
    own = _sealed_of(row[8]) if row is not None else None
    group = log.trust.group_of(row[1]) if row is not None else None
    if own is None or group is None:
        return []
    found: list[tuple[int, bytes, Part]] = []
    for event_id, author, ts, sealed in (shares if shares is not None else shares_of(log, request)).get(request, ()):
        member = log.trust.member(author)
        held = log.store.event_row(event_id)
        if member is None or held is None or member.group != group or not member.may_sign(held[2]):
            continue
        found.append((ts, event_id, Part(event_id, sealed)))
    return [Part(request, own[PRIVATE_FIELD]), *(part for _ts, _id, part in sorted(found))]


def open_request(log: EventLog, request: bytes, key: EncryptionKey) -> tuple[bool, tuple[str, list[bytes]] | None]:
    """Whether the request has a private part, and its details as this device reads them: the text
    of the first part it opens, and the groups named by every part it opens (besides the requesting
    group). None: it opens none of them."""
    parts = request_parts(log, request)
    opened = [o for o in (open_private_part(p.sealed, key) for p in parts) if o is not None]
    if not opened:
        return bool(parts), None
    return True, (opened[0][0], list(dict.fromkeys(g for _text, named in opened for g in named)))


def has_shares(log: EventLog) -> bool:
    """Whether this node holds any share at all: most never do, and a listing need not look."""
    return log.store.holds_kind(SHARE_KIND)
