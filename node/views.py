"""The read models of a node, read from its store: what `solnet view`, the HTTP API and the
dashboard show. SQL selects the rows (by table, region, time, reference); the pure functions of
`events.readmodels` combine them."""
from __future__ import annotations

from typing import Any

from events import readmodels
from events.projections import (ACTION, ALERT, FULFIL, FUNDRAISER, FUNDRAISER_UPDATE, NEED, OFFER, PROFILE, SUPPORT,
                                SUPPORT_STATUS, MemoryTables)
from node.audience import WithOpened
from node.log import EventLog, now_ms

VIEWS = readmodels.VIEWS


def view(log: EventLog, name: str, *, region: str | None = None, now: int | None = None,
         limit: int | None = None, opened: MemoryTables | None = None) -> Any:
    """The read model `name`. With `limit`, SQL selects at most that many rows of each table
    involved (the soonest actions and the latest started, the newest of the others), so the cost
    does not grow with the log; without it, everything (for `solnet view`). `opened` holds the rows
    of the events for chosen groups this node could read (node.audience.opened_rows): they join the
    stored ones, marked `shared_with`, and exist only in memory."""
    now = now_ms() if now is None else now
    store = log.store if opened is None else WithOpened(log.store, opened)
    newest = {"order": "newest", "limit": limit} if limit is not None else {}
    if name == "actions":
        window_start = now - readmodels.RECENT_ACTION_GRACE_MS
        if limit is None:
            rows = store.rows(ACTION, region=region, t_from=window_start - 30 * 86_400_000)
        else:  # still going (the latest started in the last 30 days), then the soonest upcoming
            started = store.rows(ACTION, region=region, t_from=window_start - 30 * 86_400_000, t_before=window_start,
                                 order="latest", limit=limit)
            rows = started + store.rows(ACTION, region=region, t_from=window_start, order="t", limit=limit)
        return readmodels.upcoming_actions(rows, now)
    if name == "fundraisers":
        funds = store.rows(FUNDRAISER, region=region, **newest)
        return readmodels.fundraisers(funds, store.rows(FUNDRAISER_UPDATE, refs=[f.key for f in funds]))
    if name == "needs":
        lapse = {"t_from": now} if limit is not None else {}
        needs = store.rows(NEED, region=region, **lapse, **newest)
        rows = needs + store.rows(OFFER, region=region, **lapse, **newest)
        return readmodels.needs_and_offers(rows, store.rows(FULFIL, refs=[n.key for n in needs]), now)
    if name == "support":
        requests = store.rows(SUPPORT, region=region, **newest)
        return readmodels.support_requests(requests, store.rows(SUPPORT_STATUS, refs=[r.key for r in requests]))
    if name == "alerts":
        return readmodels.active_alerts(store.rows(ALERT, region=region, t_from=now + 1, **newest), now)
    if name == "groups":
        return readmodels.groups(store.rows(PROFILE), log.trust.members.values(), log.trust.revocations)
    raise ValueError(f"unknown view {name!r}; one of: {', '.join(VIEWS)}")
