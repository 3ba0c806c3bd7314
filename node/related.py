"""The events that name one event and carry something of it: its updates and all clears, its moves
and reports, a request's shares (its private details sealed again to more groups), claims and
closes, pledges and fulfilments. Withdrawing an event leaves these readable unless they go with it:
`solnet redact` and the dashboard's withdrawal take this device's along, and say which stay.

Read from the read model's references (proj_by_ref, one index range per table); for shares,
which make no row, from the stored shares (node/request_shares.py); and for events for chosen
groups only (`sealed`), which make no row either (their rows are made in memory by their readers),
from those of the withdrawing device's group, which it reads (`sealed_naming`): a sealed action
withdrawn left its sealed move, with the new place, readable by every group it went to. Only those
still held with their body count: one gone already has nothing left to withdraw. Blocking reads of the store."""
from __future__ import annotations

from collections.abc import Collection
from typing import Any, NamedTuple

from events.kinds import KINDS
from events.projections import REFERRING, SUPPORT_STATUS
from node import render
from node.audience import Opener
from node.log import EventLog
from node.request_shares import Shares, has_shares, shares_by_request
from node.store import BODY_PRESENT, redactable

# The read-model tables whose rows name another event (`ref`): every update, report, claim, close,
# pledge, fulfilment and decline.
_TABLES = (*dict.fromkeys(REFERRING), SUPPORT_STATUS)
WITHDRAWALS_READ = 500  # an author's redactions read, newest first, for the one that withdrew an event


class Related(NamedTuple):
    """An event naming another: its id, its author (a device key), its kind and when it was made (ms)."""

    id: bytes
    author: bytes
    kind: str
    ts: int


def held_shares(log: EventLog) -> Shares:
    """The stored shares by the request each names, read once for the events of a whole redaction
    (reading them unpacks every share held: a mole group can store thousands); none read while the
    node holds none."""
    return shares_by_request(log) if has_shares(log) else {}


# The sealed events that name each event, as `sealed_naming` finds them
Sealed = dict[bytes, list[Related]]


def sealed_naming(log: EventLog, opener: Opener, author: bytes) -> Sealed:
    """For each event named by a sealed event of the group of the device `author` held with its
    body, those sealed events, each with its inner kind and author; `opener`: this device's key,
    which reads every event its own group seals. The author's own are what a redaction of theirs
    takes along; its group's other devices' are said to stay (a move from the group's second device,
    for chosen groups, stays readable by them: the page said nothing stayed). Only the group's:
    opening every sealed event held costs ~0.3 ms of CPU each here (a Pi's `solnet redact` would
    open thousands of other groups' for nothing). Read once for all the ids of a redaction (the
    Opener remembers what it opened, as the listings do)."""
    group = log.trust.group_of(author)
    devices = [m.key for m in log.trust.devices_of(group)] if group is not None else []
    found: Sealed = {}
    for _n, event_id, signer, _seq, ts, _expires, body in log.store.sealed_events(authors=devices or [author]):
        inner = opener.open(event_id, body)
        if inner is None:
            continue
        for spec in KINDS[inner.kind].references:
            value = inner.fields.get(spec.name)
            if isinstance(value, bytes):
                found.setdefault(value, []).append(Related(event_id, signer, inner.kind, ts))
    return found


def naming(log: EventLog, target: bytes, shares: Shares | None = None, sealed: Sealed | None = None) -> list[Related]:
    """The events held with their body that name `target`, by any author, oldest first (by stamp,
    then id: the same list on every node). `shares`: `held_shares`, read once for many targets
    (else read here). `sealed`: `sealed_naming`'s answer, for the sealed events of the withdrawing
    device's group (None: none looked at)."""
    ids = {row.key for table in _TABLES for row in log.store.rows(table, refs=[target])}
    shares = held_shares(log) if shares is None else shares
    ids.update(share for share, _author, _ts, _sealed in shares.get(target, ()))
    out = [r for r in (sealed or {}).get(target, ()) if r.id not in ids]
    for event_id in ids - {target}:
        row = log.store.event_row(event_id)
        if row is not None and row.body_state == BODY_PRESENT and redactable(row.kind):
            out.append(Related(row.id, row.author, row.kind, row.ts))
    return sorted(out, key=lambda r: (r.ts, r.id))


def split(related: list[Related], device: bytes) -> tuple[list[Related], list[Related]]:
    """(those `device` signed: a redaction of its takes them along; those another device signed:
    they stay unless their author withdraws them)."""
    return [r for r in related if r.author == device], [r for r in related if r.author != device]


def withdrawals(log: EventLog, ids: Collection[bytes], author: bytes) -> dict[bytes, dict[str, Any]]:
    """The redaction that withdrew each of `ids` (only its `author` signs one that counts; the first
    in its chain if several name it, whichever arrived first): its `id`, `seq`, `ts`, and its public
    `reason` (None: none given). One pass over the author's newest WITHDRAWALS_READ redactions, for
    all of `ids` at once. One not found among them: `id` None, `read` how many were read, and
    `older` True if that is WITHDRAWALS_READ (its redaction may be older than them: not looked up),
    False if the author has fewer (it is not held with its body)."""
    found: dict[bytes, dict[str, Any]] = {}
    wanted = set(ids)
    read = 0
    for row in log.store.list_events(kind="redact", author=author, limit=WITHDRAWALS_READ):
        read += 1
        fields = render.event_fields(row) or {}
        reason = fields.get("reason")
        for event_id in wanted.intersection(fields.get("ids") or ()):
            if event_id not in found or row.seq < found[event_id]["seq"]:
                found[event_id] = {"id": row.id, "seq": row.seq, "ts": row.ts, "older": False,
                                   "reason": reason if isinstance(reason, str) and reason else None}
    older = read >= WITHDRAWALS_READ
    return {event_id: found.get(event_id) or {"id": None, "seq": None, "ts": None, "reason": None,
                                                 "older": older, "read": read}
            for event_id in wanted}


def withdrawal(log: EventLog, event_id: bytes, author: bytes) -> dict[str, Any]:
    """The redaction that withdrew `event_id` (`withdrawals` of it alone)."""
    return withdrawals(log, (event_id,), author)[event_id]
