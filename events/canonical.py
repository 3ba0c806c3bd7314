"""Canonical msgpack: the one encoding of headers, bodies and wire messages.

msgpack-python already picks the shortest integer and string headers; canonical form adds
sorted map keys and forbids floats, extension types and non-UTF-8 strings. A decoder accepts
bytes only if re-encoding the decoded value gives the same bytes back, so every value has
exactly one encoding and ids cannot be varied by re-encoding.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

import msgpack

from crypto.counted import Counted, TooMany
from events.errors import MALFORMED, NON_CANONICAL, InvalidEvent


class _NotCanonical(TypeError):
    pass


# Values `_sorted` returns as they are: these exact types (no subclass) are neither a map, a list
# nor a float. Items of these types are not passed to it at all (a header is ten of them, a body
# mostly): a Python call per item was most of the cost of packing.
_AS_IS = frozenset({str, bytes, int, bool, type(None)})


def _sorted(value: Any) -> Any:
    as_is = _AS_IS
    if isinstance(value, dict):
        str_keys = _STR.issuperset(map(type, value))
        if not str_keys and not all(isinstance(k, str) for k in value):
            raise _NotCanonical("map keys must be strings")
        if str_keys and type(value) is dict and as_is.issuperset(map(type, value.values())):
            return dict(sorted(value.items()))  # (distinct str keys: no two tie, so no value is compared)
        return {k: v if type(v := value[k]) in as_is else _sorted(v) for k in sorted(value)}
    if isinstance(value, (list, tuple)):
        if as_is.issuperset(map(type, value)):  # a header: copied in C
            return list(value)
        return [v if type(v) in as_is else _sorted(v) for v in value]
    if isinstance(value, float):
        raise _NotCanonical("floats are not allowed")
    return value


_local = threading.local()  # a Packer per thread: msgpack.packb builds one per call, 3x the cost of packing a header


def _packb(value: Any) -> bytes:
    packer = getattr(_local, "packer", None)
    if packer is None:
        packer = _local.packer = msgpack.Packer(use_bin_type=True)
    try:
        return packer.pack(value)
    except BaseException:
        _local.packer = None  # whatever it had buffered goes with it
        raise


def pack(value: Any) -> bytes:
    """Encode `value` canonically (maps with sorted string keys; ints, str, bytes, bool, None, lists)."""
    return _packb(_sorted(value))


def unpack(data: bytes, *, what: str = "value", flat: bool = False, parts: int | None = None,
           containers: int | None = None, items: int | None = None) -> Any:
    """Decode canonical msgpack bytes; raise InvalidEvent unless they are exactly the canonical encoding.

    Container and string sizes are capped by the input length, so a small input cannot make
    the decoder allocate a huge object (msgpack bomb).

    `flat`: only the value's own items are checked for canonical form (floats, map keys), not what
    containers among them hold: for a caller that refuses a value holding any container (an event
    header's fields, a body's). Checking a stranger's nested empty lists was a Python call each:
    ~0.4 ms of CPU for a 1 KiB header, before its fields were even looked at.

    `parts`: the value must be an array of at most this many byte strings or nils (an event's
    frame, a handshake message), returned as a tuple: anything else is refused (MALFORMED) as
    msgpack's C unpacker reads it, by its caps (no text, no extension, no map with items, no
    longer array) and by a hook, called as each array is complete, innermost first, that lets one
    array through, of bytes and nils: the value itself, the last one complete. What a stranger
    nested in it is refused at its first inner array but one, never built whole nor walked. (A 29 KiB
    tree of three-item arrays, which the caps alone let through, took 21 M instructions to build;
    refused so, 6 k. Letting every array of bytes through, 9 KiB of them two beside each level of a
    chain a thousand deep took 2,000 calls of the hook, 6.9 M instructions. A chain of one-item
    arrays is built down to msgpack's depth limit, 1024, as tuples: ~0.3 M.)

    `containers`: the most maps and lists the value may hold, itself included; past it `Overfull`
    (MALFORMED) is raised at the first one past, as msgpack's C unpacker completes them (a hook
    counts them: ~1 µs a value, so only for values where it matters). Each is built before it is
    counted, so at most this many are: a 64 KiB body of empty maps in a list built 65,000 of them,
    4.7 MB (73 x its size) in the ingest worker or, a stranger's credentials, the node's own
    database thread, before its kind's rules refused it (until 2026-12-07).

    `items` (with `containers`): the most items any of those maps and lists may hold; one that
    claims more is refused (`Overfull`) at its header, before any of its items is built. Lists of
    plain values are not containers to count, but each item is an object once built: a 64 KiB body
    of one-byte small negative numbers built 41 x its size (until 2026-12-07).
    """
    limit = len(data)
    try:
        # msgpack's defaults (msgpack >= 1.0) for the rest: str as UTF-8, lists, string keys only,
        # strings and bins capped by len(data). Only what differs is given by name (each keyword
        # costs time, and this runs three times per event): its default caps maps at half the
        # length, which would say ValueError where the decoder has always said what it found.
        if parts is None and containers is not None:
            claims_come(data)
            hook = Counted(containers)
            most = limit if items is None else items
            value = msgpack.unpackb(data, max_array_len=most, max_map_len=most, max_ext_len=0,
                                    object_hook=hook, list_hook=hook)
        elif parts is None:
            value = _small_arrays(data)
            if value is _UNREAD:  # (an array of more than 15 items, or bytes that are no value)
                claims_come(data)
                value = msgpack.unpackb(data, max_array_len=limit, max_map_len=limit, max_ext_len=0)
        else:
            value = msgpack.unpackb(data, max_array_len=parts, max_map_len=0, max_str_len=0, max_ext_len=0,
                                    use_list=False, list_hook=_one_array_of_bytes())
    except _NotBytes:
        raise InvalidEvent(MALFORMED, f"{what} must be a list of byte strings") from None
    except TooMany:
        raise Overfull(MALFORMED, f"{what} holds more than {containers} lists and maps") from None
    except (ValueError, TypeError, msgpack.UnpackException, RecursionError) as exc:
        if items is not None and past_cap(exc) is not None:
            raise Overfull(MALFORMED, f"{what} holds a list or map of more than {items} items") from None
        raise InvalidEvent(MALFORMED, f"{what} is not valid msgpack ({type(exc).__name__})") from None
    # msgpack keeps map order on decode, so re-encoding as decoded reproduces the input exactly
    # when every length and integer is in its shortest form; key order and floats are checked
    # apart, which is much cheaper than building a sorted copy of every value.
    if _packb(value) != data:
        raise InvalidEvent(NON_CANONICAL, f"{what} is not in canonical encoding")
    if parts is not None:  # (a tuple of bytes and nils, or an empty map: nothing else to check)
        return value
    try:
        _check_shape(value, 0, not flat)
    except _NotCanonical as exc:
        raise InvalidEvent(NON_CANONICAL, f"{what} is not canonical: {exc}") from None
    return value


class _NotBytes(Exception):
    pass


class Overfull(InvalidEvent):
    """A value holding more maps and lists, or a map or list more items, than `unpack(containers=...,
    items=...)` allows (MALFORMED)."""


_PAST_CAP = re.compile(r"exceeds max_(array|map)_len")


def past_cap(exc: BaseException) -> str | None:
    """"array" or "map" when `exc` is msgpack's refusal of a header claiming more items than its
    `max_array_len` / `max_map_len`, else None. msgpack says so only in its English words (a
    ValueError, the same text from its C extension and its pure-Python fallback): this is the one
    place that reads them, and tests/events/test_past_cap_words.py fails if they change."""
    found = _PAST_CAP.search(str(exc)) if isinstance(exc, ValueError) else None
    return found.group(1) if found else None


_LONG_HEADERS = {0xDC: 2, 0xDD: 4, 0xDE: 2, 0xDF: 4}  # array16, array32, map16, map32: their count's bytes
_STR_STARTS = frozenset({*range(0xA0, 0xC0), 0xD9, 0xDA, 0xDB})  # a msgpack str's first byte


def key_of_long_value(data: bytes, items: int) -> str | None:
    """The key of the first value in `data`, a map, that is a list or a map claiming more than
    `items` items, found by reading up to it: its keys read, the values before it skipped, nothing
    else built; None if the map's first `items` entries hold none (or its keys are not all text).
    For a refusal's words: `unpack(items=...)` says only that some list or map is too long."""
    try:
        # (a buffer of the data's size: msgpack's default is 1 MiB)
        walker = msgpack.Unpacker(max_ext_len=0, read_size=len(data), max_buffer_size=len(data))
        walker.feed(data)
        for _ in range(min(walker.read_map_header(), items)):
            if data[walker.tell()] not in _STR_STARTS:
                return None
            key = walker.unpack()
            at = walker.tell()
            size = _LONG_HEADERS.get(data[at])
            if size is not None and int.from_bytes(data[at + 1:at + 1 + size], "big") > items:
                return key
            walker.skip()
    except (ValueError, TypeError, IndexError, msgpack.UnpackException, RecursionError):
        return None
    return None


