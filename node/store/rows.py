"""Typed rows the store returns: named tuples, so positional readers keep working and new code
reads fields by name."""
from __future__ import annotations

from typing import NamedTuple


class EventRow(NamedTuple):
    """One stored event. `header` is the signed header, byte for byte."""

    id: bytes
    author: bytes
    seq: int
    ts: int
    kind: str
    expires: int | None
    header: bytes
    sig: bytes
    body: bytes | None
    body_state: int


class PagedEvent(NamedTuple):
    """An event of a listing: its row number `n` (the order this node stored it in) first."""

    n: int
    id: bytes
    author: bytes
    seq: int
    ts: int
    kind: str
    expires: int | None
    header: bytes
    sig: bytes
    body: bytes | None
    body_state: int


class StoredWire(NamedTuple):
    """An event in wire form with its row number."""

    n: int
    wire: bytes


class Head(NamedTuple):
    """An author's newest stored event; its chain is stored without a gap from seq 1, so `seq` is
    also how many of its events this node holds."""

    author: bytes
    seq: int
    id: bytes


class TakenOut(NamedTuple):
    """An event removed from the log (revoked, or past a fork point), in wire form."""

    id: bytes
    seq: int
    kind: str
    wire: bytes


class TrustRow(NamedTuple):
    id: bytes
    author: bytes
    seq: int
    kind: str
    body: bytes
    ts: int


class PendingRow(NamedTuple):
    """An event kept aside (waiting for an earlier seq or a vouch, or past a revocation)."""

    id: bytes
    seq: int
    wire: bytes


class PendingTrust(NamedTuple):
    author: bytes
    seq: int
    wire: bytes


class ForkRecord(NamedTuple):
    """A kept fork proof: an event, the other event its author signed at that place, its wire form."""

    id: bytes
    other: bytes
    wire: bytes


class PeerRow(NamedTuple):
    address: str
    source: str
    state: str | None


class ProjectionDumpRow(NamedTuple):
    """A read-model row as the rebuild test compares it."""

    table: str
    key: bytes
    region: str | None
    t: int | None
    ref: bytes | None
    vts: int
    vid: bytes
    group: bytes
    public: bool = False  # people without a node may see it (an alert marked public)
    urgent: bool = False  # a need or support request the desk must not leave out (schema.URGENT_SCHEMA)


class OverShare(NamedTuple):
    """A key found signing more than its share of the log (node/author_share.py)."""
    author: bytes
    group: bytes | None
    name: str | None  # its group's name when it was found
    seq: int  # nothing of it is stored from this seq on
    day: int  # the day (of event time, days since 1970) whose share it passed
    seen: int
