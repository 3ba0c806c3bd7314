"""Whether a region typed for an event is one the network knows, and the known ones it is close to.

A raid alert for 'calis' (meant: calais) reached no one: coordinators follow the regions they are in,
and a region is only checked against its pattern. A region is known when a group is based in it (its
profile) or an event this node holds is placed in it (the regions `view regions` lists: one loose
index scan per table, not a scan of the log). A new region on purpose (a group starting in a new town)
stays possible: the person says so (`--new-region`, "new_region": true, the form's tick box).
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from node.kind_input import PublishError

if TYPE_CHECKING:  # `solnet publish` through a running node loads no database layer (the node checks)
    from node.log import EventLog
    from node.ports import WebNode

CLOSE_MATCHES = 3
CHECK_S = 10.0  # until the first sync, how often it is looked for when nothing new is stored

logger = logging.getLogger(f"solnet.{__name__}")


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
    close = unknown_region(log, region, home_region)
    if close is not None:
        raise NewRegion(region, close)


@functools.cache
def _tables() -> tuple[tuple[str, ...], str]:
    """The tables whose rows place events in a region, and the groups' profiles' table. Imported at
    the first publish, not at load (views imports much of the node), and once: an import statement
    run in a function cost some 2-4 us here, every publish."""
    from events.projections import PROFILE
    from node.views import REGION_TABLES

    return REGION_TABLES, PROFILE


def unknown_region(log: EventLog, region: str, home_region: Callable[[], str | None] | None = None) -> list[str] | None:
    """None when `region` is known (as refuse_new_region says), else the known regions it may be a
    typo of (perhaps none): the one test for publishing and for reading alerts alike."""
    region_tables, profile = _tables()
    if log.store.holds_region(region_tables, region) or (home_region is not None and region == home_region()):
        return None
    import difflib  # (a region not known only: 0.2 MiB of a running node)

    known = log.store.regions(region_tables)
    based = sorted({p.data["region"] for p in log.store.rows(profile)})
    close = difflib.get_close_matches(region, based, n=CLOSE_MATCHES, cutoff=0.6)
    close += [r for r in difflib.get_close_matches(region, known, n=CLOSE_MATCHES, cutoff=0.6) if r not in close]
    return close[:CLOSE_MATCHES]


def ever_synced(peers: Sequence[dict[str, Any]]) -> bool:
    """Whether this node has synced with a peer (node/status.py's peer list, or a running node's
    peer_views): before, it holds its own group's and its sponsor's regions, not the network's, so a
    region it does not know may yet be a real one."""
    return any(p.get("last_sync") for p in peers)


REGIONS_LISTED_BY = "`solnet view regions`"  # what lists the known regions, in a command's words


def _close_hint(close: list[str], listed_by: str) -> str:
    return f"did you mean {' or '.join(close)}?" if close else f"check its spelling ({listed_by} lists them)."


def unread_region_words(region: str, close: list[str], listed_by: str = REGIONS_LISTED_BY) -> str:
    """Why following `region` would bring nothing, for someone reading alerts (the API's `region`,
    `view alerts --region`, `run --alert-region`): a typo waited forever for alerts that never came.
    `listed_by`: what lists the regions for whoever reads this (the API names its route)."""
    return (f"no group is based in the region {region!r} and no event is placed in it yet, so no alert comes from it "
            f"until someone publishes there; {_close_hint(close, listed_by)}")


def empty_region_words(region: str, close: list[str], listed_by: str = REGIONS_LISTED_BY) -> str:
    """Why a view of `region` is empty when the region is unknown (a typo: 'calai'): "Nothing to show"
    alone read as "no open request in Calais"."""
    return (f"no group is based in the region {region!r} and no event is placed in it yet; "
            f"{_close_hint(close, listed_by)}")


async def say_if_still_unknown(node: WebNode, regions: Sequence[str]) -> None:
    """Once this node has synced with a peer (it never had when `solnet run` began), say in the log
    each of `regions` (--alert-region) it still does not know: the command would never run for it.
    Said once; region names are public, as the alerts' are."""
    from node.log import now_ms

    seen = 0
    while not ever_synced(node.peer_views(now_ms())):  # woken by what the sync stores, else every CHECK_S
        seen = await node.wait_for_change(seen, CHECK_S)

    def still_unknown() -> list[str]:
        return [unread_region_words(r, close) for r in regions
                if (close := unknown_region(node.log, r, lambda: node.home.config().region)) is not None]

    for words in await node.db(still_unknown):
        logger.warning("--alert-region: %s Alerts of that region will never run the command; correct it and "
                       "restart the node", words)
