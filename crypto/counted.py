"""msgpack's container hook that lets a given number of maps and lists through, then refuses: the
one counter of what a stranger's bytes may build, for the envelope (crypto/envelope.py), canonical
values (events/canonical.py), bundles (node/bundle.py) and sync messages (sync/messages.py `_Lists`,
whose heads pass uncounted), which cannot import each other's way down."""
from __future__ import annotations

from typing import Any


class TooMany(ValueError):
    """More maps or lists than a `Counted` hook lets through (a ValueError, as msgpack's own caps raise)."""


class Counted:
    """msgpack's `object_hook` and `list_hook` for one decode: lets `left` containers through, then
    raises TooMany. msgpack builds each before calling the hook, innermost first, so at most `left`
    are built whole and the next one past."""

    __slots__ = ("left",)

    def __init__(self, left: int) -> None:
        self.left = left

    def __call__(self, value: Any) -> Any:
        self.left -= 1
        if self.left < 0:
            raise TooMany
        return value
