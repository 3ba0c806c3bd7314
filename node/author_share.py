"""How much of the log one key may fill in a day: a pure decision, the same on every node.

A member's device (or a stolen copy of its key) can sign valid events as fast as it likes, of a
kind this version does not know yet (stored as they are, for the version that will) and with a
body of up to 64 KiB each. Peers' rate limits only slow such a flood (one device filled every
node's disk at ~10 MiB/s); this share bounds what it leaves on disk.

Each key (device or group key) may add SHARE_LIMITS.bytes_per_day of events (`cost`: header,
signature and declared body length, whether or not the body came) per day of event time. The
day of an event is that of the highest timestamp of its chain up to it (timestamps are the
author's claims: a day of its own for each back-dated event would be no bound; times more than
10 minutes ahead of a node's clock are refused there until they are not). The count is made in
seq order along the chain, so whether an event fits is a function of its chain alone: every node
decides the same, whatever order events come in. An event past the share is not stored (reason
OVER_SHARE, the author's doing, not the forwarding peer's); its chain cannot go on past it, so
the key's later events are never stored either: they wait aside within the key's share of that
queue (node/pending_queue.py) until they age out. The key has to be revoked and replaced.

Sized so that honest use never meets it: the largest honest events are sealed ones and support
requests and claims with up to 60 KiB of encrypted details; 32 MiB a day is 500 of those, or
some 80,000 ordinary events of 400 bytes (nearly one a second all day). The cost of a
flood is then 32 MiB per key per day on every node, until its group or the group's admitter
revokes it; a group key certifying many devices multiplies it (each vouch is in the log, signed
by that group, for everyone to see).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


DAY_MS = 86_400_000
SIGNATURE_BYTES = 64


@dataclass(frozen=True)
class ShareLimits:
    bytes_per_day: int = 32 * 1024 * 1024


SHARE_LIMITS = ShareLimits()


class Share(NamedTuple):
    """A key's use of its share as of its event at `seq`: the day its chain reached, and the bytes
    its events counted in that day so far. (A named tuple: ingest makes one per event stored, and
    a frozen dataclass's __init__ cost three object.__setattr__ calls a time.)"""

    seq: int
    day: int
    used: int


_new = tuple.__new__  # (a named tuple's own __new__ is a Python function)
NOTHING_YET = Share(0, -1, 0)  # before a key's first event


def cost(header_bytes: int, body_len: int) -> int:
    """What an event counts against its author's share: its signed header, its signature and the
    body its header declares (a stub counts as its whole event: the body may come later)."""
    return header_bytes + SIGNATURE_BYTES + body_len


def after(before: Share, seq: int, timestamp: int, size: int) -> Share:
    """The share counted with the event at `seq` (stamped `timestamp`, costing `size`) that follows
    `before` in its chain, whether or not it fits."""
    _, before_day, used = before
    day = max(before_day, timestamp // DAY_MS)
    return _new(Share, (seq, day, (used if day == before_day else 0) + size))


def charge(before: Share, seq: int, timestamp: int, size: int, limits: ShareLimits | None = None) -> Share | None:
    """`after`, or None if the event does not fit."""
    limits = SHARE_LIMITS if limits is None else limits  # read at each call: tests lower it
    share = after(before, seq, timestamp, size)
    return share if share.used <= limits.bytes_per_day else None


def replay(chain: list[tuple[int, int, int]]) -> Share:
    """The share as of the last of `chain`, (seq, timestamp, size) in seq order: for a log stored
    before shares were counted (or after events left it). Stored events count whether or not they
    fit (they are in the log)."""
    share = NOTHING_YET
    for seq, timestamp, size in chain:
        share = after(share, seq, timestamp, size)
    return share


def share_words(limits: ShareLimits | None = None) -> str:
    """The share in words: '32 MiB'."""
    limits = SHARE_LIMITS if limits is None else limits
    return f"{limits.bytes_per_day / (1024 * 1024):g} MiB"

