"""Turning what a person typed (CLI options, web form fields) into typed body fields.

Amounts are typed in major units ("1500", "12.50" or "12,50") and stored in minor units; times are ISO
8601, read in the node's local time zone when no offset is given; lists are comma-separated.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone, tzinfo
from typing import Any

from events.fields import Field
from node import moments
from node.moments import LATEST_MS
from node.render import MONEY_FIELDS
from solnet_errors import KeyedError

_DURATION_RE = re.compile(r"^(\d+)\s*(m|min|h|d)$")
_KEY_RE = re.compile(r"[0-9a-fA-F]{64}")
_DATE_ALONE_RE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")


class InputError(KeyedError, ValueError):
    """A typed value that cannot become a field; the message says what form is expected, its key and
    values how a page says it (KeyedError)."""

    reason, http_status = "bad_input", 422


class NotOneMoment(InputError):
    """A date and time the clocks skip or show twice in its zone (the nights they change)."""


def zone_of(name: str | None) -> tzinfo | None:
    """The time zone called `name` (IANA, such as Europe/Paris); None for this machine's own."""
    if name is None or not name.strip():
        return None
    try:
        return moments.zone_named(name)
    except ValueError:
        raise InputError(f"{name.strip()[:60]!r} is not a time zone this machine knows; give one like "
                         "Europe/Paris or Europe/London", "time_zone", zone=name.strip()[:60]) from None


def parse_time(text: str, time_zone: str | None = None) -> int:
    """Milliseconds since 1970 of an ISO 8601 date and time; without an offset it is read in
    `time_zone` (an IANA name; else this machine's own zone). One before 1970 is refused (events
    carry none: a 1900 date is a typo)."""
    zone = zone_of(time_zone)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        if moment.tzinfo is None:  # naive: in the zone the form or the terminal said
            _one_moment(text.strip(), moment, zone, time_zone)
            moment = moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()
        ms = int(moment.timestamp() * 1000)
    except InputError:  # (a ValueError: said as it is)
        raise
    except (ValueError, OverflowError, OSError):  # OverflowError, OSError: beyond what the clock can say
        raise InputError(f"{text!r} is not a date and time; write it like 2026-12-01T18:00", "time") from None
    if ms <= 0:
        raise InputError(f"{text!r} is before 1970: give a date and time from 1970 on, like 2026-12-01T18:00",
                         "time_before_1970")
    if ms > LATEST_MS:
        raise InputError(f"{text!r} is after the year 9999: give a date and time like 2026-12-01T18:00", "time")
    return ms


def _one_moment(text: str, naive: datetime, zone: tzinfo | None, zone_name: str | None) -> None:
    """Refuse a wall-clock time that is not one moment in its zone (`zone`, else this machine's): on
    the night clocks go forward (02:30 in Paris, 01:30 in London) it never happens, on the night they
    go back it happens twice. Either was silently made one of them (an action at 02:30 listed at
    03:30; one from 02:30 to 03:15 on the night clocks go back lasted 1 h 45 min), so a group met
    at another hour than it meant."""
    def at(fold: int) -> datetime:
        moment = naive.replace(fold=fold)
        return moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()

    def wall(moment: datetime) -> datetime:  # the clocks of the zone at that moment (by UTC: a datetime
        utc = moment.astimezone(timezone.utc)  # already in `zone` is not converted to it again)
        return (utc.astimezone(zone) if zone is not None else utc.astimezone()).replace(tzinfo=None, fold=0)

    first, second = at(0), at(1)
    if first.utcoffset() == second.utcoffset():
        return
    where = f"in {zone_name.strip()}" if zone is not None and zone_name else "in this machine's time zone"
    if wall(first) != naive or wall(second) != naive:  # the gap: neither offset gives back the time typed
        later = max(first, second, key=lambda m: m.timestamp())  # as the clocks would say it had they not moved
        moment = wall(later).isoformat(timespec="minutes")
        raise NotOneMoment(f"{text!r} does not exist {where}: the clocks go forward that night and skip it. "
                           f"Write the time the clocks will show ({moment} is the same moment), or give an offset",
                           "time_skipped", moment=moment.replace("T", " "))
    first, second = sorted((first, second), key=lambda m: m.timestamp())
    typed = naive.isoformat(timespec="minutes")
    offsets = [f"{m.strftime('%z')[:3]}:{m.strftime('%z')[3:]}" for m in (first, second)]
    raise NotOneMoment(f"{text!r} happens twice {where}: the clocks go back that night. Say which with its offset: "
                       f"{typed}{offsets[0]} for the first ({first.strftime('%Z')}), "
                       f"{typed}{offsets[1]} for the second ({second.strftime('%Z')})",
                       "time_twice", first=f"{typed}{offsets[0]}".replace("T", " "),
                       second=f"{typed}{offsets[1]}".replace("T", " "))


def _with_its_time(text: str) -> str:
    """`text`, unless it is a date alone: read as that day's 00:00, an offer `--until 2026-12-10`
    lapsed as the 10th began, a fundraiser's end a day early, an action started at midnight; none
    said so. A field's time is a moment (`ls --since` reads a date as its start, as people mean)."""
    match = _DATE_ALONE_RE.match(text.strip())
    if match is None:
        return text
    day = "-".join(match.groups())
    raise InputError(f"{text.strip()!r} is a date without a time: give the time too, like {day}T18:00 "
                     f"({day}T23:59 for the end of that day)", "time_date_alone", day=day)


