"""Wire encodings of the sync protocol's messages, one place for all of them.

Every message is a msgpack array whose first item is its type number. Decoding is strict and
bounded (list lengths, sizes, types): a peer that sends anything else broke the protocol.
Messages travel inside SecureChannel frames, so these bytes are never seen on the wire.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import msgpack

from crypto.counted import Counted, TooMany
from events.canonical import claims_come, past_cap
from events.format import MAX_EVENT_BYTES, MAX_SEQ
from sync.errors import RemoteProtocolError

MAX_EVENTS_PER_MESSAGE = 1000
# Bytes of events a node puts in one Events or Push message (at least one event, each at most
# MAX_EVENT_BYTES): a frame carries at most 4 MiB (sync/channel.py), so 500 events of a member
# who seals long texts (60 KiB each) could not go in one; and an alert's frame waits behind one
# message at most.
MAX_BATCH_BYTES = 1024 * 1024
MAX_IDS_PER_MESSAGE = 4096
MAX_HEADS = 200_000  # in one message, as a node of an earlier version may send them (~84,000 fill a frame)
HEAD_PREFIX = 8  # bytes of a head id sent in HEADS: enough to notice a fork, not to forge one
# Heads per message when a node sends more than that: MoreHeads parts, then the last ones in Heads.
# A head takes at most 54 bytes (array, 32-byte key, 9-byte seq, 8-byte id): 2.7 MB per frame.
# One message with every author's heads passed the 4 MiB frame at ~84,000 authors, and then every
# round of that node failed: a hostile group certifying that many devices (one event each) would
# have stopped anti-entropy on every node, the revocation that ends it included.
HEADS_PER_MESSAGE = 50_000
# Heads a node takes from a peer in one round (each costs a look-up; only those of authors it holds
# are kept: sync/link.py), bounded against a peer that invents authors. Far above any network of groups.
MAX_ROUND_HEADS = 400_000


def event_batches(wires: Sequence[bytes]) -> Iterator[tuple[bytes, ...]]:
    """`wires` in order, cut into the event lists of as few messages as the bounds allow (at most
    MAX_EVENTS_PER_MESSAGE events and MAX_BATCH_BYTES bytes each, at least one event)."""
    batch: list[bytes] = []
    size = 0
    for wire in wires:
        if batch and (size + len(wire) > MAX_BATCH_BYTES or len(batch) == MAX_EVENTS_PER_MESSAGE):
            yield tuple(batch)
            batch, size = [], 0
        batch.append(wire)
        size += len(wire)
    if batch:
        yield tuple(batch)


@dataclass(frozen=True, slots=True)
class Offer:
    """Anti-entropy opening: my frontier digest (and event count, for progress)."""
    digest: bytes
    count: int


@dataclass(frozen=True, slots=True)
class Same:
    """Your digest equals mine: nothing to do."""


@dataclass(frozen=True, slots=True)
class Heads:
    """My chain heads: (author, seq, first bytes of the head event's id) per author; the last
    (or only) part of them."""
    heads: tuple[tuple[bytes, int, bytes], ...]


@dataclass(frozen=True, slots=True)
class MoreHeads:
    """A part of my chain heads, as in Heads; more follow, and a Heads message ends them."""
    heads: tuple[tuple[bytes, int, bytes], ...]


def heads_messages(heads: Sequence[tuple[bytes, int, bytes]]) -> list[Heads | MoreHeads]:
    """`heads` as the messages that carry them: MoreHeads parts of HEADS_PER_MESSAGE, then Heads
    with the rest (one Heads message when they fit, as nodes of earlier versions expect)."""
    cuts = range(0, max(len(heads), 1), HEADS_PER_MESSAGE)
    parts = [tuple(heads[i : i + HEADS_PER_MESSAGE]) for i in cuts]
    return [*(MoreHeads(part) for part in parts[:-1]), Heads(parts[-1])]


@dataclass(frozen=True, slots=True)
class Events:
    """A batch of wire events streamed by anti-entropy."""
    events: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class End:
    """I have sent everything you lacked (`sent` events) in this round."""
    sent: int


@dataclass(frozen=True, slots=True)
class Push:
    """Gossip: new events, eagerly pushed."""
    events: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class IHave:
    """Gossip: ids of new events I hold; ask with IWant for those you lack."""
    ids: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class IWant:
    ids: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class Credentials:
    """Right after the handshake: the signed trust events (group-key chains) that certify my
    device, so a peer that has not yet seen them can check my membership."""
    events: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class Error:
    """Why I am closing the connection (a reason code and a sentence)."""
    code: str
    text: str


def _printable(text: str) -> str:
    """A peer's words as this node writes them into its log and onto a terminal (`solnet sync`):
    each character that is not printable is a '?'. A line break forged whole log lines ("WARNING
    your keys are copied: run ..."), an escape sequence rewrote the operator's terminal, and a
    direction mark turned around what followed."""
    return text if text.isprintable() else "".join(c if c.isprintable() else "?" for c in text)


Message = Offer | Same | Heads | MoreHeads | Events | End | Push | IHave | IWant | Error | Credentials
_TYPES: dict[type, int] = {Offer: 1, Same: 2, Heads: 3, Events: 4, End: 5, Push: 6, IHave: 7, IWant: 8, Error: 9,
                           Credentials: 10, MoreHeads: 11}


def encode(message: Message) -> bytes:
    t = _TYPES[type(message)]
    if isinstance(message, Offer):
        body: list = [message.digest, message.count]
    elif isinstance(message, Same):
        body = []
    elif isinstance(message, (Heads, MoreHeads)):
        body = [[list(h) for h in message.heads]]
    elif isinstance(message, (Events, Push, Credentials)):
        body = [list(message.events)]
    elif isinstance(message, End):
        body = [message.sent]
    elif isinstance(message, (IHave, IWant)):
        body = [list(message.ids)]
    else:
        body = [message.code, message.text]
    return msgpack.packb([t, *body], use_bin_type=True)


def _bytes_list(value: object, limit: int, max_len: int, exact: int | None = None) -> tuple[bytes, ...]:
    if not isinstance(value, list) or len(value) > limit:
        raise RemoteProtocolError(f"expected a list of at most {limit} items", "oversize" if isinstance(value, list) else "protocol")
    for item in value:
        if not isinstance(item, bytes) or len(item) > max_len or (exact is not None and len(item) != exact):
            raise RemoteProtocolError("malformed list item")
    return tuple(value)


HEAD_BYTES = 46  # the fewest bytes a head takes: [32-byte key, seq, 8-byte id] (a fixarray, two bins, a fixint)
_HEADS_TYPES = (3, 11)
_LIST_TYPES = (3, 4, 6, 7, 8, 10, 11)  # the messages that hold a list (of heads, events or ids)
_SCALARS_ONLY = 3  # items of a message holding no list: Offer [1, digest, count], Error [9, code, text]


def _items_at_most(t: int, size: int) -> int:
    """The most items any array of a message of type `t` and `size` bytes may claim (msgpack's
    `max_array_len`): its one list's bound (heads: as many as `size` holds), else the message's own
    items. A small item (a negative int, a float, an empty bin) is one to five bytes of msgpack
    and 36-56 bytes built, so a bound by count alone (200,000 items in each of up to `size` / 40
    lists) let a member's 4 MiB frame of small ints build 162 MB, and a stranger's credentials the
    same, before a look at any item (until 2026-12-07)."""
    if t in _HEADS_TYPES:
        return min(MAX_HEADS, size // HEAD_BYTES + 2)
    if t in (4, 6, 10):
        return MAX_EVENTS_PER_MESSAGE
    if t in (7, 8):
        return MAX_IDS_PER_MESSAGE
    return _SCALARS_ONLY


class _Lists(Counted):
    """msgpack's list_hook for one message of type `t` (each array is given complete, the innermost
    first): the one counter (crypto/counted.py) letting through its message's array and at most its
    one list (of events, ids or heads), and a heads message its heads, each [bytes, int, bytes],
    uncounted. The first array past those is refused (TooMany), so junk builds at most a few arrays
    of `_items_at_most` items: two frame-sized lists of honest heads' worth. (Until 2026-12-07 a
    count of lists by the message's size let 4 million empty arrays in, and then arrays of small
    ints, 40 x their size.)"""

    __slots__ = ("heads",)

    def __init__(self, t: int) -> None:
        super().__init__(2 if t in _LIST_TYPES else 1)
        self.heads = t in _HEADS_TYPES

    def __call__(self, items: list) -> list:
        # (a head holds no list: heads nest in no more than the lists counted, whose items are bounded)
        if self.heads and len(items) == 3 and type(items[0]) is bytes and type(items[1]) is int and type(items[2]) is bytes:
            return items
        return super().__call__(items)


def _no_map(value: dict) -> dict:
    """msgpack's object hook: no message holds a map. `max_map_len=0` refuses one with items before
    it is built, but let empty maps through, each a dict of ~70 bytes from one byte and not counted
    by the list budget: a 1 MiB message of them had 72 MB allocated, a frame of 4 MiB ~290 MB
    (until 2026-12-07)."""
    raise RemoteProtocolError("a message holds no map")


def decode(data: bytes) -> Message:
    """Parse one message; RemoteProtocolError for anything not exactly one of ours."""
    # Every message is a short array (a fixarray) whose first item is its type (a positive fixint):
    # the type sets the bounds its arrays are read with (`_items_at_most`, `_Lists`).
    if len(data) < 2 or not 0x91 <= data[0] <= 0x9F or data[1] > 0x7F:
        raise RemoteProtocolError("unreadable message (not a short list starting with its type number)")
    t = data[1]
    try:
        # msgpack makes room for every item an array claims before reading one: 2000 nested arrays
        # of 10 kB, each claiming 200,000 items, had 82 MB allocated at once (until 2026-12-07)
        claims_come(data)
        value = msgpack.unpackb(data, raw=False, max_bin_len=MAX_EVENT_BYTES, max_str_len=1024,
                                max_array_len=_items_at_most(t, len(data)), max_map_len=0, max_ext_len=0,
                                strict_map_key=True, list_hook=_Lists(t), object_hook=_no_map)
    except RemoteProtocolError:
        raise
    except TooMany:
        raise RemoteProtocolError("too many nested lists for a message of its type") from None
    except ValueError as exc:
        if past_cap(exc) == "array":
            raise RemoteProtocolError("a list longer than a message of its type and size holds", "oversize") from None
        raise RemoteProtocolError(f"unreadable message ({type(exc).__name__})") from None
    except (TypeError, msgpack.UnpackException, RecursionError) as exc:
        raise RemoteProtocolError(f"unreadable message ({type(exc).__name__})") from None
    if not isinstance(value, list) or not value or type(value[0]) is not int:
        raise RemoteProtocolError("a message is a list starting with its type")
    t, args = value[0], value[1:]
    try:
        if t == 1 and len(args) == 2 and isinstance(args[0], bytes) and len(args[0]) == 32 and type(args[1]) is int \
                and args[1] >= 0:
            return Offer(args[0], args[1])
        if t == 2 and not args:
            return Same()
        if t in (3, 11) and len(args) == 1 and isinstance(args[0], list) and (t == 3 or args[0]):
            heads = []
            for h in args[0]:
                if (not isinstance(h, list) or len(h) != 3 or not isinstance(h[0], bytes) or len(h[0]) != 32
                        or type(h[1]) is not int or not 1 <= h[1] < MAX_SEQ or not isinstance(h[2], bytes) or len(h[2]) != HEAD_PREFIX):
                    raise RemoteProtocolError("malformed head")
                heads.append((h[0], h[1], h[2]))
            return Heads(tuple(heads)) if t == 3 else MoreHeads(tuple(heads))
        if t in (4, 6, 10) and len(args) == 1:
            events = _bytes_list(args[0], MAX_EVENTS_PER_MESSAGE, MAX_EVENT_BYTES)
            return Events(events) if t == 4 else Push(events) if t == 6 else Credentials(events)
        if t == 5 and len(args) == 1 and type(args[0]) is int and args[0] >= 0:
            return End(args[0])
        if t in (7, 8) and len(args) == 1:
            ids = _bytes_list(args[0], MAX_IDS_PER_MESSAGE, 32, exact=32)
            return IHave(ids) if t == 7 else IWant(ids)
        if t == 9 and len(args) == 2 and isinstance(args[0], str) and isinstance(args[1], str):
            return Error(_printable(args[0][:64]), _printable(args[1][:512]))
    except RemoteProtocolError:
        raise
    raise RemoteProtocolError(f"unknown or malformed message of type {t}")
