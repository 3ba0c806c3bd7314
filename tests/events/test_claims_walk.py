"""The walk before decoding (events/canonical.py `claims_come`) refuses only what msgpack's own
decoder cannot read whole: every value it reads, at each length form of its containers and
strings, passes the walk, on a fresh walker and on the one a thread keeps."""
from __future__ import annotations

import msgpack
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.canonical import claims_come

# Lengths around each of msgpack's length forms (fix, 8, 16 bits), and 0xdc/0xdd bytes in the
# leaves, so the walk runs (it is skipped for values without them).
_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64 - 1),
                    st.binary(max_size=300), st.text(max_size=40), st.just(b"\xdc\xdd" * 20))
_VALUES = st.recursive(_LEAVES, lambda inner: st.one_of(
    st.lists(inner, min_size=14, max_size=40), st.lists(inner, max_size=3),
    st.dictionaries(st.text(max_size=4), inner, max_size=20)), max_leaves=300)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(_VALUES)
def test_every_value_msgpack_reads_passes_the_walk(value):
    data = msgpack.packb(value, use_bin_type=True)
    assert msgpack.unpackb(data, raw=False) == value
    claims_come(data)  # (the thread's walker, then the same again)
    claims_come(data)
    claims_come(msgpack.packb([value] * 20, use_bin_type=True))  # (an array16: always walked)


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=64).map(lambda b: b"\xdc\x00\x02" + b))
def test_bytes_msgpack_reads_pass_the_walk(data):
    try:
        msgpack.unpackb(data, raw=True, strict_map_key=False)
    except msgpack.ExtraData:
        pass  # (the walk reads the first value only; the decoder then refuses the rest)
    except (ValueError, TypeError, msgpack.UnpackException):
        return
    claims_come(data)
