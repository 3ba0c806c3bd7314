"""Event times as datetimes to show, whatever an event carries.

The event format accepts any time below 2**53 ms (events/format.py), far past what Python's
datetime can hold (the year 9999): one signed event with a time in the year 10000, gossiped to
every node, made every page, listing and command that showed it fail there, until its author was
revoked. Times are shown clamped to 1970-01-01 .. 9999-12-31 instead; this node's own input is
refused past LATEST_MS (node/field_input.py, node/publishing.py)."""
from __future__ import annotations

from datetime import datetime, timezone, tzinfo

LATEST_MS = 253_402_300_799_000  # 9999-12-31T23:59:59Z, the last second a datetime can hold
_DAY_MS = 86_400_000


def zone_named(name: str) -> tzinfo:
    """The time zone called `name` (IANA, such as Europe/Paris); ValueError if this machine's zone
    database knows none of that name. (zoneinfo is imported here, not at start: 0.35 MiB of a
    running node that only a form or a request with a zone needs.) A name is read as a file of the
    database: a region's folder ("Europe") or a name too long for a file raised OSError, not a refusal."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {name.strip()[:60]!r}") from None


def utc(ms: int) -> datetime:
    """`ms` since 1970 as a UTC datetime, clamped to what a datetime can hold."""
    return datetime.fromtimestamp(min(max(ms, 0), LATEST_MS) / 1000, tz=timezone.utc)


def local(ms: int, zone: tzinfo | None = None) -> datetime:
    """`ms` since 1970 in `zone`, else this machine's time zone (a day short of the limit: a zone
    east of UTC would carry the last day into the year 10000)."""
    seconds = min(max(ms, 0), LATEST_MS - _DAY_MS) / 1000
    return datetime.fromtimestamp(seconds, tz=zone) if zone is not None else datetime.fromtimestamp(seconds).astimezone()
