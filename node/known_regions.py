"""Whether a region typed for an event is one the network knows, and the known ones it is close to.

A raid alert for 'calis' (meant: calais) reached no one: coordinators follow the regions they are in,
and a region is only checked against its pattern. A region is known when a group is based in it (its
profile) or an event this node holds is placed in it (the regions `view regions` lists: one loose
index scan per table, not a scan of the log). A new region on purpose (a group starting in a new town)
stays possible: the person says so (`--new-region`, "new_region": true, the form's tick box).
"""
from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING

from node.kind_input import PublishError

if TYPE_CHECKING:  # `solnet publish` through a running node loads no database layer (the node checks)
    from node.log import EventLog

CLOSE_MATCHES = 3


class NewRegion(PublishError):
    """A region nothing in the network is placed in, published without saying it is meant. `close`
    holds the known regions it may be a typo of (those where a group is based first)."""

    def __init__(self, region: str, close: list[str]) -> None:
        hint = f"; did you mean {' or '.join(close)}?" if close else "."
        super().__init__(f"no group is based in the region {region!r} and no event is placed in it, so no one "
                         f"follows it{hint} If it is a new region on purpose, say so", "region")
        self.region, self.close = region, close


def refuse_new_region(log: EventLog, region: str, home_region: Callable[[], str | None] | None = None) -> None:
    """Raise NewRegion unless `region` (as stored: lower case) is known to this node's log, or is
    `home_region()`: the home's own (config.json), known before its group's profile is in the log
    (a group that has just joined). Asked only of a region the log does not know."""
    from events.projections import PROFILE
    from node.views import REGION_TABLES  # (views imports much of the node: only when publishing)

    if log.store.holds_region(REGION_TABLES, region) or (home_region is not None and region == home_region()):
        return
    known = log.store.regions(REGION_TABLES)
    based = sorted({p.data["region"] for p in log.store.rows(PROFILE)})
    close = difflib.get_close_matches(region, based, n=CLOSE_MATCHES, cutoff=0.6)
    close += [r for r in difflib.get_close_matches(region, known, n=CLOSE_MATCHES, cutoff=0.6) if r not in close]
    raise NewRegion(region, close[:CLOSE_MATCHES])