def parse_duration_ms(text: str) -> int:
    match = _DURATION_RE.match(text.strip())
    if not match:
        raise InputError(f"{text!r} is not a duration; write it like 90m, 6h or 2d", "duration")
    if len(match.group(1)) > 30:  # (past any span; int() refuses 4300 digits with a ValueError, a traceback)
        raise InputError(f"{text.strip()[:40]!r}... is not a duration: too many digits; write it like 90m, 6h or 2d",
                         "duration")
    n, unit = int(match.group(1)), match.group(2)
    return n * {"m": 60_000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}[unit]


def parse_since(text: str, now: int) -> int:
    """Milliseconds since 1970 of "since when" as a person says it: a span back from `now` (90m,
    6h, 1d: "in the last day") or a date and time (as parse_time reads it). A span back past 1970
    is every event (0): events carry no earlier time, and 99999999999999999999d was a number past
    what SQLite and a bundle's header hold (`ls` and `export` died of it)."""
    if _DURATION_RE.match(text.strip()):
        return max(0, now - parse_duration_ms(text))
    try:
        return parse_time(text)
    except NotOneMoment:  # a date and time, one the clocks skip or show twice: said so
        raise
    except InputError:
        raise InputError(f"{text!r} is neither a span back from now (90m, 6h, 1d) nor a date and time "
                         "(2026-12-01T18:00)", "since") from None


# How people write an amount: digits, grouped by thousands or not (1500, 1,500, 1 500, 1.500,
# 1'500), and at most one decimal mark, a point or a comma followed by one or two digits
# (12.50, 12,50). A signed amount cannot be corrected once it has spread, so the reading is
# never a guess: "12,50" is 12.50 and "1,500" is 1500, but "1.500" (1500 in much of Europe, 1.5
# elsewhere) is refused with a question.
_GROUP_MARKS = " \u00a0\u202f'\u2019"  # spaces (plain, no-break, narrow no-break) and apostrophes
_AMOUNT_RE = re.compile(r"([+-]?)(\d[\d.,]*|[.,]\d{1,2})")
_GROUPED_RE = re.compile(r"\d{1,3}(?:[.,]\d{3})+")  # one mark between groups of three digits
MAX_AMOUNT_DIGITS = 20  # far beyond any amount a field takes (10^12): the rest is a typo


def parse_money(text: str) -> int:
    """An amount typed in major units ("1500", "1,500.50", "12,50", "1 500,50") in minor units (cents)."""
    match = _AMOUNT_RE.fullmatch("".join(c for c in text.strip() if c not in _GROUP_MARKS))
    if match is None or len(match.group(2)) > MAX_AMOUNT_DIGITS:
        raise InputError(f"{text!r} is not an amount; write it like 1500 or 12.50", "amount")
    sign, digits = match.groups()
    whole, decimals = _split_amount(text, digits)
    cents = int(whole or "0") * 100 + int((decimals + "00")[:2])
    return -cents if sign == "-" else cents


def _split_amount(text: str, digits: str) -> tuple[str, str]:
    """(whole units, decimals) of `digits`: digits with group marks and at most one decimal mark."""
    marks = [c for c in digits if c in ".,"]
    if not marks:
        return digits, ""
    at = max(digits.rfind("."), digits.rfind(","))
    head, mark, tail = digits[:at], digits[at], digits[at + 1:]
    # thousands never begin with a group of zeros: "0,500" is half a euro with three decimals, not 500,
    # and "0.500,50" is no 500.50
    grouped_head = head[:1] != "0" and mark not in head and _GROUPED_RE.fullmatch(head)
    if len(tail) in (1, 2) and (head.isdigit() or not head or grouped_head):
        return head.replace(".", "").replace(",", ""), tail  # 12.50, 12,50, 1,500.50, 1.500,50
    thousands = digits[0] != "0" and _GROUPED_RE.fullmatch(digits)
    if len(set(marks)) == 1 and thousands and (len(marks) > 1 or mark == ","):
        return digits.replace(mark, ""), ""  # 1,500 or 1.500.000: thousands
    if len(marks) == 1 and tail.isdigit() and len(tail) > 2:
        question = (f", or is it {head}{tail}? Write {head}{tail} for thousands"
                    if len(tail) == 3 and mark == "." and head.strip("0") else "")
        raise InputError(f"{text!r} has more than two decimals{question}", "amount")  # 12.505, or 1.500 in much of Europe
    raise InputError(f"{text!r} is not an amount; write it like 1500 or 12.50", "amount")


def _joined_digits(text: str) -> str | None:
    """The digits of a whole number written with thousands separators (1,000, 1.000, 1 000, 1'000),
    to say how to write it: a quantity is not read from them ("1.000" is 1 to some, 1000 to others)."""
    bare = "".join(c for c in text.strip() if c not in _GROUP_MARKS)
    if (bare != text.strip() and bare.isdigit()) or _GROUPED_RE.fullmatch(bare):
        return re.sub(r"[.,]", "", bare)
    return None


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
            if (joined := _joined_digits(text)) is not None:  # 1,000 or 1 000: never read as 1 or 1000 by guess
                raise InputError(f"'{field.name}' must be a whole number written without separators: {joined} "
                                 f"(not {text.strip()!r})", "number_separators", digits=joined) from None
            raise InputError(f"'{field.name}' must be a whole number, got {text!r}", "number") from None
    if kind == "time":
        return parse_time(_with_its_time(text), time_zone)
    if kind == "enum":
        value = text.strip().lower().replace(" ", "_").replace("-", "_")
        return value if value in field.choices else text  # let validation list the choices
    if kind == "id":
        return resolve_id(text)
    if kind == "key":
        if not _KEY_RE.fullmatch(text.strip()):
            raise InputError(f"'{field.name}' must be a 64-character hex key", "hex_key")
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
