"""Field types of event bodies: each checks one value and says, in words, what is wrong with it."""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from events.control_chars import CONTROL_RE
from events.errors import quoted
from events.format import MAX_TIMESTAMP_MS, matched
from solnet_errors import KeyedError, Said

REGION_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
REGION_WORDS = "a region name such as calais or grande-synthe (letters, digits and -, at most 40)"  # (any case where typed)
LANGUAGE_RE = re.compile(r"[a-z]{2,3}")
CURRENCY_RE = re.compile(r"[A-Z]{3}")


class FieldError(KeyedError, ValueError):
    """A body field that does not meet its type; the message names the field and the rule."""

    reason, http_status = "bad_field", 422


class Field(NamedTuple):
    """One body field. `type` is one of: text, enum, int, time, id, key, signature, languages, url,
    bytes, region, currency, ids, texts, urls. An id field may name the kind of event it `refers_to`.
    (A named tuple, not a frozen dataclass: `dataclasses` loads `inspect` and `ast`, 1.1 MiB of
    an ingest worker's memory, node/verify_worker.py, for a record it only reads.)"""

    name: str
    type: str
    required: bool = False
    max_len: int = 200
    choices: tuple[str, ...] = ()
    minimum: int = 0
    maximum: int = 2**53
    help: str = ""
    refers_to: str = ""

    def check(self, value: Any) -> None:
        problem = _CHECKS[self.type](self, value)
        if problem:
            raise FieldError.said(problem, f"field '{self.name}' ")

    @property
    def rule(self) -> Callable[[Field, Any], Said | None]:
        """The function that says what is wrong with a value of this field (None: nothing; its words
        carry their key, Said), for
        loops that check many (events.kinds.check_fields): `check` raises instead."""
        return _CHECKS[self.type]


def _text(f: Field, v: Any) -> Said | None:
    if not isinstance(v, str):
        return Said("must be text", "text")
    if not v or v.isspace():  # (what `not v.strip()` says, without the copy: the same whitespace)
        return Said("must not be empty", "required")
    if len(v) > f.max_len:
        return Said(f"is {len(v)} characters, the limit is {f.max_len}", "too_long", length=len(v), limit=f.max_len)
    # Every character CONTROL_RE finds is unprintable (Cc or Cf), so printable text needs no search:
    # most text, read in C several times faster than the regex reads it (ingest runs this per field).
    if not v.isprintable() and CONTROL_RE.search(v):
        return Said("contains control characters", "control")
    return None


def _enum(f: Field, v: Any) -> Said | None:
    if v not in f.choices:
        return Said(f"must be one of: {', '.join(f.choices)} (got {quoted(v)})", "choice")
    return None


def _int(f: Field, v: Any) -> Said | None:
    if type(v) is not int or not f.minimum <= v <= f.maximum:
        return Said(f"must be a whole number from {f.minimum} to {f.maximum}", "number_range", low=f.minimum,
                    high=f.maximum)
    return None


def _time(f: Field, v: Any) -> Said | None:
    if type(v) is not int or not 0 < v < MAX_TIMESTAMP_MS:
        return Said("must be a date and time after 1 January 1970", "time")
    return None


def _id(f: Field, v: Any) -> Said | None:
    if not isinstance(v, bytes) or len(v) != 32:
        return Said("must be a 32-byte id", "id_bytes")
    return None


def _signature(f: Field, v: Any) -> Said | None:
    if not isinstance(v, bytes) or len(v) != 64:
        return Said("must be a 64-byte signature", "signature")
    return None


def _ids(f: Field, v: Any) -> Said | None:
    if not isinstance(v, list) or not 0 < len(v) <= f.maximum:
        return Said(f"must be a list of 1 to {f.maximum} ids", "list", most=f.maximum)
    if any(not isinstance(x, bytes) or len(x) != 32 for x in v):
        return Said("must hold only 32-byte ids", "id_bytes")
    return None


MAX_LANGUAGES = 8  # in a "languages" field
LIST_TYPES = frozenset({"ids", "languages", "urls", "texts"})  # the types whose values are lists


def most_items(f: Field) -> int:
    """The most items a value of `f`, a field of one of LIST_TYPES, may hold."""
    return MAX_LANGUAGES if f.type == "languages" else f.maximum


def _languages(f: Field, v: Any) -> Said | None:
    if not isinstance(v, list) or len(v) > MAX_LANGUAGES:
        return Said(f"must be a list of at most {MAX_LANGUAGES} language codes such as en, fr, ar", "languages")
    for x in v:
        if not (type(x) is str and x in _GOOD_LANGUAGES or matched(_GOOD_LANGUAGES, LANGUAGE_RE, x)):
            return Said(f"must be a list of at most {MAX_LANGUAGES} language codes such as en, fr, ar", "languages")
    return None


_GOOD_REGIONS: set[str] = set()
_GOOD_LANGUAGES: set[str] = set()


def _list_of(f: Field, v: Any, what: str, check: Any) -> Said | None:
    """A list of 1 to f.maximum values, each passing `check`."""
    if not isinstance(v, list) or not 0 < len(v) <= f.maximum:
        return Said(f"must be a list of 1 to {f.maximum} {what}", "list", most=f.maximum)
    return next((problem for x in v if (problem := check(f, x))), None)


def _texts(f: Field, v: Any) -> Said | None:
    return _list_of(f, v, "texts", _text)


def _url(f: Field, v: Any) -> Said | None:
    problem = _text(f, v)
    if problem:
        return problem
    parts = urlsplit(v)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return Said("must be an http(s) link", "link")
    return None


def _urls(f: Field, v: Any) -> Said | None:
    return _list_of(f, v, "links", _url)


def _bytes(f: Field, v: Any) -> Said | None:
    if not isinstance(v, bytes) or not 0 < len(v) <= f.max_len:
        return Said(f"must be 1 to {f.max_len} bytes", "bytes", most=f.max_len)
    return None


def _region(f: Field, v: Any) -> Said | None:
    if not (type(v) is str and v in _GOOD_REGIONS or matched(_GOOD_REGIONS, REGION_RE, v)):
        return Said("must be a region name in lowercase letters, digits and dashes (e.g. calais, north-wales)",
                    "region")
    return None


def _currency(f: Field, v: Any) -> Said | None:
    if not isinstance(v, str) or not CURRENCY_RE.fullmatch(v):
        return Said("must be a three-letter currency code such as EUR or GBP", "currency")
    return None


_CHECKS = {
    "text": _text,
    "enum": _enum,
    "int": _int,
    "time": _time,
    "id": _id,
    "key": _id,
    "signature": _signature,
    "ids": _ids,
    "languages": _languages,
    "texts": _texts,
    "url": _url,
    "urls": _urls,
    "bytes": _bytes,
    "region": _region,
    "currency": _currency,
}
