"""What a page drew of the state that changes while no event is stored, and whether it still holds.

A page (or a live part of it, as read again) is drawn with a peer link count, whether the node counts
as cut off, and live alerts that each end at a time of their own. None of these comes with an event;
the live stream (app.py, `live`) tells an open page `recheck` when they change. The stream opens
after the page was drawn (a phone loading the script, the reconnect after each stream's planned
end), so it cannot take what it finds then for what the page shows: an alert that ended in between
stayed "live" on the page until the next event came, hours on a quiet night. The page sends back
what it drew, this module's token, and the stream compares it with what holds when it opens.

The token is `LINKS.CUT_OFF.FIRST_END`: the links open, 1 or 0, and when the first of the drawn live
alerts ends (ms; empty: none). Pure: no I/O.
"""
from __future__ import annotations

from collections.abc import Iterable

MAX_TOKEN = 48  # longer is no token of ours (and a number of thousands of digits is not read at all)


def token(links: int, cut_off: bool, ends: Iterable[int | None]) -> str:
    """The token of a page drawn with `links` open, `cut_off` or not, and live alerts ending at `ends`."""
    first = min((end for end in ends if end is not None), default=None)
    return f"{int(links)}.{int(bool(cut_off))}.{'' if first is None else int(first)}"


def outdated(drawn: str, links: int, cut_off: bool, now: int) -> bool:
    """True when a page drawn as `drawn` (a token) no longer shows what holds at `now`: the links or
    the cut off changed, or one of its live alerts has ended. A token that cannot be read (damaged,
    from another version) counts as outdated: the page reads its parts again once, no more."""
    parts = drawn.split(".")
    if len(drawn) > MAX_TOKEN or len(parts) != 3 or not parts[0].isdigit() or parts[1] not in ("0", "1") or not (parts[2] == "" or parts[2].isdigit()):
        return True
    return (int(parts[0]) != links or (parts[1] == "1") != bool(cut_off)
            or (parts[2] != "" and int(parts[2]) <= now))