_UNREAD = object()
_FIXARRAY_MAX = 15  # the most items an array's one-byte header (fixarray) can claim


def _small_arrays(data: bytes) -> Any:
    """`data`'s value if none of its arrays claims more than 15 items, else `_UNREAD` (as for bytes
    that are no value at all: `unpack` then walks and decodes them as before, and says why).
    A value read so is the one `claims_come` and the capped decode would give: the same grammar,
    with lower caps. msgpack makes room for at most 15 items an array before reading them, as for
    a value written with fixarrays only, which the walk never looked at. Headers and most bodies
    hold no array of more than 15 items, but ids, keys and hashes are random bytes, so `claims_come`'s
    look for a byte 0xdc or 0xdd found one in ~60 % of headers and walked them (5.5 k instructions
    an event, 2026-12-07: the walk is what costs, not this decode)."""
    try:
        return msgpack.unpackb(data, max_array_len=_FIXARRAY_MAX, max_ext_len=0)
    except (ValueError, TypeError, msgpack.UnpackException, RecursionError):
        return _UNREAD


_LONG_ARRAYS = (b"\xdc", b"\xdd")  # the first bytes of an array16's and an array32's header


def claims_come(data: bytes) -> None:
    """Raise (msgpack's OutOfData, StackError, ...) unless every container `data` opens gets the
    items it claims: walked in C, nothing built (`Unpacker.skip`). msgpack's decoder makes room for
    every item an array claims before reading one, and holds 1,024 arrays open: a 64 KiB body of
    nested arrays each claiming 63,000 items had 82 MB allocated at once, a 1 KiB header 2.8 MB
    (until 2026-12-07). Once the claims are known to come, each item's room holds one that came.
    Walked only when `data` may hold an array header that claims more than 15 items (a byte 0xdc or
    0xdd); an Unpacker is reused per thread for values up to `_KEPT_BYTES` (a new one costs ~45 k
    instructions). Also for sync messages (sync/messages.py)."""
    if data.find(_LONG_ARRAYS[0]) < 0 and data.find(_LONG_ARRAYS[1]) < 0:  # (memchr; count was 4 x the walk)
        return  # (no array has room for more than 15 items)
    kept = len(data) <= _KEPT_BYTES
    walker = getattr(_local, "walker", None) if kept else None
    if walker is None:
        walker = msgpack.Unpacker(max_ext_len=0, read_size=4096)  # (its buffer grows as fed, never shrinks)
        if kept:
            _local.walker = walker
    start = walker.tell()
    try:
        walker.feed(data)
        walker.skip()
    except BaseException:
        if kept:  # (its position tells nothing then: it may still hold arrays open)
            _local.walker = None
        raise
    if kept and walker.tell() - start != len(data):  # bytes left over: not to be fed again
        _local.walker = None


