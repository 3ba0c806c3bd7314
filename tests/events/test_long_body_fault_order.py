"""A body's refusal code does not depend on where in it its faults lie, nor on its length
(events/kinds.py `parse_body`). A peer's penalty points are keyed on the code (sync/peers.py).

A long body (over 1 KiB) is read with its lists and maps capped at MOST_ITEMS items, and stops at
the first one past: what lies after it is never read. It was refused `bad_field` there (5 points),
though a broken string after the long list made the same body `malformed` (10) when read whole, as
it still was with the broken string before it (until 2026-12-08: the code depended on the order of
the faults). A list past the cap is now `malformed` wherever it is and whatever else the body
holds, in a short body too (read whole, then judged by the same caps): one code for one fault."""
from __future__ import annotations

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.hashing import blake2b_256
from crypto.keys import SigningKey
from events.errors import InvalidEvent
from events.format import Header
from events.kinds import BODY_BUILT_FREELY, MOST_ITEMS, parse_body
from sync.peers import REASON_POINTS

KEY = bytes(SigningKey.generate().public)
NETWORK = bytes(range(32))
BROKEN = "BROKEN"  # a text whose bytes are made invalid UTF-8 once packed (its header kept)


def _reason(fields: dict) -> str:
    body = msgpack.packb(dict(sorted(fields.items()))).replace(
        msgpack.packb(BROKEN), msgpack.packb(BROKEN)[:1] + b"\xff" * len(BROKEN))
    header = Header(NETWORK, KEY, 1, None, 1_700_000_000_000, "need", None, blake2b_256(body), len(body))
    with pytest.raises(InvalidEvent) as refused:
        parse_body(header, body)
    return refused.value.reason


LONG_LIST = [-32] * (MOST_ITEMS + 1)


@pytest.mark.parametrize("padding", [0, BODY_BUILT_FREELY], ids=["short body", "long body"])
def test_a_broken_text_before_or_after_a_long_list_gives_one_code(padding: int) -> None:
    base = {"category": "tents", "region": "calais", "details": LONG_LIST, "notes": "x" * padding}
    before, after = _reason({**base, "a": BROKEN}), _reason({**base, "zz": BROKEN})
    assert before == after, f"broken text before the long list: {before}; after it: {after}"


def test_a_long_list_alone_gives_the_same_code_in_a_short_and_a_long_body() -> None:
    base = {"category": "tents", "region": "calais", "details": LONG_LIST}
    short, long = _reason(base), _reason({**base, "notes": "x" * BODY_BUILT_FREELY})
    assert short == long, f"a short body: {short}; a long one: {long}"
    assert REASON_POINTS[long] == REASON_POINTS[_reason({**base, "zz": BROKEN})]


@settings(max_examples=60, deadline=None)
@given(at=st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=3), padding=st.sampled_from([0, BODY_BUILT_FREELY]),
       fault=st.sampled_from(["broken text", "wrong type", "unknown field"]))
def test_the_code_is_the_same_wherever_the_other_fault_lies(at: str, padding: int, fault: str) -> None:
    """A second fault under any key, sorted before or after the long list, in a short or a long body."""
    base = {"category": "tents", "region": "calais", "details": LONG_LIST, "notes": "x" * padding}
    value = {"broken text": BROKEN, "wrong type": "5", "unknown field": "y"}[fault]
    key = {"broken text": at, "wrong type": "quantity", "unknown field": at}[fault]
    if key in base:
        return
    assert _reason({**base, key: value}) == _reason({**base, "zz": BROKEN}) == _reason(
        {**base, "notes": "x" * (BODY_BUILT_FREELY - padding)})
