"""The wire encodings of sync messages: every type round-trips, and the decoder refuses anything
else (malformed, oversized, msgpack bombs) with RemoteProtocolError and nothing but RemoteProtocolError.

Pure: bytes in, messages out; no sockets."""
from __future__ import annotations

import struct

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.format import MAX_EVENT_BYTES, MAX_SEQ
from sync.channel import SecureChannel
from sync.messages import (
    HEAD_PREFIX,
    MAX_BATCH_BYTES,
    MAX_EVENTS_PER_MESSAGE,
    HEADS_PER_MESSAGE,
    MAX_HEADS,
    MAX_IDS_PER_MESSAGE,
    Credentials,
    End,
    Error,
    Events,
    Heads,
    IHave,
    IWant,
    MoreHeads,
    Offer,
    RemoteProtocolError,
    Push,
    Same,
    decode,
    event_batches,
    encode,
    heads_messages,
)
from work_cost import cpu_seconds, traced_peak

# --- strategies: every valid message ----------------------------------------------------------

u64 = st.integers(min_value=0, max_value=2**64 - 1)
digest32 = st.binary(min_size=32, max_size=32)
wire_event = st.binary(max_size=300)
event_lists = st.lists(wire_event, max_size=20).map(tuple)
id_lists = st.lists(digest32, max_size=20).map(tuple)
heads = st.lists(
    st.tuples(digest32, st.integers(min_value=1, max_value=MAX_SEQ - 1),
              st.binary(min_size=HEAD_PREFIX, max_size=HEAD_PREFIX)),
    max_size=20,
).map(tuple)

messages = st.one_of(
    st.builds(Offer, digest32, u64),
    st.just(Same()),
    st.builds(Heads, heads),
    st.builds(MoreHeads, heads.filter(bool)),
    st.builds(Events, event_lists),
    st.builds(End, u64),
    st.builds(Push, event_lists),
    st.builds(IHave, id_lists),
    st.builds(IWant, id_lists),
    st.builds(Credentials, event_lists),
    # code and text within the lengths the decoder keeps (64 and 512 characters, 1024 bytes each),
    # printable (the decoder writes a '?' for any other character: see the test of Error's words)
    st.builds(Error, st.text(max_size=64).filter(lambda s: len(s.encode()) <= 1024 and s.isprintable()),
              st.text(max_size=256).filter(lambda s: len(s.encode()) <= 1024 and s.isprintable())),
)


@settings(max_examples=400, deadline=None)
@given(messages)
def test_every_message_round_trips(message):
    data = encode(message)
    back = decode(data)
    assert back == message
    assert type(back) is type(message)
    assert encode(back) == data  # one encoding per message


@pytest.mark.parametrize("message", [
    Offer(bytes(32), 0), Same(), Heads(()), Events(()), End(0), Push(()), IHave(()), IWant(()),
    Credentials(()), Error("", ""),
])
def test_empty_and_zero_messages_round_trip(message):
    assert decode(encode(message)) == message