_KEPT_BYTES = 4096  # a walker kept for the next values (~41 kB of msgpack's stack) keeps a buffer as
# large as the largest it walked: a header, a short body, never a long body or a sync message (the
# node's memory is within ~1 MiB of its budget; a new walker's ~45 k instructions are little beside
# the hash of a long body)


_BYTES_OR_NIL = frozenset({bytes, type(None)})


def _one_array_of_bytes() -> Callable[[tuple], tuple]:
    """msgpack's list hook for one `unpack(parts=...)`, given each array as it is complete, the
    innermost first: the first passes if it holds only bytes and nils, any other is refused (a
    value's arrays are complete before it, so only the value itself may be one of bytes)."""
    first = True

    def hook(items: tuple) -> tuple:
        nonlocal first
        if first and _BYTES_OR_NIL.issuperset(map(type, items)):
            first = False
            return items
        raise _NotBytes

    return hook


_CHECKED = (dict, list, float, msgpack.ExtType)
_CHECKED_TYPES = frozenset(_CHECKED)
_STR = frozenset({str})
MAX_DEPTH = 16  # no solnet value nests deeper; a limit keeps hostile nesting cheap and recursion-safe


def _check_shape(value: Any, depth: int, nested: bool = True) -> None:
    t = type(value)
    if depth > MAX_DEPTH:
        raise _NotCanonical(f"nested more than {MAX_DEPTH} levels deep")
    if t is dict:
        keys = list(value)
        if not _STR.issuperset(map(type, keys)) or keys != sorted(keys):
            raise _NotCanonical("map keys must be strings in sorted order")
        items = value.values()
    elif t is list:
        items = value
    elif t is float:
        raise _NotCanonical("floats are not allowed")
    elif t is msgpack.ExtType:
        raise _NotCanonical("extension types are not allowed")
    else:
        return
    if _CHECKED_TYPES.isdisjoint(map(type, items)):  # only plain values (a header, most bodies): no loop
        return
    if not nested:  # (`unpack(flat=True)`: containers among the items are the caller's to refuse)
        types = set(map(type, items))
        if float in types or msgpack.ExtType in types:
            _check_shape(next(i for i in items if type(i) in (float, msgpack.ExtType)), depth + 1)
        return
    for item in items:
        if type(item) in _CHECKED:
            _check_shape(item, depth + 1)
