"""msgpack refuses a header claiming more items than its cap only in English words (a ValueError);
`events.canonical.past_cap` is the one reader of them, for `unpack` (Overfull) and sync's
`decode` ("oversize"). Its C extension and its pure-Python fallback (what msgpack runs where the
extension cannot be built, MSGPACK_PUREPYTHON) must both still say them: a changed wording would
turn those refusals into a plain "not valid msgpack" without any other test seeing it."""
from __future__ import annotations

import os
import subprocess
import sys

import msgpack
import msgpack.fallback
import pytest

from events.canonical import past_cap

_UNPACKERS = [pytest.param(msgpack.unpackb, id="extension"), pytest.param(msgpack.fallback.unpackb, id="fallback")]


@pytest.mark.parametrize("unpackb", _UNPACKERS)
def test_both_unpackers_say_an_array_or_map_past_its_cap(unpackb):
    if unpackb is msgpack.unpackb:
        assert msgpack.unpackb is not msgpack.fallback.unpackb, "msgpack's C extension is not loaded here"
    caught = []
    for data, caps in ((msgpack.packb([1, 2, 3]), {"max_array_len": 2}),
                       (msgpack.packb({"a": 1, "b": 2}), {"max_map_len": 1})):
        with pytest.raises(ValueError) as exc:
            unpackb(data, **caps)
        caught.append(past_cap(exc.value))
    assert caught == ["array", "map"]


@pytest.mark.parametrize("unpackb", _UNPACKERS)
def test_other_refusals_are_not_past_a_cap(unpackb):
    with pytest.raises(ValueError) as exc:  # (a bin longer than its cap: another cap, not of items)
        unpackb(msgpack.packb(b"abc"), max_bin_len=2)
    assert past_cap(exc.value) is None
    assert past_cap(TypeError("3 exceeds max_array_len(2)")) is None  # (not msgpack's ValueError)


_BOTH_DECODERS = """
import msgpack, msgpack.fallback
assert msgpack.unpackb is msgpack.fallback.unpackb, "not msgpack's pure-Python fallback"
from events.canonical import Overfull, unpack
from sync.errors import RemoteProtocolError
from sync.messages import decode
try:
    unpack(msgpack.packb([[1, 2, 3]]), containers=4, items=2)
except Overfull as exc:
    print("unpack:", exc)
try:
    decode(msgpack.packb([1, list(range(5))]))  # an Offer holds no list: 3 items at most
except RemoteProtocolError as exc:
    print("decode:", exc.reason, exc)
"""


def test_the_decoders_say_so_under_the_fallback():
    env = {**os.environ, "MSGPACK_PUREPYTHON": "1"}
    out = subprocess.run([sys.executable, "-c", _BOTH_DECODERS], env=env, capture_output=True, text=True,
                         timeout=60, cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "unpack: malformed: value holds a list or map of more than 2 items",
        "decode: oversize a list longer than a message of its type and size holds"]