def test_largest_allowed_messages_round_trip():
    big = Events(tuple(bytes([i % 256]) * 10 for i in range(MAX_EVENTS_PER_MESSAGE)))
    assert decode(encode(big)) == big
    one_max_event = Push((b"\xab" * MAX_EVENT_BYTES,))
    assert decode(encode(one_max_event)) == one_max_event
    ids = IHave(tuple(i.to_bytes(32, "big") for i in range(MAX_IDS_PER_MESSAGE)))
    assert decode(encode(ids)) == ids


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, MAX_EVENT_BYTES), max_size=1200))
def test_event_batches_keep_the_order_and_fit_a_frame(sizes):
    """However many events of whatever sizes: every one once, in order, in messages of at most
    MAX_EVENTS_PER_MESSAGE events and MAX_BATCH_BYTES bytes (one larger event alone), each of
    which encodes within a frame."""
    wires = [i.to_bytes(4, "big") * (size // 4) + b"x" * (size % 4) for i, size in enumerate(sizes)]
    batches = list(event_batches(wires))
    assert [w for batch in batches for w in batch] == wires
    for batch in batches:
        assert 1 <= len(batch) <= MAX_EVENTS_PER_MESSAGE
        assert sum(map(len, batch)) <= MAX_BATCH_BYTES or len(batch) == 1
        assert len(encode(Events(batch))) <= SecureChannel.MAX_FRAME
    # as few messages as the bounds allow: no two neighbours would have fitted in one
    for a, b in zip(batches, batches[1:]):
        assert sum(map(len, a)) + len(b[0]) > MAX_BATCH_BYTES or len(a) == MAX_EVENTS_PER_MESSAGE


def _filling(total: int) -> list[bytes]:
    """Events of at most MAX_EVENT_BYTES whose sizes add up to `total` exactly."""
    sizes = [MAX_EVENT_BYTES] * (total // MAX_EVENT_BYTES)
    rest = total - sum(sizes)
    if rest:  # the last full one and the rest as two nearly equal events, each within the limit
        last = sizes.pop() + rest
        sizes += [last // 2, last - last // 2]
    return [bytes([i % 251]) * size for i, size in enumerate(sizes)]


def test_event_batches_are_cut_at_the_bounds_exactly():
    """A message takes events up to MAX_BATCH_BYTES bytes inclusive and MAX_EVENTS_PER_MESSAGE
    events inclusive, and the count starts again after each cut."""
    full = _filling(MAX_BATCH_BYTES)
    assert sum(map(len, full)) == MAX_BATCH_BYTES and max(map(len, full)) <= MAX_EVENT_BYTES
    assert list(event_batches(full + [b"x"])) == [tuple(full), (b"x",)]
    assert list(event_batches(full + full)) == [tuple(full), tuple(full)]
    many = [i.to_bytes(2, "big") for i in range(2 * MAX_EVENTS_PER_MESSAGE + 1)]
    assert [len(b) for b in event_batches(many)] == [MAX_EVENTS_PER_MESSAGE, MAX_EVENTS_PER_MESSAGE, 1]
    assert list(event_batches([])) == []


def test_long_strings_are_refused():
    """Only an Error carries text, shown cut to 512 characters; a longer string in any message is no message of ours."""
    assert decode(_pack([9, "c" * 64, "t" * 1024])) == Error("c" * 64, "t" * 512)
    for data in (_pack([9, "c", "t" * 1025]), _pack([9, "c" * 1025, "t"])):
        with pytest.raises(RemoteProtocolError, match="unreadable message"):
            decode(data)


def test_lists_beyond_what_the_type_and_size_allow_are_refused_while_read():
    """Heads are the smallest lists a valid message nests (46 bytes each), and a message holds no
    other list than its one list: more items than its size holds as heads, or a second list, is
    refused while it is read, before any is looked at."""
    with pytest.raises(RemoteProtocolError, match="a list longer than a message of its type and size holds"):
        decode(_pack([3, [[] for _ in range(1000)]]))
    for data in (_pack([4, [[b"e"], [b"e"]]]), _pack([3, [[bytes(32), 1, bytes(HEAD_PREFIX)]], [[bytes(32), 1, bytes(HEAD_PREFIX)]]]), _pack([1, [], bytes(32)])):
        with pytest.raises(RemoteProtocolError, match="too many nested lists"):
            decode(data)
    heads = Heads(tuple((i.to_bytes(32, "big"), 1, bytes(HEAD_PREFIX)) for i in range(1000)))
    assert decode(encode(heads)) == heads  # as many real heads in as many bytes are fine


def _heads(count: int, seq: int = 1) -> list[tuple[bytes, int, bytes]]:
    return [(i.to_bytes(32, "big"), seq, i.to_bytes(HEAD_PREFIX, "big")) for i in range(count)]


@pytest.mark.parametrize("count", [0, 1, HEADS_PER_MESSAGE, HEADS_PER_MESSAGE + 1, 2 * HEADS_PER_MESSAGE + 7])
def test_heads_go_in_parts_then_one_heads_message(count):
    """Heads that fit one message go in one Heads (what nodes of earlier versions read); more go
    as MoreHeads parts and a last Heads, every head once and in order."""
    heads = _heads(count)
    messages = heads_messages(heads)
    assert [type(m) for m in messages] == [MoreHeads] * (len(messages) - 1) + [Heads]
    assert len(messages) == max(1, -(-count // HEADS_PER_MESSAGE))
    assert [h for m in messages for h in m.heads] == heads
    assert all(len(m.heads) == HEADS_PER_MESSAGE for m in messages[:-1])


def test_heads_of_far_more_authors_than_one_frame_holds_travel_in_frames():
    """At ~84,000 authors one Heads message passed the 4 MiB frame and every round failed. Each
    part, at the largest seqs, fits a frame and is read back as it was sent."""
    heads = _heads(3 * HEADS_PER_MESSAGE, seq=MAX_SEQ - 1)  # (still 9 bytes each in msgpack)
    assert len(encode(Heads(tuple(heads)))) > SecureChannel.MAX_FRAME  # as one message: no frame holds it
    for message in heads_messages(heads):
        data = encode(message)
        assert len(data) <= SecureChannel.MAX_FRAME
        assert decode(data) == message
    assert HEADS_PER_MESSAGE <= MAX_HEADS


def test_type_numbers_are_distinct_and_first():
    samples = [Offer(bytes(32), 1), Same(), Heads(()), Events(()), End(0), Push(()), IHave(()), IWant(()),
               Error("a", "b"), Credentials(()), MoreHeads(((bytes(32), 1, bytes(HEAD_PREFIX)),))]
    types = [msgpack.unpackb(encode(m))[0] for m in samples]
    assert sorted(types) == list(range(1, 12))


def test_in_sync_messages_are_tiny():
    """The whole in-sync exchange is one Offer and one Same: well under the 1 KiB budget each way."""
    offer = encode(Offer(b"\xff" * 32, 2**64 - 1))  # the largest possible Offer
    same = encode(Same())
    assert len(offer) < 100 and len(same) < 100
    assert len(offer) <= 1 + 1 + 2 + 32 + 9  # array header, type, bin header, digest, uint64


# --- refusals ---------------------------------------------------------------------------------

def _pack(value) -> bytes:
    return msgpack.packb(value, use_bin_type=True)


MALFORMED = {
    "empty input": b"",
    "nil": _pack(None),
    "an int": _pack(1),
    "bytes": _pack(b"\x01"),
    "a str": _pack("offer"),
    "a map": _pack({"t": 1}),
    "an empty list": _pack([]),
    "type is bool": _pack([True]),
    "type is float": _pack([2.0]),
    "type is str": _pack(["2"]),
    "type is bytes": _pack([b"\x02"]),
    "type 0": _pack([0]),
    "type 12": _pack([12]),
    "more heads without list": _pack([11]),
    "more heads with no heads": _pack([11, []]),
    "more heads with a malformed head": _pack([11, [[bytes(32), 0, bytes(8)]]]),
    "type -1": _pack([-1]),
    "type 2**64-1": _pack([2**64 - 1]),
    "offer without count": _pack([1, bytes(32)]),
    "offer with extra item": _pack([1, bytes(32), 0, 0]),
    "offer digest of 31 bytes": _pack([1, bytes(31), 0]),
    "offer digest of 33 bytes": _pack([1, bytes(33), 0]),
    "offer digest as str": _pack([1, "x" * 32, 0]),
    "offer count as bool": _pack([1, bytes(32), True]),
    "offer count as float": _pack([1, bytes(32), 1.0]),
    "offer count as bytes": _pack([1, bytes(32), b"\x01"]),
    "same with an argument": _pack([2, 0]),
    "heads without list": _pack([3]),
    "heads not a list": _pack([3, b"heads"]),
    "heads with two lists": _pack([3, [], []]),
    "head of two items": _pack([3, [[bytes(32), 1]]]),
    "head of four items": _pack([3, [[bytes(32), 1, bytes(8), 0]]]),
    "head author of 31 bytes": _pack([3, [[bytes(31), 1, bytes(8)]]]),
    "head seq 0": _pack([3, [[bytes(32), 0, bytes(8)]]]),
    "head seq negative": _pack([3, [[bytes(32), -1, bytes(8)]]]),
    "head seq bool": _pack([3, [[bytes(32), True, bytes(8)]]]),
    "head prefix of 7 bytes": _pack([3, [[bytes(32), 1, bytes(7)]]]),
    "head prefix of 32 bytes": _pack([3, [[bytes(32), 1, bytes(32)]]]),
    "head not a list": _pack([3, [bytes(32)]]),
    "events not a list": _pack([4, bytes(10)]),
    "events item is str": _pack([4, ["event"]]),
    "events item is int": _pack([4, [1]]),
    "events item is list": _pack([4, [[b"x"]]]),
    "events with extra item": _pack([4, [], 0]),
    "push item is nil": _pack([6, [None]]),
    "credentials item is int": _pack([10, [7]]),
    "end negative": _pack([5, -1]),
    "end bool": _pack([5, False]),
    "end float": _pack([5, 0.0]),
    "end missing": _pack([5]),
    "ihave id of 31 bytes": _pack([7, [bytes(31)]]),
    "ihave id of 33 bytes": _pack([7, [bytes(33)]]),
    "iwant id is str": _pack([8, ["a" * 32]]),
    "iwant not a list": _pack([8, bytes(32)]),
    "error code not str": _pack([9, b"code", "text"]),
    "error text missing": _pack([9, "code"]),
    "error text is int": _pack([9, "code", 5]),
    "two messages in one frame": _pack([2]) + _pack([2]),
    "trailing garbage": _pack([2]) + b"\x00",
    "truncated offer": _pack([1, bytes(32), 5])[:-3],
    "an ext type": b"\x92\x02" + b"\xd4\x01\x00",
    "a timestamp ext": _pack([1, msgpack.Timestamp(1, 0), 0]),
    "invalid utf-8 in error": b"\x93\x09\xa2\xff\xfe\xa0",
    "a reserved byte (0xc1)": b"\xc1",
}


@pytest.mark.parametrize("data", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_input_is_refused(data):
    with pytest.raises(RemoteProtocolError) as err:
        decode(data)
    assert err.value.reason in ("protocol", "oversize")


def test_every_truncation_of_a_valid_message_is_refused():
    samples = [Offer(b"\x01" * 32, 7), Heads(((b"\x02" * 32, 3, b"\x03" * 8),)), Push((b"abc", b"")), End(300),
               IHave((b"\x04" * 32,)), Error("refused", "not a member")]
    for message in samples:
        data = encode(message)
        for cut in range(len(data)):
            with pytest.raises(RemoteProtocolError):
                decode(data[:cut])


def test_too_many_events_is_oversize():
    for t in (4, 6, 10):
        data = _pack([t, [b"e"] * (MAX_EVENTS_PER_MESSAGE + 1)])
        with pytest.raises(RemoteProtocolError) as err:
            decode(data)
        assert err.value.reason == "oversize"


def test_too_many_ids_is_oversize():
    for t in (7, 8):
        data = _pack([t, [bytes(32)] * (MAX_IDS_PER_MESSAGE + 1)])
        with pytest.raises(RemoteProtocolError) as err:
            decode(data)
        assert err.value.reason == "oversize"


def test_an_event_over_the_size_limit_is_refused():
    data = _pack([6, [b"x" * (MAX_EVENT_BYTES + 1)]])
    with pytest.raises(RemoteProtocolError):
        decode(data)


def test_duplicate_heads_decode_but_are_refused_by_the_session():
    """Two heads for one author are well-formed bytes; the anti-entropy session refuses them
    (tested in test_antientropy.py). Here: the decoder keeps them as sent."""
    data = _pack([3, [[bytes(32), 1, bytes(8)], [bytes(32), 2, bytes(8)]]])
    assert len(decode(data).heads) == 2


# --- bombs: a few bytes must never cost much memory or work ----------------------------------

BOMB_OF_EMPTY_ARRAYS = b"\x92\x03\xdc\x00\x14" + (b"\xdd" + struct.pack(">I", 200_000) + b"\x90" * 200_000) * 20
BOMB_OF_EMPTY_MAPS = b"\x92\x03\xdc\x00\x14" + (b"\xdd" + struct.pack(">I", 200_000) + b"\x80" * 200_000) * 20
BOMBS = {
    "array header claiming 2**32 items": b"\x92\x04\xdd\xff\xff\xff\xff",
    "top-level array of 2**32 items": b"\xdd\xff\xff\xff\xff",
    "map header claiming 2**32 items": b"\x92\x04\xdf\xff\xff\xff\xff",
    "bin header claiming 4 GiB": b"\x92\x06\x91\xc6\xff\xff\xff\xff",
    "str header claiming 4 GiB": b"\x93\x09\xdb\xff\xff\xff\xff\xa0",
    "ext header claiming 4 GiB": b"\x92\x06\xc9\xff\xff\xff\xff\x01",
    "100k nested arrays": b"\x91" * 100_000,
    "2000 nested arrays each claiming 200k items": b"\x92\x03" + (b"\xdd" + struct.pack(">I", 200_000)) * 2000,
    "3333 nested arrays each claiming 10,000 items": b"\x92\x03" + (b"\xdc" + struct.pack(">H", 10_000)) * 3333,
    "a head holding 100k nested heads": b"\x92\x03\x91" + b"\x93" * 100_000,
    "an array claiming 200k items, holding one": b"\x92\x04\xdd" + struct.pack(">I", 200_000) + b"\xc4\x00",
    "4 million empty arrays in one frame": BOMB_OF_EMPTY_ARRAYS,
    "4 million empty maps in one frame": BOMB_OF_EMPTY_MAPS,  # (~290 MB built until 2026-12-07)
    "an empty map in a message": b"\x92\x05\x80",
    # Small items: each a Python object of 28-56 bytes and an 8-byte place in its list, from one byte
    # of msgpack (-32..-6 are no shared ints). Until 2026-12-07 a member's 4 MiB frame of them built
    # 162 MB, a stranger's credentials the same (40 x their size).
    "heads' arrays of small negative ints": b"\x92\x03\xdc\x00\x14" + (b"\xdc\x4e\x20" + b"\xe0" * 20_000) * 20,
    "credentials of small negative ints": b"\x92\x0a\xdc\x4e\x20" + b"\xe0" * 20_000,
    "ids of small negative ints": b"\x92\x07\xdc\x4e\x20" + b"\xe0" * 20_000,
    "events in arrays of nils": b"\x92\x04\xdc\x00\x14" + (b"\xdc\x4e\x20" + b"\xc0" * 20_000) * 20,
    "an offer of small negative ints": b"\x92\x01\xdc\x4e\x20" + b"\xe0" * 20_000,
    "heads of empty bins and small ints": b"\x92\x03\xdc\x4e\x20" + b"\x93\xc4\x00\x01\xc4\x00" * 20_000,
    "heads of small negative ints in 3s": b"\x92\x03\xdc\x27\x10" + b"\x93\xe0\xe0\xe0" * 10_000,
    # as long as a heads message of its size may hold (bins of 64 KiB to make it large), two of them
    "two lists of small ints in a padded heads message": b"\x9f\x03" + (b"\xdc\x44\x5c" + b"\xe0" * 17_500) * 2
    + (b"\xc5\xff\xff" + bytes(0xFFFF)) * 12,
}
BOMB_WORK_TIMES_HONEST = 10  # a bomb costs at most this many times the CPU of decoding an honest full frame
# (quiet: the worst bomb ~1.0 x; 3.1 x in a CI run beside two other test workers; without the list
# budget ~20 x)
BOMB_TRACED_BYTES = 128 * 1024 * 1024  # ...and allocates at most this much on the way (a frame is 4 MiB)


@pytest.fixture(scope="module")
def honest_frame_cpu() -> float:
    """The reference, measured in the same run: an honest Heads message that fills a frame."""
    heads = tuple((i.to_bytes(32, "big"), 1, bytes(HEAD_PREFIX)) for i in range(80_000))
    data = encode(Heads(heads))
    assert len(data) <= SecureChannel.MAX_FRAME
    return cpu_seconds(lambda: decode(data))


@pytest.mark.parametrize("data", BOMBS.values(), ids=BOMBS.keys())
def test_msgpack_bombs_are_refused_cheaply(data, honest_frame_cpu):
    """Cheap in work done, not in seconds: the Python memory decoding allocates (tracemalloc,
    the same on any machine) and the CPU it takes against an honest frame's. Without the list
    budget (`list_hook`), the 4 million empty arrays cost 258 MB and 20 honest frames' CPU."""
    with pytest.raises(RemoteProtocolError):
        decode(data)
    peak = traced_peak(lambda: decode(data), RemoteProtocolError)
    assert peak < BOMB_TRACED_BYTES, f"decoding {len(data)} bytes allocated {peak / 2**20:.0f} MiB on the way"
    cpu = cpu_seconds(lambda: decode(data), RemoteProtocolError)
    assert cpu <= BOMB_WORK_TIMES_HONEST * honest_frame_cpu, \
        f"refusing {len(data)} bytes took {cpu:.3f} s of CPU, an honest full frame {honest_frame_cpu:.3f} s"


BOMB_BYTES_PER_BYTE = 8  # a refused message allocates at most this many bytes per byte of it...
DECODER_BYTES = 256 * 1024  # ...beyond the decoder's own (msgpack's stack of 1,024 open arrays)


@pytest.mark.parametrize("data", BOMBS.values(), ids=BOMBS.keys())
def test_a_bomb_allocates_at_most_a_small_multiple_of_its_size(data):
    """msgpack's C decoder makes room for every item an array claims before reading them: 2000
    nested arrays of 10 kB, each claiming 200,000 items, had 82 MB allocated at once (a sixth of a
    Pi's memory per message, from a stranger's first frame)."""
    peak = traced_peak(lambda: decode(data), RemoteProtocolError)
    assert peak <= BOMB_BYTES_PER_BYTE * len(data) + DECODER_BYTES, \
        f"refusing {len(data)} bytes allocated {peak:,} bytes on the way"


def _peak_rss_mib_of(code: str) -> float:
    """Run `code` in a fresh interpreter and return its peak resident memory (VmHWM) in MiB."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    program = code + "\nprint(int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]))"
    out = subprocess.run([sys.executable, "-c", program], cwd=root, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return int(out.stdout.split()[-1]) / 1024


_BOMB_4MIB_OF_EMPTY_ARRAYS = """
import struct
from sync.messages import RemoteProtocolError, decode
data = b"\\x92\\x03\\xdc\\x00\\x14" + (b"\\xdd" + struct.pack(">I", 200_000) + b"\\x90" * 200_000) * 20
assert len(data) < 4 * 1024 * 1024  # fits in one frame
try:
    decode(data)
except RemoteProtocolError:
    pass
"""


@pytest.mark.slow
def test_a_frame_sized_bomb_of_empty_arrays_stays_bounded():
    baseline = _peak_rss_mib_of("import struct\nfrom sync.messages import decode")
    peak = _peak_rss_mib_of(_BOMB_4MIB_OF_EMPTY_ARRAYS)
    assert peak - baseline < 64, f"decoding one 4 MiB message peaked {peak - baseline:.0f} MiB above baseline"


# --- fuzz: whatever the bytes, only RemoteProtocolError ------------------------------------------

@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_arbitrary_bytes_give_a_message_or_protocol_violation(data):
    try:
        message = decode(data)
    except RemoteProtocolError:
        return
    assert decode(encode(message)) == message


msgpack_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1) | st.floats(allow_nan=False)
    | st.binary(max_size=40) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5),
    max_leaves=20,
)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.integers(min_value=-2, max_value=12), msgpack_values), st.lists(msgpack_values, max_size=4))
@pytest.mark.slow
def test_arbitrary_msgpack_lists_give_a_message_or_protocol_violation(first, rest):
    data = _pack([first, *rest])
    try:
        message = decode(data)
    except RemoteProtocolError:
        return
    assert type(message).__name__ in {"Offer", "Same", "Heads", "Events", "End", "Push", "IHave", "IWant",
                                      "Error", "Credentials"}


@settings(max_examples=500, deadline=None)
@given(messages, st.data())
def test_single_byte_corruptions_never_escape_as_other_exceptions(message, data):
    raw = bytearray(encode(message))
    pos = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    raw[pos] = data.draw(st.integers(min_value=0, max_value=255))
    try:
        decode(bytes(raw))
    except RemoteProtocolError:
        pass


def test_error_text_is_truncated_not_trusted():
    message = decode(_pack([9, "c" * 1000, "t" * 1000]))
    assert message == Error("c" * 64, "t" * 512)


FORGED_LINE = "bye\n2026-12-04 12:00:00 WARNING solnet: your keys were copied; run `solnet peers add 203.0.113.9`"


def test_an_errors_words_reach_no_log_or_terminal_as_control_characters():
    """A peer's closing words go into this node's log and onto `solnet sync`'s terminal: a line
    break would forge a log line, an escape rewrite the terminal, a direction mark turn text around."""
    message = decode(_pack([9, "refused\x1b[2J", FORGED_LINE + "\x1b]0;owned\x07 \u202egnp.exe\r\t\x00"]))
    assert isinstance(message, Error) and message.code == "refused?[2J"
    assert message.text == FORGED_LINE.replace("\n", "?") + "?]0;owned? ?gnp.exe???"
    assert decode(_pack([9, "refused", "that device key is revoked"])) == Error("refused", "that device key is revoked")
    assert decode(_pack([9, "x", "Überprüft: ça va — 安全"])).text == "Überprüft: ça va — 安全"  # words of any language


def test_offer_with_negative_count_is_refused():
    try:
        message = decode(_pack([1, bytes(32), -5]))
    except RemoteProtocolError:
        return
    raise AssertionError(f"accepted {message!r}")
