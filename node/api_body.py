"""The body of POST /api/v1/events, checked as node/openapi.json describes it, before anything else.

A program gets exactly what the schema promises: a JSON object (sent as application/json), no null
anywhere, text where the schema says text (a JSON number only for a numeric field), enum values
written exactly as listed, `expires_in` as a duration such as 6h. What passes becomes the arguments
of node.publishing.publish, which checks everything else (as for the CLI and the dashboard's forms).
Every refusal names the field at fault; a key or text that is not valid Unicode (a lone surrogate,
which JSON can write) is refused before any refusal quotes it.
"""
from __future__ import annotations

import json
import math
import re
import sys
import zlib
from dataclasses import dataclass
from typing import Any

from crypto.short_ids import MIN_ID_PREFIX_HEX
from events.fields import LIST_TYPES, Field
from events.kinds import KINDS, Kind
from events.sealed import MAX_TO
from node.publishing import GROUP_TEXT_MAX, PUBLISHABLE_KINDS, SIGNERS, typed_fields
from node.render import MONEY_FIELDS
from solnet_errors import KeyedError

JSON = "application/json"
POST_KEYS = ("kind", "fields", "expires_in", "as", "private", "to", "public_note", "time_zone", "offline", "new_region")
EXPIRES_RE = re.compile(r"[0-9]{1,9}(m|min|h|d)")
SURROGATE_RE = re.compile("[\ud800-\udfff]")
# A surrogate in a decoded JSON value comes from one in the text or from a \uD800-\uDFFF escape:
# a body text with neither holds none, and is not searched value by value.
MAYBE_SURROGATE_RE = re.compile("[\ud800-\udfff]|\\\\u[dD][89abcdefABCDEF]")
BROKEN_TEXT = ("it holds half of a UTF-16 surrogate pair (such as \\ud800 alone), which is no character; send "
               "valid UTF-8 text")
NUMERIC_TYPES = ("int",)  # field types a JSON number may be given for (amounts, quantities)

# The exact form a program writes these fields in, by field type (node/openapi.json states the same
# patterns, generated from here). A person typing `solnet publish` is forgiven spaces around a value,
# capitals or other digits; a program gets what its schema says, and whatever it calls invalid is refused.
EVENT_ID = f"[0-9a-fA-F]{{{MIN_ID_PREFIX_HEX},64}}"  # in full, or a unique prefix (node.publishing.resolve_event_id)
FORMS = {
    "id": (EVENT_ID, f"an event id in hex: all 64 characters, or at least the first {MIN_ID_PREFIX_HEX}"),
    "key": ("[0-9a-fA-F]{64}", "a device or group id: 64 hex characters"),
    "ids": (f"{EVENT_ID}( *, *{EVENT_ID})*", "event ids in hex, separated by commas"),
    "region": ("[A-Za-z0-9][A-Za-z0-9-]{0,39}", "a region name such as calais (letters, digits and -, at most 40)"),
    "currency": ("[A-Za-z]{3}", "a three-letter currency code such as EUR"),
    "int": ("[0-9]{1,16}", "a whole number written in digits, such as 12"),
    "money": ("[0-9]{1,13}([.][0-9]{1,2})?", "an amount such as 1500 or 12.50"),
}
# The key of the words (the dashboard's catalogs, error.<key>) and their values that say each form as
# a publish refusal of the same value says it: a client says the refusal in its own language.
FORM_WORDS: dict[str, tuple[str, dict[str, Any]]] = {
    "id": ("event_id_form", {"least": MIN_ID_PREFIX_HEX}), "ids": ("event_id_form", {"least": MIN_ID_PREFIX_HEX}),
    "key": ("hex_key", {}), "region": ("region", {}), "currency": ("currency", {}), "int": ("number", {}),
    "money": ("amount_dot", {}),  # (not `amount`, the dashboard's, which reads "12,50" too: this form does not)
}
# For the schema's text patterns: the characters no text may hold (events.fields.CONTROL_RE, but CR,
# which is read as a line break), and the blank ones (what str.strip() removes: a text of only
# those is "not given").
FORBIDDEN = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
BLANK = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


