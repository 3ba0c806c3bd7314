"""Turning what a person typed (CLI options, web form fields) into typed body fields.

Amounts are typed in major units ("1500" or "12.50") and stored in minor units; times are ISO
8601, read in the node's local time zone when no offset is given; lists are comma-separated.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from events.fields import Field
from node.moments import LATEST_MS
from node.render import MONEY_FIELDS
from solnet_errors import SolnetError

_DURATION_RE = re.compile(r"^(\d+)\s*(m|min|h|d)$")
_KEY_RE = re.compile(r"[0-9a-fA-F]{64}")


class InputError(SolnetError, ValueError):
    """A typed value that cannot become a field; the message says what form is expected."""

    reason, http_status = "bad_input", 422


def zone_of(name: str | None) -> tzinfo | None:
    """The time zone called `name` (IANA, such as Europe/Paris); None for this machine's own."""
    if name is None or not name.strip():
        return None
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"{name.strip()[:60]!r} is not a time zone this machine knows; give one like "
                         "Europe/Paris or Europe/London") from None


def parse_time(text: str, time_zone: str | None = None) -> int:
    """Milliseconds since 1970 of an ISO 8601 date and time; without an offset it is read in
    `time_zone` (an IANA name; else this machine's own zone). One before 1970 is refused (events
    carry none: a 1900 date is a typo)."""
    zone = zone_of(time_zone)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if moment.tzinfo is None:  # naive: in the zone the form or the terminal said
            moment = moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()
        ms = int(moment.timestamp() * 1000)
    except (ValueError, OverflowError, OSError):  # OverflowError, OSError: beyond what the clock can say
        raise InputError(f"{text!r} is not a date and time; write it like 2026-12-01T18:00") from None
    if ms <= 0:
        raise InputError(f"{text!r} is before 1970: give a date and time from 1970 on, like 2026-12-01T18:00")
    if ms > LATEST_MS:
        raise InputError(f"{text!r} is after the year 9999: give a date and time like 2026-12-01T18:00")
    return ms


def parse_duration_ms(text: str) -> int:
    match = _DURATION_RE.match(text.strip())
    if not match:
        raise InputError(f"{text!r} is not a duration; write it like 90m, 6h or 2d")
    n, unit = int(match.group(1)), match.group(2)
    return n * {"m": 60_000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}[unit]


def parse_money(text: str) -> int:
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():  # Decimal reads "NaN" and "Infinity" too
        raise InputError(f"{text!r} is not an amount; write it like 1500 or 12.50")
    minor = amount * 100
    if minor != minor.to_integral_value():
        raise InputError(f"{text!r} has more than two decimals")
    return int(minor)


def parse_value(field: Field, text: str, resolve_id: Callable[[str], bytes], time_zone: str | None = None) -> Any:
    """Convert `text` for `field`; ids go through `resolve_id` (full hex or a unique prefix), times
    without an offset are read in `time_zone` (else this machine's zone)."""
    kind = field.type
    if kind == "int":
        if field.name in MONEY_FIELDS:
            return parse_money(text)
        try:
            return int(text)
        except ValueError:
            raise InputError(f"'{field.name}' must be a whole number, got {text!r}") from None
    if kind == "time":
        return parse_time(text, time_zone)
    if kind == "enum":
        value = text.strip().lower().replace(" ", "_").replace("-", "_")
        return value if value in field.choices else text  # let validation list the choices
    if kind == "id":
        return resolve_id(text)
    if kind == "key":
        if not _KEY_RE.fullmatch(text.strip()):
            raise InputError(f"'{field.name}' must be a 64-character hex key")
        return bytes.fromhex(text.strip())
    if kind in ("languages", "texts"):
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind == "urls":  # links hold no spaces; commas between them are forgiven
        return [part for part in re.split(r"[\s,]+", text) if part]
    if kind == "ids":
        return [resolve_id(part.strip()) for part in text.split(",") if part.strip()]
    if kind == "region":
        return text.strip().lower()
    if kind == "currency":
        return text.strip().upper()
    return text.replace("\r\n", "\n").replace("\r", "\n")  # web forms send CRLF
