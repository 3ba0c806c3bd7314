"""Projections: pure functions from an accepted event to changes of read-model rows.

`project` needs nothing but the event, its validated fields and the author's group, so its
result does not depend on what else the node holds or in which order events arrived; the
totals that combine several events (money raised, quantities fulfilled, request status) are
computed when read (see `events.readmodels`). The store applies these changes inside the same
transaction as the events, and `rebuild` replays the log through this same function.

A row: table, key (event id, or group id for profiles), region, time (for range queries:
starts_at, expiry, ...), ref (the id an update refers to), version (timestamp, id) for
last-writer-wins rows, data (a dict of plain values, stored as msgpack), and whether people
without a node may see it (`public`: an alert marked public, which the public pages list).

Every event makes at most one row. A row has one `ref`, so a fulfilment that draws on an offer
(need.fulfil --offer) keeps its need in `ref` and its offer in the region column, as
`offer_key(offer id)`: an offer finds what was drawn from it by one indexed lookup, and the key
(longer than any region name) can never be taken for a region.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from events.desk_marks import marked_alone
from events.format import Event

# Tables of the read models.
PROFILE = "profile"
ACTION = "action"
FUNDRAISER = "fundraiser"
FUNDRAISER_UPDATE = "fundraiser.update"
NEED = "need"
OFFER = "offer"
FULFIL = "need.fulfil"
SUPPORT = "support"
SUPPORT_STATUS = "support.status"
ALERT = "alert"
NEED_UPDATE = "need.update"
OFFER_UPDATE = "offer.update"
SUPPORT_OFFER = "support.offer"
SUPPORT_OFFER_UPDATE = "support.offer.update"
ALERT_UPDATE = "alert.update"
REPORT = "action.report"
RESOURCE = "resource"
ACTION_UPDATE = "action.update"
SHARE = "support.share"  # a request's shares, found by the request (node/request_shares.py)
# Append only: a store may number tables by their place here.
TABLES = (PROFILE, ACTION, FUNDRAISER, FUNDRAISER_UPDATE, NEED, OFFER, FULFIL, SUPPORT, SUPPORT_STATUS, ALERT,
          NEED_UPDATE, OFFER_UPDATE, SUPPORT_OFFER, SUPPORT_OFFER_UPDATE, ALERT_UPDATE, REPORT, RESOURCE, ACTION_UPDATE, SHARE)
# Kinds whose rows refer to another event (`ref`), and the field that names it.
REFERRING = {FUNDRAISER_UPDATE: "fundraiser", FULFIL: "need", NEED_UPDATE: "need", OFFER_UPDATE: "offer",
             SUPPORT_OFFER_UPDATE: "offer", ALERT_UPDATE: "alert", REPORT: "action", ACTION_UPDATE: "action",
             SHARE: "request"}


PUBLIC_YES = "yes"  # an alert's `public` field: also for people without a node


def offer_key(offer: bytes) -> str:
    """The region-column key under which the fulfilments drawing on `offer` are found."""
    return "offer:" + offer.hex()


class Row(NamedTuple):
    """A read-model row (a named tuple: ingest builds one per event, several times faster than a
    frozen dataclass)."""

    table: str
    key: bytes
    data: dict[str, Any]
    region: str | None = None
    time: int | None = None
    ref: bytes | None = None
    version: tuple[int, bytes] = (0, b"")
    last_writer_wins: bool = False
    public: bool = False  # an alert marked public: the public pages select these in SQL
    urgent: bool = False  # a need or support request marked on its own (events.desk_marks.marked_alone)


class Drop(NamedTuple):
    """Delete the rows these events made, in whatever table they are (redaction, revocation):
    rows keyed by the event id, and last-writer-wins rows (profiles) whose current version it is.
    (Like Row a named tuple: an ingest worker imports this module, and `dataclasses` loads
    `inspect` and `ast`, 1.1 MiB of its memory.)"""

    keys: tuple[bytes, ...]


def _common(event: Event, group: bytes) -> dict[str, Any]:
    return {"author": event.author, "group": group, "seq": event.seq, "ts": event.header.timestamp}


def project(event: Event, fields: dict[str, Any] | None, group: bytes) -> list[Row | Drop]:
    """Return the read-model changes of one accepted event (empty for stubs and unknown kinds)."""
    if fields is None:
        return []
    if event.kind == "redact":
        return [Drop(tuple(fields["ids"]))]
    shape = row_shape(event, fields)
    if shape is None:
        return []  # membership is read from the trust graph; node.announce feeds the peer table
    table, region, time, ref, public, urgent = shape
    version = (event.header.timestamp, event.id)
    data = {**fields, **_common(event, group)}
    if "sealed" in data:  # ciphertext stays in the event body; the read model only says it exists
        del data["sealed"]
        data["has_private"] = True
    if table == SUPPORT_STATUS:
        data["status"] = "claimed" if event.kind == "support.claim" else "closed"
    if table == PROFILE:
        return [Row(PROFILE, group, data, region, time, version=version, last_writer_wins=True)]
    return [Row(table, event.id, data, region, time, ref, version, public=public, urgent=urgent)]


Shape = tuple[str, str | None, int | None, bytes | None, bool, bool]


def row_shape(event: Event, fields: dict[str, Any]) -> Shape | None:
    """Where the row of an event with these (validated) fields goes, (table, region, time, ref,
    public, urgent: the mark the desk gives a need or support request before any step of it,
    events.desk_marks.marked_alone), without its data; None for a kind that makes no row. `project`
    builds its row from this, and the ingest workers send it alone (events/examine.py): the data is
    rebuilt when a row is read."""
    kind = event.kind
    if kind == "group.profile":
        return PROFILE, fields["region"], event.header.timestamp, None, False, False
    if kind == "action":
        return ACTION, fields["region"], fields["starts_at"], None, False, False
    if kind == "fundraiser":
        return FUNDRAISER, fields["region"], fields.get("ends_at"), None, False, False
    if kind == "need.fulfil":
        drawn = offer_key(fields["offer"]) if "offer" in fields else None
        return FULFIL, drawn, event.header.timestamp, fields["need"], False, False
    if kind == "fundraiser.decline":  # read with the pledges of its fundraiser (events.readmodels.fundraisers)
        return FUNDRAISER_UPDATE, None, event.header.timestamp, fields["fundraiser"], False, False
    if kind == "need.decline":  # read with the fulfilments of its need (events.readmodels.needs_and_offers)
        return FULFIL, None, event.header.timestamp, fields["need"], False, False
    if kind in REFERRING:  # updates, reports: found through what they refer to
        return kind, fields.get("region"), event.header.timestamp, fields[REFERRING[kind]], False, False
    if kind in ("need", "offer", "support.offer"):
        urgent = kind == NEED and marked_alone(NEED, fields)
        return kind, fields["region"], fields.get("until") or event.header.expires, None, False, urgent
    if kind == "resource":
        return RESOURCE, fields.get("region"), event.header.timestamp, None, False, False
    if kind == "support.request":
        return SUPPORT, fields["region"], event.header.timestamp, None, False, marked_alone(SUPPORT, fields)
    if kind in ("support.claim", "support.close"):
        return SUPPORT_STATUS, None, event.header.timestamp, fields["request"], False, False
    if kind == "alert":
        return ALERT, fields["region"], event.header.expires, None, fields.get("public") == PUBLIC_YES, False
    return None


class MemoryTables:
    """Read-model rows in dicts: the reference store of projections for tests and for comparison."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, bytes], Row] = {}

    def apply(self, changes: list[Row | Drop]) -> None:
        for change in changes:
            if isinstance(change, Drop):
                dropped = set(change.keys)
                for slot in [s for s, row in self.rows.items() if s[1] in dropped or row.version[1] in dropped]:
                    del self.rows[slot]
                continue
            old = self.rows.get((change.table, change.key))
            if old is not None and change.last_writer_wins and old.version >= change.version:
                continue
            self.rows[(change.table, change.key)] = change

    def table(self, name: str) -> list[Row]:
        return [r for (t, _), r in self.rows.items() if t == name]

    def select(self, table: str, *, region: str | None = None, t_from: int | None = None,
               refs: list[bytes] | None = None, order: str | None = None, limit: int | None = None,
               t_before: int | None = None, regions: list[str] | None = None, public: bool = False) -> list[Row]:
        """The reference of `node.store.Store.rows`: rows of one table in `region` (any if None),
        with time at or after `t_from` (or none) and before `t_before`, referring to one of `refs`;
        `order` "t" is soonest first (no time first), then by event id; "latest" is the reverse;
        "newest" is by version, newest first; `limit` keeps the first that many; `regions`: in any
        of these regions; `public`: the public rows only."""
        wanted = set(regions) if regions is not None else None
        found = [r for r in self.table(table)
                 if (region is None or r.region == region) and (wanted is None or r.region in wanted)
                 and (not public or r.public)
                 and (t_from is None or r.time is None or r.time >= t_from)
                 and (t_before is None or (r.time is not None and r.time < t_before))
                 and (refs is None or r.ref in refs)]
        if order in ("t", "latest"):
            found.sort(key=lambda r: (r.time is not None, r.time or 0, r.version[1]), reverse=order == "latest")
        elif order == "newest":
            found.sort(key=lambda r: r.version, reverse=True)
        elif order is not None:
            raise ValueError(f"unknown order {order!r}")
        return found[:limit] if limit is not None else found
