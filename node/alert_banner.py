"""Which live alerts the dashboard's banner shows at once, and which it folds, fair per lineage.

Any member admits a group with one vouch, so an infiltrator can post its per-group share of alerts
(node.views ALERTS_PER_GROUP) from each of a dozen groups it made up: over a hundred alerts above a
real raid alert posted a little earlier. With more live alerts than the banner's room, the room is
shared between lineages, and within a lineage down the admission tree (node/fair_share.py: the
groups one member made up share that member's turn, and the honest group that admitted it keeps its
own); what a lineage has beyond its share is folded, still on the page, behind one line that says
how many and from which groups (not that they are false: an honest group may be among them). Pure:
the caller reads the alerts.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from node import fair_share
from node.fair_share import Parent

ROOM = 20  # alerts the banner shows at once before folding a flooding lineage's others
FEW = 3  # of each lineage, its newest, before any lineage's others


def banner(alerts: list[dict[str, Any]], lineage: Callable[[bytes], Hashable],
           parent: Parent | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(shown, folded) of `alerts` (newest first, each with its `group`): all shown when they fit the
    room. Otherwise the room is shared as node/fair_share.py says (`parent`: of a group, the one
    that admitted it, fair_share.admitter): each lineage's first FEW come first (newest first),
    then the others within their lineage's share, newest first; what a lineage has beyond its share
    is folded, newest first. Same alerts, same answer: the order is the alerts' own."""
    if len(alerts) <= ROOM:
        return alerts, []
    tier = fair_share.tiers([a["group"] for a in alerts], ROOM, FEW, lineage, parent)
    return ([a for a, t in zip(alerts, tier) if t == 0] + [a for a, t in zip(alerts, tier) if t == 1],
            [a for a, t in zip(alerts, tier) if t == 2])
