"""Which live alerts the dashboard's banner shows at once, and which it folds, fair per lineage.

Any member admits a group with one vouch, so an infiltrator can post its per-group share of alerts
(node.views ALERTS_PER_GROUP) from each of a dozen groups it made up: over a hundred alerts above a
real raid alert posted a little earlier. Groups one member admitted share a lineage
(events/trust.py `lineages`): with more live alerts than the banner's room, each lineage is shown
up to an equal share of the room (a lineage with fewer shows all of its own, and leaves the rest to
the others), each lineage's newest few first; what a flooding lineage has beyond its share is
folded, still on the page, behind one line that says how many. Pure: the caller reads the alerts.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any

ROOM = 20  # alerts the banner shows at once before folding a flooding lineage's others
FEW = 3  # of each lineage, its newest, before any lineage's others


def banner(alerts: list[dict[str, Any]], lineage: Callable[[bytes], Hashable]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(shown, folded) of `alerts` (newest first, each with its `group`): all shown when they fit the
    room. Otherwise each lineage's newest FEW come first (newest first), then the others shown
    newest first; a lineage keeps at most the level at which the room is shared out fairly (the
    largest equal share that, each lineage taking no more than it has, fits the room), and what it
    has beyond is folded, newest first. Same alerts, same answer: the order is the alerts' own."""
    if len(alerts) <= ROOM:
        return alerts, []
    of = [lineage(a["group"]) for a in alerts]
    counts = Counter(of)
    level = _fair_level(sorted(counts.values()), ROOM)
    taken: Counter[Hashable] = Counter()
    first, rest, folded = [], [], []
    for alert, line in zip(alerts, of):
        taken[line] += 1
        (first if taken[line] <= min(FEW, level) else rest if taken[line] <= level else folded).append(alert)
    return first + rest, folded


def _fair_level(sizes: list[int], room: int) -> int:
    """The largest share each of the lineages of `sizes` (ascending) may take so that, each taking
    at most what it has, the room holds them (at least FEW: each lineage's newest few are shown)."""
    for i, size in enumerate(sizes):
        share = room // (len(sizes) - i)
        if size > share:
            return max(FEW, share)
        room -= size
    return sizes[-1] if sizes else 0
