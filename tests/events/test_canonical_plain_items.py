"""pack passes plain items (exact str, bytes, int, bool, None) through without sorting each one: the
bytes and the refusals are those of sorting every value, as before (a reference copy below)."""
from __future__ import annotations

from typing import Any

import msgpack
import pytest

from events.canonical import pack


def _reference(value: Any) -> Any:
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("map keys must be strings")
        return {k: _reference(value[k]) for k in sorted(value)}
    if isinstance(value, (list, tuple)):
        return [_reference(v) for v in value]
    if isinstance(value, float):
        raise TypeError("floats are not allowed")
    return value


class _Text(str):
    pass


class _Map(dict):
    pass


@pytest.mark.parametrize("value", [
    {"b": 1, "a": [b"x", None, True, ("t", {"z": 1, "y": [2]})], "c": "s"},
    [1, "a", b"b", None, False, [], {}],
    {_Text("k"): _Text("v"), "a": _Map(b=1, a=2)},
    (1, (2, (3,))),
    "plain", 7, None,
])
def test_pack_is_the_reference_encoding(value: Any) -> None:
    assert pack(value) == msgpack.packb(_reference(value), use_bin_type=True)


@pytest.mark.parametrize("value", [{"a": 1.5}, [1, [2.0]], {1: "a"}, {"a": {"b": {2: 1}}}, 0.5])
def test_pack_refuses_what_the_reference_refuses(value: Any) -> None:
    with pytest.raises(TypeError) as refused:
        pack(value)
    with pytest.raises(TypeError) as reference:
        _reference(value)
    assert str(refused.value) == str(reference.value)


class _Tied(str):
    """A key that sorts as tied with every other (a str subclass may say anything of its order)."""

    def __lt__(self, other: object) -> bool:
        return False


def test_keys_that_tie_in_order_are_not_sorted_by_their_values() -> None:
    value = {_Tied("b"): 1, "a": b"x"}
    assert pack(value) == msgpack.packb(_reference(value), use_bin_type=True)
