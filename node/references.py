"""Events that other events name, read from a node's store: as the rules of events.effects see them
(`target`), as read-model rows (`row_of`), and the current state of one need or offer, for
publishing's checks and for `solnet show`. Blocking reads; pure apart from the store."""
from __future__ import annotations

from typing import Any

from events.canonical import unpack
from events.effects import Target
from events.errors import InvalidEvent
from events.format import decode_event
from events.kinds import parse_body
from events.projections import FULFIL, NEED_UPDATE, OFFER_UPDATE, PROFILE, SUPPORT_STATUS, Row, offer_key, project
from events.readmodels import needs_and_offers
from events.trust import TrustGraph
from node.store import Store


def group_names(store: Store) -> dict[bytes, str]:
    """Each group's name, as its newest profile says."""
    return {row.key: row.data["name"] for row in store.rows(PROFILE)}


def name_of_group(store: Store, group: bytes) -> str | None:
    """One group's name, as its newest profile says (None: it has none here)."""
    row = store.newest_row(PROFILE, group)
    return row.data["name"] if row is not None else None


def group_name(store: Store, group: bytes) -> str:
    """A group as people call it: its name, else 'group' and its short id."""
    return name_of_group(store, group) or f"group {group.hex()[:12]}…"


def target(store: Store, trust: TrustGraph, event_id: bytes) -> Target | None:
    """The stored event `event_id` as events.effects judges against it; None if this node does not
    hold it with its body, or its author is no member."""
    row = store.event_row(event_id)
    if row is None or row[8] is None:
        return None
    group = trust.group_of(row[1])
    try:
        fields = unpack(row[8])
    except InvalidEvent:
        return None
    if group is None or not isinstance(fields, dict):
        return None
    return Target(row[4], group, fields, row[3])


def row_of(store: Store, trust: TrustGraph, event_id: bytes) -> Row | None:
    """The read-model row the stored event `event_id` makes (None: not held, no body, no row)."""
    row = store.event_row(event_id)
    group = trust.group_of(row[1]) if row is not None else None
    if row is None or row[8] is None or group is None:
        return None
    try:
        ev = decode_event(store.wire((row[6], row[7], row[8])))
        made = project(ev, parse_body(ev.header, ev.body), group)
    except InvalidEvent:
        return None
    return next((r for r in made if isinstance(r, Row)), None)


def takers(store: Store, request: bytes) -> list[bytes]:
    """The groups that claimed the support request `request`."""
    return list(dict.fromkeys(s.data["group"] for s in sorted(store.rows(SUPPORT_STATUS, refs=[request]),
                                                               key=lambda s: s.version)
                              if s.data.get("status") == "claimed"))


def listing_state(store: Store, trust: TrustGraph, event_id: bytes, now: int) -> dict[str, Any] | None:
    """A need or offer as the read models show it now (quantity as last adjusted, fulfilled or
    drawn, remaining), with `status` open, withdrawn or lapsed; None if not held."""
    row = row_of(store, trust, event_id)
    if row is None or row.table not in ("need", "offer"):
        return None
    updates = store.rows(NEED_UPDATE if row.table == "need" else OFFER_UPDATE, refs=[event_id])
    fulfils = store.rows(FULFIL, refs=[event_id]) if row.table == "need" else []
    drawn = store.rows(FULFIL, region=offer_key(event_id)) if row.table == "offer" else []
    targets = {f.ref: t for f in drawn if (t := target(store, trust, f.ref)) is not None}
    [item] = needs_and_offers([row], fulfils, now, updates, drawn, targets, every_state=True)
    return item