class BodyError(KeyedError, ValueError):
    """A body refused before publishing: the HTTP status, a stable code, and the field at fault; the
    key of its words and their values where a value of a field is not in its form (KeyedError)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None, key: str | None = None,
                 /, **values: Any) -> None:
        super().__init__(message, key, **values)
        self.status, self.code, self.field = status, code, field


@dataclass(frozen=True)
class PublishRequest:
    kind: str
    texts: dict[str, str]
    expires_in: str | None
    signer: str | None
    private: str | None
    to: list[str]
    public_note: bool
    time_zone: str | None = None  # an IANA name: how times without an offset are read (else the node's zone)
    offline: bool = False  # sign before the node's first sync with a peer (node/chain_gate.py), as --offline
    new_region: bool = False  # a region no one follows yet, on purpose (node/known_regions.py), as --new-region


def _invalid(message: str, field: str, key: str, /, **values: Any) -> BodyError:
    """A 422 of a field of the body, with the key of its words (error.<key>): a client says it in its own language."""
    return BodyError(422, "invalid_field", message, field, key, **values)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")  # Python's json reads NaN and Infinity; JSON has neither


class _KeyTwice(ValueError):
    """One object names a key twice: JSON leaves which one counts to each reader (Python's the last;
    a proxy or a checker in front may read the first), so `"to": [...]` then `"to": []` could pass a
    check as "chosen groups only" and publish in the clear."""


def _one_of_each(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)  # (in C: as many keys as pairs when no key is given twice, the case of every honest body)
    if len(out) == len(pairs):
        return out
    out = {}
    for key, value in pairs:
        if key in out:
            raise _KeyTwice(key)
        out[key] = value
    return out


# Python reads no longer whole number (4,300 digits) and says so as a ValueError, which read as "not
# JSON"; JSON itself sets no bound. A shorter one goes on to the field's own check (422, naming it).
MAX_NUMBER_DIGITS = sys.get_int_max_str_digits()


class _LongNumber(ValueError):
    """A whole number longer than Python reads."""


def _whole_number(text: str) -> int:
    digits = len(text) - text.startswith("-")
    if MAX_NUMBER_DIGITS and digits > MAX_NUMBER_DIGITS:
        raise _LongNumber(digits)
    return int(text)


# made once: json.loads(raw, parse_constant=) makes one a call
_DECODER = json.JSONDecoder(parse_constant=_no_constant, object_pairs_hook=_one_of_each, parse_int=_whole_number)


def decoded(raw: bytes, encoding: str, limit: int) -> bytes:
    """The body as sent before its Content-Encoding (`encoding`, "" for none): identity, gzip or
    deflate, at most `limit` bytes once decompressed; else BodyError (415 an encoding the API does
    not read, such as br or several at once; 400 a body that does not decompress; 413 too large).
    The node reads bodies as they arrive (webapp.serve): an encoding aiohttp does not know would
    otherwise be read as if plain, and one it knows without its library refused in plain text."""
    name = encoding.strip().lower()
    if name in ("", "identity"):
        return raw
    if name not in ("gzip", "x-gzip", "deflate"):
        raise BodyError(415, "unsupported_encoding", f"this API reads bodies sent plain, as gzip or as deflate, not "
                        f"{encoding[:40]!r}; send it without Content-Encoding")
    # gzip; deflate as zlib data, or raw (as some clients send it)
    for wbits in ((16 + zlib.MAX_WBITS,) if name != "deflate" else (zlib.MAX_WBITS, -zlib.MAX_WBITS)):
        inflate = zlib.decompressobj(wbits)
        try:
            out = inflate.decompress(raw, limit + 1)
        except zlib.error:
            continue
        if len(out) > limit:
            raise BodyError(413, "too_large", f"the request body is too large once decompressed; a request is at "
                            f"most {limit // 1024} KiB")
        if inflate.eof and not inflate.unused_data:
            return out
    raise BodyError(400, "bad_request", f"the body does not decompress as its Content-Encoding says ({name}); send "
                    "it uncompressed")


_BOM = b"\xef\xbb\xbf"  # U+FEFF in UTF-8, as .NET's and PowerShell's UTF-8 encoders may write it first


def parse(raw: bytes, content_type: str, charset: str | None = None, sent: str | None = "") -> PublishRequest:
    """The publish arguments in `raw`, or BodyError saying what is wrong (415, 400 or 422). `sent`:
    the Content-Type header as the client sent it (None: none was), which a refusal quotes; aiohttp
    reads one it cannot parse, a list of types, as application/octet-stream, which nobody sent."""
    if content_type != JSON:
        said = "none was sent" if sent is None else f"this one says {(sent or content_type)[:60]!r}"
        raise BodyError(415, "unsupported_media_type", f"the body must be JSON, sent with 'Content-Type: {JSON}' "
                        f"({said})")
    if charset is not None and charset.lower() not in ("utf-8", "utf8"):
        raise BodyError(415, "unsupported_media_type", f"the body must be JSON in UTF-8 (RFC 8259), not "
                        f"{charset[:40]!r}; send it as UTF-8, with 'Content-Type: {JSON}'")
    try:
        text = raw.decode("utf-8", "surrogatepass")  # JSON between systems is UTF-8 (RFC 8259)
        body = _DECODER.decode(text)
    except _KeyTwice as exc:
        raise BodyError(400, "bad_json", f"the key {str(exc)[:40]!r} is given twice in one object: give each key once",
                        str(exc)[:40]) from None
    except _LongNumber as exc:  # JSON, but said "not JSON" by Python's own limit (4,300 digits)
        raise BodyError(400, "bad_json", f"the body holds a number of {exc.args[0]} digits, more than this node reads "
                        f"({MAX_NUMBER_DIGITS}); no field takes such a number") from None
    except RecursionError:  # maybe JSON, nested deeper than Python reads
        raise BodyError(400, "bad_json", "the body nests arrays or objects too deeply to be read; send one object: "
                        "{\"kind\": ..., \"fields\": {...}}") from None
    except (ValueError, UnicodeDecodeError):
        if raw.startswith(_BOM):  # JSON, perhaps, behind what some encoders write first: "not JSON" hid it
            raise BodyError(400, "bad_json", "the body begins with a byte-order mark (the bytes EF BB BF), which JSON "
                            "sent between systems leaves out (RFC 8259): send it without one") from None
        raise BodyError(400, "bad_json", "the body is not JSON; send {\"kind\": ..., \"fields\": {...}}") from None
    if not isinstance(body, dict):
        raise BodyError(400, "bad_json", "the body must be a JSON object: {\"kind\": ..., \"fields\": {...}}")
    if MAYBE_SURROGATE_RE.search(text):
        _refuse_broken_text(body)
    for key, value in body.items():
        if key not in POST_KEYS:
            raise _invalid(f"unknown key {key[:40]!r}; the body takes: {', '.join(POST_KEYS)}", key[:40],
                           "body.unknown_key", name=key[:40], keys=", ".join(POST_KEYS))
        if value is None:
            raise _invalid(f"'{key}' is null: leave it out, or give a value", key, "body.null", name=key)
    name = body.get("kind")
    kind = KINDS.get(name) if isinstance(name, str) and name in PUBLISHABLE_KINDS else None
    if kind is None:
        # (a kind given as a number or a list is not missing: "required" sent the program looking for a key)
        given = (f"unknown kind {name[:40]!r}" if isinstance(name, str) else "'kind' is required" if "kind" not in body
                 else "'kind' must be text")
        raise _invalid(f"{given}: one of {', '.join(PUBLISHABLE_KINDS)}", "kind", "body.kind",
                       kinds=", ".join(PUBLISHABLE_KINDS))
    to = body.get("to", [])
    if (not isinstance(to, list) or len(to) > MAX_TO
            or not all(isinstance(g, str) and g.strip() and len(g) <= GROUP_TEXT_MAX for g in to)):
        raise _invalid(f"'to' is a list of at most {MAX_TO} groups, each by its name, its id (64 hex characters) or "
                       "a unique prefix of its id", "to", "body.to", most=MAX_TO)
    if "to" in body and not to:  # an empty audience is no audience: never read as "every group"
        raise _invalid("'to' is empty: name at least one group that may read it, or leave 'to' out to publish to "
                       "every group", "to", "body.to_empty")
    public_note = body.get("public_note", False)
    if not isinstance(public_note, bool):
        raise _invalid("'public_note' is true or false", "public_note", "body.boolean", name="public_note")
    offline = body.get("offline", False)
    if not isinstance(offline, bool):  # "false" as text would be true to many readers: only a JSON boolean
        raise _invalid("'offline' is true or false (a JSON boolean, not text or a number)", "offline", "body.boolean",
                       name="offline")
    new_region = body.get("new_region", False)
    if not isinstance(new_region, bool):
        raise _invalid("'new_region' is true or false (a JSON boolean)", "new_region", "body.boolean", name="new_region")
    expires_in = _string(body, "expires_in")
    if expires_in is not None and not EXPIRES_RE.fullmatch(expires_in):
        raise _invalid(f"'expires_in' is a duration such as 90m, 6h or 2d, got {expires_in[:40]!r}", "expires_in",
                       "body.expires_in")
    signer = _string(body, "as")
    if signer is not None and signer not in SIGNERS:
        raise _invalid(f"'as' is 'device' or 'group', not {signer[:40]!r}", "as", "body.as")
    return PublishRequest(kind.name, _texts(kind, body.get("fields", {})), expires_in, signer,
                          _string(body, "private"), to, public_note, _string(body, "time_zone"), offline,
                          new_region)


def _broken(value: Any) -> bool:
    """True when `value` (a JSON value) holds, in any key or text, half of a UTF-16 surrogate pair: JSON
    can write one (\\ud800), but it is no character, and nothing can store, sign or send it."""
    stack = [value]
    while stack:  # not recursive: the decoder took as deep a nesting as the stack allows
        item = stack.pop()
        if isinstance(item, str):
            if SURROGATE_RE.search(item):
                return True
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
    return False


def _refuse_broken_text(body: dict[str, Any]) -> None:
    """Refuse a body holding a lone surrogate, naming the key it is in; before anything quotes a key or text."""
    for key, value in body.items():
        if _broken(key):
            raise BodyError(400, "bad_json", f"a key of the body is not text: {BROKEN_TEXT}")
        if key == "fields" and isinstance(value, dict):
            for name, text in value.items():
                if _broken(name):
                    raise _invalid(f"a field name in 'fields' is not text: {BROKEN_TEXT}", "fields", "body.broken_name")
                if _broken(text):  # (a name the client made up, of any length: quoted as an unknown one is)
                    raise _invalid(f"'{name[:40]}' is not text: {BROKEN_TEXT}", name[:40], "body.broken_text",
                                   name=name[:40])
        elif _broken(value):
            raise _invalid(f"'{key[:40]}' is not text: {BROKEN_TEXT}", key[:40], "body.broken_text", name=key[:40])


def _string(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise _invalid(f"'{key}' must be text", key, "body.text", name=key)
    return value


def _texts(kind: Kind, fields: Any) -> dict[str, str]:
    """The field values as text, as a person would type them (node.publishing parses them)."""
    if not isinstance(fields, dict):
        raise _invalid("'fields' is an object of field name to text", "fields", "body.fields")
    typed = _typed(kind)
    texts = {}
    for name, value in fields.items():
        spec = kind.field(name)
        if spec is None or name not in typed:
            raise _invalid(f"{kind.name} has no field {name[:40]!r}; its fields are: {', '.join(typed)}", name[:40],
                           "body.unknown_field", kind=kind.name, name=name[:40], known=", ".join(typed))
        if value is None:
            raise _invalid(f"'{name}' is null: leave it out, or give a value", name, "body.null", name=name)
        numeric = spec.type in NUMERIC_TYPES and isinstance(value, (int, float)) and not isinstance(value, bool)
        # JSON's 1e400 is a number; Python reads it as infinity (a whole number of 400 digits it reads
        # exactly, as an int: made a float to be asked, it failed the request, a 500, until 2026-12-07)
        if numeric and isinstance(value, float) and not math.isfinite(value):
            raise _invalid(f"'{name}' is a number too large for this node to read; it must be "
                           f"{FORMS[form_name(spec)][1]}", name, "body.number_too_large", name=name)
        if isinstance(value, list) and spec.type in LIST_TYPES:  # what a program would send first
            raise _invalid(f"'{name}' is one text, its items separated by commas (\"a, b\"), not a JSON array", name,
                           "body.list_as_text", name=name)
        if not isinstance(value, str) and not numeric:
            what = "text or a number" if spec.type in NUMERIC_TYPES else "text"
            raise _invalid(f"'{name}' must be {what}, as a person would type it", name,
                           "body.text_or_number" if spec.type in NUMERIC_TYPES else "body.text", name=name)
        given = value != "" or spec.required  # an empty text means "not given" for an optional field
        if spec.type == "enum" and given and value not in spec.choices:
            raise _invalid(f"'{name}' must be one of: {', '.join(spec.choices)} (got {str(value)[:40]!r})", name, "choice")
        form = FORMS.get(form_name(spec))
        if form is not None and isinstance(value, str) and given and not _FORM_RES[form[0]].fullmatch(value):
            key, values = FORM_WORDS[form_name(spec)]
            raise _invalid(f"'{name}' must be {form[1]}, got {value[:40]!r}", name, key, **values)
        # A JSON number with a zero fraction (10.0: what many JSON writers make of a whole float) is the
        # whole number JSON Schema reads it as ("integer"), not the text "10.0" a quantity refuses.
        texts[name] = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return texts


_FORM_RES = {pattern: re.compile(pattern) for pattern, _ in FORMS.values()}
_TYPED: dict[str, tuple[Kind, list[str]]] = {}


def _typed(kind: Kind) -> list[str]:
    """`typed_fields(kind)`, made once per kind (a Kind is frozen: its fields never change)."""
    known = _TYPED.get(kind.name)
    if known is None or known[0] is not kind:
        known = _TYPED[kind.name] = (kind, typed_fields(kind))
    return known[1]


def form_name(spec: Field) -> str:
    """The key of FORMS for a field: amounts have their own form, other fields their type's."""
    return "money" if spec.name in MONEY_FIELDS else spec.type
